"""The windows each feed has completed, for gap detection against its schedule.

``feed_window`` holds one row per (feed, data window) that a run took to the end without a halt: the window in
Asia/Shanghai wall-clock time (as the HIS keeps it), the Airflow run that did it, its counts and when it ended.
``python -m hisbridge.ops.windows gaps`` compares these rows with each feed's timetable; windows the scheduler
skipped (a backfill before unpausing, a paused DAG, a run marked success by hand) show as gaps and are filled.

Revision ID: 0009_feed_windows
Revises: 0008_regional_upload_health
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_feed_windows"
down_revision = "0008_regional_upload_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_window",
        sa.Column("feed", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=False), primary_key=True),
        sa.Column("window_end", sa.DateTime(timezone=False), primary_key=True),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("selected", sa.Integer, nullable=False),
        sa.Column("acknowledged", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("quarantined", sa.Integer, nullable=False),
        sa.Column("unknown", sa.Integer, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
