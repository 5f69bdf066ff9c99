"""Archived message bodies: old request/answer bodies moved out of the hot tables, never lost.

``message_body_archive`` holds the bodies (zlib-compressed JSON of the columns they came from) of
``delivery_message`` and ``call_journal`` rows older than the retention; those rows keep their metadata and get
``body_archive_id`` pointing at their archive row. Partial indexes on the not-yet-archived rows let the nightly
archive find its work without scanning years of archived messages, and one on the failing records of each feed
keeps the failures page flat at millions of records (bench/bench_ledger_lookups.py). See plugins/hisbridge/ops/archive.py.

Revision ID: 0010_message_archive
Revises: 0009_feed_windows
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_message_archive"
down_revision = "0009_feed_windows"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "message_body_archive",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_id", _id, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("body_bytes", sa.Integer, nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_by", sa.String(250)),
        sa.UniqueConstraint("source", "source_id", name="uq_message_body_archive_source"),
    )
    op.create_index("ix_message_body_archive_sent_at", "message_body_archive", ["source", "sent_at"])
    # a nullable column without a default: no table rewrite, on PostgreSQL and SQLite alike
    op.add_column("delivery_message", sa.Column("body_archive_id", _id))
    op.add_column("call_journal", sa.Column("body_archive_id", _id))
    unarchived = {"postgresql_where": sa.text("body_archive_id IS NULL"),
                  "sqlite_where": sa.text("body_archive_id IS NULL")}
    op.create_index("ix_delivery_message_unarchived", "delivery_message", ["sent_at"], **unarchived)
    op.create_index("ix_call_journal_unarchived", "call_journal", ["started_at"], **unarchived)
    # the failures of a feed in id order, flat at any ledger size (bench/bench_ledger_lookups.py)
    failing = sa.text("state IN ('rejected', 'quarantined', 'unknown', 'sent')")
    op.create_index("ix_delivery_record_failures", "delivery_record", ["feed", "id"],
                    postgresql_where=failing, sqlite_where=failing)


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
