"""市区卫平台 upload health: per data set and day, rows in the HIS vs uploaded vs acknowledged.

``regional_upload_health`` keeps the daily figures of the health check (one row per data set, day and check,
upserted by a re-run): the HIS count, rows in the 前置库, rows the platform took (已上传) or refused (失败), rows
still waiting, the gap (HIS records missing from the 前置库), surplus rows and how many were sent again.

Revision ID: 0008_regional_upload_health
Revises: 0007_dictionary_sync
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_regional_upload_health"
down_revision = "0007_dictionary_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regional_upload_health",
        sa.Column("dataset", sa.String(32), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("check_name", sa.String(16), primary_key=True),
        sa.Column("receipt", sa.String(16), nullable=False),
        sa.Column("his_count", sa.Integer, nullable=False),
        sa.Column("uploaded", sa.Integer, nullable=False),
        sa.Column("acknowledged", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("waiting", sa.Integer, nullable=False),
        sa.Column("missing", sa.Integer, nullable=False),
        sa.Column("surplus", sa.Integer, nullable=False),
        sa.Column("resent", sa.Integer, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("run_id", sa.String(250)),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
