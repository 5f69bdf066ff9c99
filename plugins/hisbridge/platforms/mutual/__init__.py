"""The 省检查检验结果互认平台 (platform ``mutual``): report, appointment and registration uploads, reminder and
report queries, and the workstation's behaviour records.

``catalogue.py`` — every operation, as data · ``models.py`` — the bodies and answers (``fields.py`` the
reusable types, ``codes.py`` the code sets and 不互认 reasons) · ``settings.py`` — one site's platform ·
``auth.py`` — none / token / hmac headers · ``answers.py`` — the answer envelope and what its codes mean
(``include/mappings/mutual_answers.yaml``) · ``client.py`` / ``errors.py`` — the calls · ``feeds.py`` — the
platform as the pipeline sees it · ``sender.py`` — the pipeline's sender · ``hooks.py`` — the Airflow connection
(the only Airflow import) · ``doc.py`` — ``docs/mutual_transactions.md`` · ``cli.py`` —
``python -m hisbridge mutual`` · ``service/`` — the workstation service (reminders, the 互认 page).
"""
