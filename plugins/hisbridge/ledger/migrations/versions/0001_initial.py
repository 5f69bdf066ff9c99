"""The ledger as ``metadata.create_all`` built it before Alembic (schema.py at commit 09f1d48).

Written out in full, not imported: this is what a pre-Alembic deployment has, and ``migrate.ensure_schema``
stamps such a database with this revision before upgrading it.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "delivery_record",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("feed", sa.String(64), nullable=False),
        sa.Column("business_key", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("correction_key", sa.String(100)),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_msgid", sa.String(40)),
        sa.Column("last_infno", sa.String(10)),
        sa.Column("window_start", sa.DateTime(timezone=False)),
        sa.Column("window_end", sa.DateTime(timezone=False)),
        sa.Column("run_id", sa.String(250)),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("feed", "business_key", name="uq_delivery_record_feed_key"),
    )
    op.create_index("ix_delivery_record_state", "delivery_record", ["feed", "state"])
    op.create_index("ix_delivery_record_correction", "delivery_record", ["feed", "correction_key"])

    op.create_table(
        "delivery_message",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("msgid", sa.String(40), nullable=False, unique=True),
        sa.Column("feed", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("infno", sa.String(10), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("infcode", sa.Integer()),
        sa.Column("err_msg", sa.Text()),
        sa.Column("http_status", sa.Integer()),
        sa.Column("request", sa.Text()),
        sa.Column("request_headers", sa.Text()),
        sa.Column("response", sa.Text()),
        sa.Column("inf_refmsgid", sa.String(40)),
        sa.Column("resent_as_msgid", sa.String(40)),
        sa.Column("run_id", sa.String(250)),
        sa.Column("actor", sa.String(100)),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("duration_ms", sa.Integer()),
    )
    op.create_index("ix_delivery_message_feed", "delivery_message", ["feed", "sent_at"])

    op.create_table(
        "delivery_message_record",
        sa.Column("message_id", _id, sa.ForeignKey("delivery_message.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("record_id", _id, sa.ForeignKey("delivery_record.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(24)),
        sa.Column("err_msg", sa.Text()),
    )
    op.create_index("ix_delivery_message_record_record", "delivery_message_record", ["record_id"])

    op.create_table(
        "delivery_event",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("record_id", _id, sa.ForeignKey("delivery_record.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("msgid", sa.String(40)),
        sa.Column("actor", sa.String(250), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_delivery_event_record", "delivery_event", ["record_id"])

    op.create_table(
        "feed_lease",
        sa.Column("scope", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(300), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )

    op.create_table(
        "msgid_sequence",
        sa.Column("prefix", sa.String(50), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
