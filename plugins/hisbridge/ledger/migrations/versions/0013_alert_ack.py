"""An operator acknowledges an alert incident (告警认领): "I'm on it".

``alert_incident`` gets ``acked_at``, ``acked_by`` (the Airflow user or the ``--by`` name of
``python -m hisbridge alerts ack``) and ``ack_note``, all NULL until someone takes the incident. An acknowledged
incident stays open (it closes when the check or task that raised it sees the fault gone) but gets no more
reminders; its recovery is still sent and names who took it (:mod:`hisbridge.ops.alerts.state`).

Three nullable columns: a plain ``ALTER TABLE … ADD COLUMN`` on both dialects, no table copy, no default to fill.
Downgrade drops them (SQLite: batch mode copies ``alert_incident``, which has no triggers): who took which incident
is lost, the incidents and every message sent for them stay.

Revision ID: 0013_alert_ack
Revises: 0012_delivery_state_count
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_alert_ack"
down_revision = "0012_delivery_state_count"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert_incident", sa.Column("acked_at", sa.DateTime(timezone=True)))
    op.add_column("alert_incident", sa.Column("acked_by", sa.String(250)))
    op.add_column("alert_incident", sa.Column("ack_note", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("alert_incident") as t:
        t.drop_column("ack_note")
        t.drop_column("acked_by")
        t.drop_column("acked_at")
