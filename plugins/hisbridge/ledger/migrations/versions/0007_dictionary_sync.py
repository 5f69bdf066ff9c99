"""Dictionary sync (九龙湖): the last synced state of each dictionary row, runs and conflicts.

``dict_sync_state`` keeps, per (dictionary, main-campus code), the hash of the source row as last synced and of the
campus row as we wrote it: a re-run writes only rows whose hashes moved, and a campus row that no longer has the
hash we wrote was edited on the campus — a conflict (``dict_sync_conflict``, both versions), never overwritten.
``dict_sync_run`` keeps the counts of each run, with its quarantined rows and their reasons.

Revision ID: 0007_dictionary_sync
Revises: 0006_api_nonce
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_dictionary_sync"
down_revision = "0006_api_nonce"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "dict_sync_state",
        sa.Column("dictionary", sa.String(32), primary_key=True),
        sa.Column("business_key", sa.String(100), primary_key=True),
        sa.Column("campus_key", sa.String(100), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("campus_hash", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(250)),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "dict_sync_run",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("dictionary", sa.String(32), nullable=False),
        sa.Column("selected", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deactivated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text()),
        sa.Column("actor", sa.String(250)),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dict_sync_run_dictionary", "dict_sync_run", ["dictionary", "started_at"])
    op.create_table(
        "dict_sync_conflict",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("dictionary", sa.String(32), nullable=False),
        sa.Column("business_key", sa.String(100), nullable=False),
        sa.Column("campus_key", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("campus_hash", sa.String(64), nullable=False),
        sa.Column("source_version", sa.Text()),
        sa.Column("campus_version", sa.Text()),
        sa.Column("run_id", sa.String(250)),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(16)),
        sa.Column("resolved_by", sa.String(100)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_dict_sync_conflict_key", "dict_sync_conflict", ["dictionary", "business_key", "status"])
    op.create_index("ix_dict_sync_conflict_status", "dict_sync_conflict", ["status"])


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
