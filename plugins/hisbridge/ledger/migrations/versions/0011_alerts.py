"""Alerts sent and open (one alert per incident, a recovery when it clears).

``alert_incident`` holds one row per incident (open until the check or task that raised it sees it clear; one open
incident per key, enforced by a unique ``open_key`` that is NULL once resolved); ``alert_notification`` every
message sent for an incident, per channel, with the channel's answer.

Revision ID: 0011_alerts
Revises: 0010_message_archive
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_alerts"
down_revision = "0010_message_archive"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "alert_incident",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("open_key", sa.String(200)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("fix", sa.Text),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True)),
        sa.Column("notify_count", sa.Integer, nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.String(250)),
        sa.UniqueConstraint("open_key", name="uq_alert_incident_open_key"),
    )
    op.create_index("ix_alert_incident_key", "alert_incident", ["key", "opened_at"])
    op.create_index("ix_alert_incident_status", "alert_incident", ["status"])
    op.create_table(
        "alert_notification",
        sa.Column("id", _id, primary_key=True, autoincrement=True),
        sa.Column("incident_id", _id, nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_alert_notification_incident", "alert_notification", ["incident_id"])


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
