"""``api_token``: the callers of a served API (the 医保 real-time gateway first), by the hash of their token.

Revision ID: 0004_api_tokens
Revises: 0003_link_without_foreign_keys
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_api_tokens"
down_revision = "0003_link_without_foreign_keys"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("caller", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.Text()),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
