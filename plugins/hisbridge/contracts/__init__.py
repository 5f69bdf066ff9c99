"""Database contracts: objects another system reads from (or writes to) our databases, declared as data.

A platform declares a :class:`~hisbridge.contracts.model.DbContract` — views and tables with typed columns, the
base tables they read, one read-only reader account — and this package does the rest for PostgreSQL, Oracle
and SQLite alike. Nothing here names a platform: platform rules (a state column's codes, "today only") are
:class:`~hisbridge.contracts.check.RowRule` objects the platform passes to :func:`~hisbridge.contracts.check.check`.

``errors.py`` — the exception tree; ``sql.py`` — dialects, literals, qualified names, labelled statements;
``names.py`` — plain identifiers and comments all three dialects accept; ``column_types.py`` — the five column
types and their spelling per dialect; ``model.py`` — the declaration; ``ddl.py`` — render a script, install;
``accounts.py`` — the reader account and its grants; ``findings.py`` — the report; ``check.py`` — check a live
database; ``reader_check.py`` — the reader part of the check; ``probing.py`` — rolled-back probe connections.
"""
