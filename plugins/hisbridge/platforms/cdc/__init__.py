"""The CDC front-end (传染病智能监测预警前置软件): every ``emr_*`` / ``base_*`` table it receives, delivered by push
API or into its database.

``tables.py`` — the tables declared once, as data · ``codes.py`` — the national code sets
(``include/mappings/cdc_dictionaries.yaml``) · ``models.py`` — pydantic models derived from the declarations ·
``ddl.py`` — the front-end database's DDL per dialect · ``client.py`` / ``errors.py`` — the push API ·
``sender.py`` — the pipeline's sender (push) and the factory choosing the target · ``frontend_db.py`` — the
database sender · ``feeds.py`` — the platform as the pipeline sees it · ``hooks.py`` — Airflow connections
(the only Airflow import) · ``doc.py`` — ``docs/cdc_tables.md`` · ``cli.py`` — ``python -m hisbridge cdc``.
"""
