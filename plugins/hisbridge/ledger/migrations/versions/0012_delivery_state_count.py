"""Records per (feed, state) kept by the database: the ledger summary stays flat at any ledger size.

``Ledger.counts`` (the ledger page, ``ledger summary``) counted every record with a GROUP BY: 63 ms at 100k records,
274 ms at 1M, 2.4 s at 10M (bench/bench_ledger_lookups.py). ``delivery_state_count`` holds the counts instead, kept
exact by triggers on ``delivery_record`` (PostgreSQL: statement-level with transition tables, appending each
statement's net change; SQLite: row-level, one row per pair), so no writer has to remember it. Why appended rows
and not one counter per (feed, state): schema.py, above ``delivery_state_count``.

The triggers are created before the table is filled from the current records, in this migration's transaction:
``CREATE TRIGGER`` locks ``delivery_record`` against writes until the commit (PostgreSQL waits for the writers in
progress first), so every record is counted exactly once — by the fill or by a trigger after the commit.

Downgrade drops the table, its triggers and functions: they hold nothing that is not in ``delivery_record``.

Revision ID: 0012_delivery_state_count
Revises: 0011_alerts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_delivery_state_count"
down_revision = "0011_alerts"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer, "sqlite")

# As of this revision (schema.STATE_COUNT_DDL is the current text; the tests compare the two).
_DDL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        """CREATE FUNCTION delivery_state_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- the statement's net change per (feed, state), appended: never an UPDATE, so no writer waits for another
    IF TG_OP = 'INSERT' THEN
        INSERT INTO delivery_state_count (feed, state, n)
        SELECT feed, state, count(*) FROM new_rows GROUP BY feed, state;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO delivery_state_count (feed, state, n)
        SELECT feed, state, -count(*) FROM old_rows GROUP BY feed, state;
    ELSE
        INSERT INTO delivery_state_count (feed, state, n)
        SELECT feed, state, sum(d) FROM (SELECT feed, state, 1 AS d FROM new_rows
                                         UNION ALL SELECT feed, state, -1 FROM old_rows) AS u
        GROUP BY feed, state HAVING sum(d) <> 0;
    END IF;
    RETURN NULL;
END $$""",
        """CREATE FUNCTION delivery_state_count_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TRUNCATE, not DELETE: it waits for a fold in progress, whose sums a DELETE's snapshot would not see
    TRUNCATE delivery_state_count;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER delivery_state_count_insert AFTER INSERT ON delivery_record "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION delivery_state_count_apply()",
        "CREATE TRIGGER delivery_state_count_update AFTER UPDATE ON delivery_record "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION delivery_state_count_apply()",
        "CREATE TRIGGER delivery_state_count_delete AFTER DELETE ON delivery_record "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION delivery_state_count_apply()",
        "CREATE TRIGGER delivery_state_count_truncate AFTER TRUNCATE ON delivery_record "
        "FOR EACH STATEMENT EXECUTE FUNCTION delivery_state_count_clear()",
    ),
    "sqlite": (
        """CREATE TRIGGER delivery_state_count_insert AFTER INSERT ON delivery_record
BEGIN
    INSERT INTO delivery_state_count (feed, state, n) SELECT NEW.feed, NEW.state, 0
        WHERE NOT EXISTS (SELECT 1 FROM delivery_state_count WHERE feed = NEW.feed AND state = NEW.state);
    UPDATE delivery_state_count SET n = n + 1 WHERE id = (
        SELECT min(id) FROM delivery_state_count WHERE feed = NEW.feed AND state = NEW.state);
END""",
        """CREATE TRIGGER delivery_state_count_update AFTER UPDATE OF feed, state ON delivery_record
WHEN OLD.feed IS NOT NEW.feed OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE delivery_state_count SET n = n - 1 WHERE id = (
        SELECT min(id) FROM delivery_state_count WHERE feed = OLD.feed AND state = OLD.state);
    INSERT INTO delivery_state_count (feed, state, n) SELECT NEW.feed, NEW.state, 0
        WHERE NOT EXISTS (SELECT 1 FROM delivery_state_count WHERE feed = NEW.feed AND state = NEW.state);
    UPDATE delivery_state_count SET n = n + 1 WHERE id = (
        SELECT min(id) FROM delivery_state_count WHERE feed = NEW.feed AND state = NEW.state);
END""",
        """CREATE TRIGGER delivery_state_count_delete AFTER DELETE ON delivery_record
BEGIN
    UPDATE delivery_state_count SET n = n - 1 WHERE id = (
        SELECT min(id) FROM delivery_state_count WHERE feed = OLD.feed AND state = OLD.state);
END""",
    ),
}
_DROP: dict[str, tuple[str, ...]] = {
    "postgresql": (
        *(f"DROP TRIGGER IF EXISTS delivery_state_count_{event} ON delivery_record"
          for event in ("insert", "update", "delete", "truncate")),
        "DROP FUNCTION IF EXISTS delivery_state_count_apply()",
        "DROP FUNCTION IF EXISTS delivery_state_count_clear()",
    ),
    "sqlite": tuple(f"DROP TRIGGER IF EXISTS delivery_state_count_{event}" for event in ("insert", "update", "delete")),
}


def upgrade() -> None:
    op.create_table(
        "delivery_state_count",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("feed", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_delivery_state_count_feed", "delivery_state_count", ["feed", "state"])
    dialect = op.get_bind().dialect.name
    for ddl in _DDL.get(dialect, ()):
        op.execute(ddl)
    # after the triggers (see the docstring): from here on no write to delivery_record can slip between the two
    op.execute("INSERT INTO delivery_state_count (feed, state, n) "
               "SELECT feed, state, count(*) FROM delivery_record GROUP BY feed, state")


def downgrade() -> None:
    for ddl in _DROP.get(op.get_bind().dialect.name, ()):
        op.execute(ddl)
    op.drop_index("ix_delivery_state_count_feed", "delivery_state_count")
    op.drop_table("delivery_state_count")
