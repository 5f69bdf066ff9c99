"""The delivery ledger's tables (our own database, connection ``hisbridge_db``).

``delivery_record``  one row per (feed, business key): where that HIS record stands with the platform.
``delivery_message`` one row per message sent (msgid), with the full request and the platform's raw answer.
``delivery_message_record`` which records travelled in which message, and what the answer said of each.
``delivery_event``   every state change, with who (a run id or an operator's name) and why: the audit trail.
``msgid_sequence``   per-second counters so a msgid is unique across parallel tasks and processes.

Portable SQLAlchemy Core: PostgreSQL in production and tests, SQLite in the demo. See
docs/adr/0002-the-delivery-ledger-is-the-source-of-truth-for-what-was-sent.md.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Ledger states (design.md). "withdrawn": voided in the HIS and not (or no longer) on the platform.
PENDING, SENT, ACKNOWLEDGED, REJECTED, QUARANTINED, UNKNOWN, WITHDRAWN = (
    "pending",
    "sent",
    "acknowledged",
    "rejected",
    "quarantined",
    "unknown",
    "withdrawn",
)
STATES = (PENDING, SENT, ACKNOWLEDGED, REJECTED, QUARANTINED, UNKNOWN, WITHDRAWN)
FAILURE_STATES = (REJECTED, QUARANTINED, UNKNOWN, SENT)

_id = BigInteger().with_variant(Integer, "sqlite")

delivery_record = Table(
    "delivery_record",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("feed", String(64), nullable=False),
    Column("business_key", String(200), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("correction_key", String(100)),
    Column("payload", Text, nullable=False),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_msgid", String(40)),
    Column("last_infno", String(10)),
    # the data window as the HIS keeps time: Asia/Shanghai wall-clock, without a zone (as extraction binds it)
    Column("window_start", DateTime(timezone=False)),
    Column("window_end", DateTime(timezone=False)),
    Column("run_id", String(250)),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True)),
    UniqueConstraint("feed", "business_key", name="uq_delivery_record_feed_key"),
)
Index("ix_delivery_record_state", delivery_record.c.feed, delivery_record.c.state)
Index("ix_delivery_record_correction", delivery_record.c.feed, delivery_record.c.correction_key)

delivery_message = Table(
    "delivery_message",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("msgid", String(40), nullable=False, unique=True),
    Column("feed", String(64), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("infno", String(10), nullable=False),
    Column("purpose", String(16), nullable=False),  # upload | withdraw
    Column("record_count", Integer, nullable=False),
    Column("outcome", String(24), nullable=False),  # in_flight | acknowledged | partial | rejected | unknown | not_sent | refused_by_gateway
    Column("infcode", Integer),
    Column("err_msg", Text),
    Column("http_status", Integer),
    Column("request", Text),
    Column("request_headers", Text),
    Column("response", Text),
    Column("inf_refmsgid", String(40)),
    # the client signed in again after a "签到失效" refusal and re-sent under this msgid (hsa.md §5.3)
    Column("resent_as_msgid", String(40)),
    Column("run_id", String(250)),
    Column("actor", String(100)),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True)),
    Column("duration_ms", Integer),
)
Index("ix_delivery_message_feed", delivery_message.c.feed, delivery_message.c.sent_at)

delivery_message_record = Table(
    "delivery_message_record",
    metadata,
    Column("message_id", _id, ForeignKey("delivery_message.id", ondelete="CASCADE"), primary_key=True),
    Column("record_id", _id, ForeignKey("delivery_record.id", ondelete="CASCADE"), primary_key=True),
    Column("row_index", Integer, nullable=False),
    Column("outcome", String(24)),
    Column("err_msg", Text),
)
Index("ix_delivery_message_record_record", delivery_message_record.c.record_id)

delivery_event = Table(
    "delivery_event",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("record_id", _id, ForeignKey("delivery_record.id", ondelete="CASCADE"), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("reason", Text),
    Column("msgid", String(40)),
    Column("actor", String(250), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_delivery_event_record", delivery_event.c.record_id)

# One run at a time per deletion scope: 3507 removes a batch's sales *and* returns, so a sale run withdrawing a
# batch must not interleave with a return run uploading into it (nor two backfill runs of one feed).
feed_lease = Table(
    "feed_lease",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("holder", String(300), nullable=False),
    Column("expires_at", Float, nullable=False),  # unix seconds: no time-zone ambiguity across databases
)

msgid_sequence = Table(
    "msgid_sequence",
    metadata,
    Column("prefix", String(50), primary_key=True),  # fixmedins_code + yyyyMMddHHmmss
    Column("seq", Integer, nullable=False),
)
