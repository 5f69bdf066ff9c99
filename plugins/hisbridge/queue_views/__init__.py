"""门诊候诊叫号 (tender item 6): the hx_* views the queue-calling system reads, their reader account, and a check.

``contract.py`` — the column contract as data (from ``include/mappings/queue_views.yaml``, per-site overrides);
``sources.py`` — what each source key means in SQL per dialect; ``ddl.py`` — render and install;
``check.py`` — typed findings against a live database; ``cli.py`` — ``python -m hisbridge queue-views``;
``operator.py`` — the Airflow operator of the daily check; ``docs.py`` — the contract's Markdown tables.
"""
