"""A ledger that names no platform: neutral column names, wider ids, real-time call journal, sessions, counters.

- ``last_infno`` → ``last_operation``, ``infno`` → ``operation``, ``inf_refmsgid`` → ``platform_ref``: renamed,
  rows keep their values.
- ``infcode`` (integer) → ``platform_code`` (string): the values are kept as text (``0`` → ``'0'``, ``-1`` → ``'-1'``),
  since other platforms answer with codes such as ``E001``.
- msgid, correction key, operation and reference columns widened to what any platform needs.
- ``delivery_event.record_id`` may be empty and ``message_id`` is new: an event may concern a message, and its
  ``from_state``/``to_state`` are wide enough for a message outcome.
- New tables ``call_journal``, ``sequence_counter``, ``platform_session``; new index on message outcomes.
- ``msgid_sequence`` is dropped, its rows are **not** carried over to ``sequence_counter``: they are per-second
  counters (prefix = medical institution code + ``yyyyMMddHHmmss``) of seconds that have passed and never recur,
  so no future message id can be drawn from them; the unique ``delivery_message.msgid`` guards the rest.

On SQLite every altered table is copied (batch mode) with foreign keys switched off by ``migrate``. On
PostgreSQL the integer → text conversion rewrites ``delivery_message`` once; besides, the new foreign key scans
``delivery_event`` and two indexes are built; the renames and widenings only touch the catalogue.

Revision ID: 0002_neutral_ledger
Revises: 0001_initial
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_neutral_ledger"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPERATION, CODE, MSGID, REF = sa.String(64), sa.String(64), sa.String(100), sa.String(200)


def upgrade() -> None:
    with op.batch_alter_table("delivery_record") as t:
        t.alter_column("correction_key", existing_type=sa.String(100), type_=sa.String(200))
        t.alter_column("last_msgid", existing_type=sa.String(40), type_=MSGID)
        t.alter_column("last_infno", new_column_name="last_operation", existing_type=sa.String(10), type_=OPERATION)
        # the hash of the HIS values and the feed's declaration: an unchanged record is skipped unmapped
        t.add_column(sa.Column("source_hash", sa.String(64)))

    with op.batch_alter_table("delivery_message") as t:
        t.alter_column("msgid", existing_type=sa.String(40), type_=MSGID, existing_nullable=False)
        t.alter_column("infno", new_column_name="operation", existing_type=sa.String(10), type_=OPERATION,
                       existing_nullable=False)
        # PostgreSQL changes the type before renaming, so USING names the old column; SQLite's copy casts
        t.alter_column("infcode", new_column_name="platform_code", existing_type=sa.Integer(), type_=CODE,
                       postgresql_using="infcode::varchar(64)")
        t.alter_column("inf_refmsgid", new_column_name="platform_ref", existing_type=sa.String(40), type_=REF)
        t.alter_column("resent_as_msgid", existing_type=sa.String(40), type_=MSGID)
        t.create_index("ix_delivery_message_outcome", ["outcome"])

    with op.batch_alter_table("delivery_event") as t:
        t.alter_column("record_id", existing_type=_id, nullable=True)
        # an event may now carry a message outcome (refused_by_gateway …), not only a record state
        t.alter_column("from_state", existing_type=sa.String(16), type_=sa.String(24))
        t.alter_column("to_state", existing_type=sa.String(16), type_=sa.String(24), existing_nullable=False)
        t.alter_column("msgid", existing_type=sa.String(40), type_=MSGID)
        t.add_column(sa.Column("message_id", _id))
        # the name PostgreSQL gives the unnamed constraint of create_all, so both paths end alike
        t.create_foreign_key("delivery_event_message_id_fkey", "delivery_message", ["message_id"], ["id"],
                             ondelete="CASCADE")
        t.create_index("ix_delivery_event_message", ["message_id"])

    op.create_table(
        "call_journal",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("operation", OPERATION, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("caller", sa.String(100)),
        sa.Column("msgid", MSGID),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("platform_code", CODE),
        sa.Column("err_msg", sa.Text()),
        sa.Column("http_status", sa.Integer()),
        sa.Column("request", sa.Text()),
        sa.Column("response", sa.Text()),
        sa.Column("platform_ref", REF),
        sa.Column("business_ref", REF),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer()),
    )
    op.create_index("ix_call_journal_platform_started", "call_journal", ["platform", "started_at"])
    op.create_index("ix_call_journal_business_ref", "call_journal", ["business_ref"])
    op.create_index("ix_call_journal_msgid", "call_journal", ["msgid"])

    op.create_table(
        "sequence_counter",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )

    op.create_table(
        "platform_session",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("principal", sa.String(100), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("token", sa.String(200)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("opened_by", sa.String(250)),
        sa.Column("note", sa.Text()),
        sa.UniqueConstraint("platform", "principal", "day", name="uq_platform_session_day"),
    )

    op.drop_table("msgid_sequence")


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
