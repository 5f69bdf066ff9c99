"""A 市区卫平台 前置库 simulator: the platform's side of a 中间库 the hospital fills and the platform's ETL pulls.

``spec.py`` — its own table specification and row rules (never imports ``hisbridge``) · ``frontdb.py`` — the
tables (PostgreSQL, or SQLite for the demo), the simulated pull that sets upload flags, and admin helpers ·
``faults.py`` — what a pull may do wrong · ``__main__.py`` — ``python -m simulators.regional``.
"""
