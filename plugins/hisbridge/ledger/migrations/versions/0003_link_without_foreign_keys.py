"""``delivery_message_record`` without foreign keys: a message's links are written at the rate records are sent.

Each link row inserted under the two foreign keys costs PostgreSQL a look-up and a row lock on its message and
on its record (``FOR KEY SHARE``): a third of the ledger's server time on a bulk upload
(``bench/bench_sale_feed.py``). The keys protected nothing the ledger does not already guarantee: links are
written in the transaction that holds the message and its records, and the ledger never deletes a message or a
record (it is evidence; retention is a backup matter, ADR 7). The two indexes stay, so both ways of reading a
link (a message's rows, a record's messages) are unchanged.

Revision ID: 0003_link_without_foreign_keys
Revises: 0002_neutral_ledger
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_link_without_foreign_keys"
down_revision = "0002_neutral_ledger"
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a constraint: the table is copied from this definition, which has none
        link = sa.Table(
            "delivery_message_record", sa.MetaData(),
            sa.Column("message_id", _id, primary_key=True),
            sa.Column("record_id", _id, primary_key=True),
            sa.Column("row_index", sa.Integer(), nullable=False),
            sa.Column("outcome", sa.String(24)),
            sa.Column("err_msg", sa.Text()),
            sa.Index("ix_delivery_message_record_record", "record_id"),
        )
        with op.batch_alter_table("delivery_message_record", copy_from=link, recreate="always"):
            pass
        return
    op.drop_constraint("delivery_message_record_message_id_fkey", "delivery_message_record", type_="foreignkey")
    op.drop_constraint("delivery_message_record_record_id_fkey", "delivery_message_record", type_="foreignkey")


def downgrade() -> None:
    raise NotImplementedError("the ledger is evidence: restore the backup taken before the upgrade instead")
