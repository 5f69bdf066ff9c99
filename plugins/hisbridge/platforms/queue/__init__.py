"""门诊候诊叫号 (tender item 6): the hx_* views the queue-calling system reads, their reader account, and a check.

The machinery (rendering per dialect, installing, the reader account, checking a live database) is the
platform-neutral :mod:`hisbridge.contracts`; this package holds what is the queue's own:

``declaration.py`` — the hx_* column contract as data (``include/mappings/queue_views.yaml``, per-site
overrides); ``settings.py`` — a site's settings; ``sources.py`` — what each source key means in SQL per
dialect; ``today.py`` — the "today" rule (ADR 0006); ``views.py`` — the declaration as a
:class:`~hisbridge.contracts.model.DbContract`, and render/install/check with the queue's rules;
``rules.py`` — the queue's row rules (ADD_STATE 2/0, today only, names masked); ``docs.py`` — the contract's
Markdown tables; ``cli.py`` — ``python -m hisbridge queue-views``; ``operator.py`` — the daily check's operator.
"""
