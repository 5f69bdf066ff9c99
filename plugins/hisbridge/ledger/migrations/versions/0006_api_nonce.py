"""``api_nonce``: nonces of signed calls a served API accepted (the city-brain API), kept for the replay window.

The city brain signs each call with a timestamp and a nonce; a call whose nonce the same caller already used
within the window is a replay. The nonces live in the ledger, not in a process, so every worker of the API (and
every server) refuses a replay; the primary key makes "seen before" one ``INSERT … ON CONFLICT DO NOTHING``.

Revision ID: 0006_api_nonce
Revises: 0005_recognition_decision
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_api_nonce"
down_revision = "0005_recognition_decision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_nonce",
        sa.Column("service", sa.String(32), primary_key=True),
        sa.Column("app_id", sa.String(64), primary_key=True),
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_api_nonce_seen_at", "api_nonce", ["service", "seen_at"])


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
