"""``recognition_decision``: the 检查检验互认 page's state per (visit, other hospital's report).

The page lists other hospitals' reports for a visit and records the doctor's decision on the platform (互认 as a
retrieval record, 不互认 as a recognition record, revoke). The platform has no query for "what did this visit
decide", so the page keeps the current decision here — with the report's summary as listed, which a decision's
record repeats, and when the report was viewed and quoted.

Revision ID: 0005_recognition_decision
Revises: 0004_api_tokens
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_recognition_decision"
down_revision = "0004_api_tokens"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "recognition_decision",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("visit_id", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(100), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("item_type", sa.String(8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(8)),
        sa.Column("reason_name", sa.String(100)),
        sa.Column("diag_name", sa.String(100)),
        sa.Column("doctor_id", sa.String(64)),
        sa.Column("record_guid", sa.String(64)),
        sa.Column("outbox_id", _id),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("quoted_at", sa.DateTime(timezone=True)),
        sa.Column("quote_id", sa.String(64)),
        sa.UniqueConstraint("visit_id", "report_id", name="uq_recognition_decision_visit_report"),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
