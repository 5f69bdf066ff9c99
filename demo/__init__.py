"""The demo: a generated HIS (SQLite / PostgreSQL) and `python -m hisbridge demo`, kept out of the production package."""
