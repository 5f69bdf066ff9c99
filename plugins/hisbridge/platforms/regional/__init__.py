"""市区卫平台 (区域全民健康信息平台) upload health: the hospital's existing uploads modelled as data, delivered into
the platform's 前置库, and checked every day — rows in the HIS vs rows uploaded vs rows the platform took.

``datasets.py`` — the data sets as data (``include/mappings/regional_datasets.yaml``) · ``models.py`` — the row
models built from those declarations · ``feeds.py`` — the platform as the feed pipeline sees it · ``frontdb.py`` —
the 前置库: the sender (upsert by business key) and the reader of upload flags · ``health.py`` — gap arithmetic
(pure), the daily check, the re-send and the alert hook · ``state.py`` — the ledger table of daily figures ·
``hooks.py`` / ``operators.py`` — Airflow (the only modules importing it).

See platforms.md §5 (what is known of such platforms and what is not) and the docstrings for what is
configurable because it is uncertain.
"""
