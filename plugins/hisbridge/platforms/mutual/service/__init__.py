"""The 检查检验互认 workstation service (issue 10, items 2–4): 接诊提醒 and 开单提醒 for the HIS within a hard time
budget, the 互认 page where the doctor views other hospitals' reports and records 互认 / 不互认 / 撤销, and 获取引用
检验报告 (a quoted report written into HIS-side tables, its quote log uploaded).

``service.py`` is the logic; ``app.py`` the FastAPI app (mounted by the Airflow plugin at ``/mutual``, or alone:
``python -m hisbridge mutual serve``); ``page.py`` and ``static/`` the page; ``tickets.py`` the page links' signed
tickets; ``budget.py`` the reminders' time budget; ``outbox.py`` the record uploads' journal and re-send;
``identity.py`` and ``items.py`` what is read from the HIS and the mapping files; ``quote_tables.py`` the HIS-side
tables; ``wiring.py`` the service from Airflow's connections; ``operator.py`` the resend DAG's operator; ``cli.py`` the
command line.
"""
