"""The delivery ledger's tables (our own database, connection ``hisbridge_db``). Names no platform.

``delivery_record``  one row per (feed, business key): where that HIS record stands with its platform, and the
                     record's current payload (the source of a re-send after a group correction).
``delivery_message`` one row per message sent (``msgid``), with the exact request, the platform's raw answer,
                     the platform's own code (``platform_code``) and reference (``platform_ref``).
``delivery_message_record`` which records travelled in which message, and what the answer said of each.
``delivery_event``   state changes made outside a message (quarantine, re-queue, a halted run, an in-flight
                     message resolved as unknown) with who and why, and one row per message sent or answered:
                     together with the message links this is the audit trail.
``call_journal``     real-time calls that belong to no feed (a settlement gateway, a served API): request,
                     answer, caller, outcome, timings.
``sequence_counter`` plain named counters; each platform formats its own message ids from them.
``platform_session`` a platform's sign-in shared by every task and process (one per principal and day).
``api_token``        callers of a served API (the 医保 gateway …): the hash of each token, never the token.
``feed_lease``       one run at a time per correction scope on databases without advisory locks (SQLite).
``recognition_decision`` the 检查检验互认 page's state per (visit, other hospital's report): the report as the
                     platform listed it, when it was viewed, quoted, and the doctor's current decision.
``api_nonce``        nonces a served API has accepted (the city-brain API): a replayed request is refused; rows
                     older than the replay window are purged.
``delivery_state_count`` records per (feed, state), kept exact by delivery_record's triggers: the ledger summary
                     reads it instead of counting every record.

The schema is managed by Alembic (``ledger/migrations``; ``python -m hisbridge ledger upgrade``). This module is
the current shape; a change to it comes with a migration. See
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
    event,
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
#: states in which the platform holds, or may hold, the record
ON_PLATFORM = (ACKNOWLEDGED, UNKNOWN, SENT)

_id = BigInteger().with_variant(Integer, "sqlite")

#: wide enough for any platform's operation names, codes, message ids and references
OPERATION, CODE, MSGID, REF = String(64), String(64), String(100), String(200)

delivery_record = Table(
    "delivery_record",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("feed", String(64), nullable=False),
    Column("business_key", String(200), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("content_hash", String(64), nullable=False),  # of the wire payload
    # of the HIS values and the feed's declaration: a re-run skips an unchanged record without mapping it
    Column("source_hash", String(64)),
    Column("correction_key", String(200)),
    Column("payload", Text, nullable=False),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_msgid", MSGID),
    Column("last_operation", OPERATION),
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
    Column("msgid", MSGID, nullable=False, unique=True),
    Column("feed", String(64), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("operation", OPERATION, nullable=False),
    Column("purpose", String(16), nullable=False),  # upload | correct
    Column("record_count", Integer, nullable=False),
    # in_flight | acknowledged | partial | rejected | unknown | not_sent | busy | refused_by_gateway
    Column("outcome", String(24), nullable=False),
    Column("platform_code", CODE),
    Column("err_msg", Text),
    Column("http_status", Integer),
    Column("request", Text),
    Column("request_headers", Text),
    Column("response", Text),
    Column("platform_ref", REF),
    # the sender re-sent the message under another msgid (e.g. after renewing an expired sign-in)
    Column("resent_as_msgid", MSGID),
    Column("run_id", String(250)),
    Column("actor", String(100)),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True)),
    Column("duration_ms", Integer),
)
Index("ix_delivery_message_feed", delivery_message.c.feed, delivery_message.c.sent_at)
Index("ix_delivery_message_outcome", delivery_message.c.outcome)

delivery_message_record = Table(
    "delivery_message_record",
    metadata,
    # no foreign keys: they cost a look-up and a row lock per link on bulk uploads, and protect nothing the
    # ledger does not guarantee (links are written with their message and records; nothing is ever deleted)
    Column("message_id", _id, primary_key=True),
    Column("record_id", _id, primary_key=True),
    Column("row_index", Integer, nullable=False),
    Column("outcome", String(24)),
    Column("err_msg", Text),
)
Index("ix_delivery_message_record_record", delivery_message_record.c.record_id)

delivery_event = Table(
    "delivery_event",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    # a record's own change (record_id set), or a message sent / answered (message_id set, record_id empty)
    Column("record_id", _id, ForeignKey("delivery_record.id", ondelete="CASCADE")),
    Column("message_id", _id, ForeignKey("delivery_message.id", ondelete="CASCADE")),
    Column("from_state", String(24)),  # a record state, or a message outcome (refused_by_gateway …)
    Column("to_state", String(24), nullable=False),
    Column("reason", Text),
    Column("msgid", MSGID),
    Column("actor", String(250), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_delivery_event_record", delivery_event.c.record_id)
Index("ix_delivery_event_message", delivery_event.c.message_id)

call_journal = Table(
    "call_journal",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("platform", String(32), nullable=False),
    Column("operation", OPERATION, nullable=False),
    Column("direction", String(8), nullable=False),  # out: we call the platform | in: a caller calls us
    Column("caller", String(100)),  # who asked: the HIS workstation, the city brain's appId, an operator
    Column("msgid", MSGID),
    Column("outcome", String(24), nullable=False),
    Column("platform_code", CODE),
    Column("err_msg", Text),
    Column("http_status", Integer),
    Column("request", Text),
    Column("response", Text),
    Column("platform_ref", REF),
    Column("business_ref", REF),  # e.g. the settlement or visit id the call is about, for look-up
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("duration_ms", Integer),
)
Index("ix_call_journal_platform_started", call_journal.c.platform, call_journal.c.started_at)
Index("ix_call_journal_business_ref", call_journal.c.business_ref)
Index("ix_call_journal_msgid", call_journal.c.msgid)

sequence_counter = Table(
    "sequence_counter",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

platform_session = Table(
    "platform_session",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("platform", String(32), nullable=False),
    Column("principal", String(100), nullable=False),  # the operator / account the session belongs to
    Column("day", String(10), nullable=False),  # yyyy-mm-dd, Asia/Shanghai: sessions are per working day
    Column("token", String(200)),  # e.g. 医保 sign_no; empty while the sign-in is being made
    Column("state", String(16), nullable=False),  # opening | open | expired | closed
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("opened_by", String(250)),
    Column("note", Text),
    UniqueConstraint("platform", "principal", "day", name="uq_platform_session_day"),
)

# Callers of a served API (the 医保 gateway, the city-brain API): one row per token, only its hash kept.
api_token = Table(
    "api_token",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("service", String(32), nullable=False),  # hsa-gateway, city-brain …
    Column("caller", String(100), nullable=False),  # who holds it: a HIS client, a workstation group
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token (tokens are random)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("note", Text),
)

# One run at a time per correction scope where the database has no session advisory locks (SQLite: the demo).
feed_lease = Table(
    "feed_lease",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("holder", String(300), nullable=False),
    Column("expires_at", Float, nullable=False),  # unix seconds: no time-zone ambiguity across databases
)

# The 互认 page's memory (workstation service): one row per (visit, report of another hospital) the page listed.
# The platform keeps the decisions' records; this table lets the page show the current decision without asking the
# platform, and gives a decision the report's summary exactly as the doctor saw it.
recognition_decision = Table(
    "recognition_decision",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("visit_id", String(64), nullable=False),  # the HIS visit (GHId: 挂号 or admission id)
    Column("report_id", String(100), nullable=False),  # the platform's reportId
    Column("patient_id", String(64), nullable=False),
    Column("item_type", String(8), nullable=False),  # LIS | PACS
    Column("summary", Text, nullable=False),  # the report summary as listed (JSON, no personal data)
    # none | recognised (互认) | not_recognised (不互认) | revoked (不互认 withdrawn)
    Column("decision", String(16), nullable=False),
    Column("reason_code", String(8)),
    Column("reason_name", String(100)),
    Column("diag_name", String(100)),
    Column("doctor_id", String(64)),
    Column("record_guid", String(64)),  # the GUID of the last decision's record (mrId / reviewId)
    Column("outbox_id", _id),  # the call_journal entry that carries that record to the platform
    Column("listed_at", DateTime(timezone=True), nullable=False),
    Column("viewed_at", DateTime(timezone=True)),
    Column("decided_at", DateTime(timezone=True)),
    Column("quoted_at", DateTime(timezone=True)),
    Column("quote_id", String(64)),
    UniqueConstraint("visit_id", "report_id", name="uq_recognition_decision_visit_report"),
)

# Nonces of signed calls a served API accepted (the city-brain API), kept for its replay window: inserting a nonce
# that is already there inserts nothing, and that is how a replay is recognised, in one statement on every
# database and across every worker process.
api_nonce = Table(
    "api_nonce",
    metadata,
    Column("service", String(32), primary_key=True),  # city_brain …
    Column("app_id", String(64), primary_key=True),  # the caller
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)
Index("ix_api_nonce_seen_at", api_nonce.c.service, api_nonce.c.seen_at)

# == dictionary sync (九龙湖; migration 0007_dictionary_sync) ======================================================

# The last synced state of each dictionary row (九龙湖 campus): the hash of the source row as mapped for the campus
# when last synced, and of the campus row as we wrote it (or found it equal). A campus row whose hash differs from
# ``campus_hash`` was changed on the campus since: a conflict, never overwritten. See platforms/jiulonghu/plan.py.
dict_sync_state = Table(
    "dict_sync_state",
    metadata,
    Column("dictionary", String(32), primary_key=True),  # dept, staff, doctor … (platforms/jiulonghu/catalogue.py)
    Column("business_key", String(100), primary_key=True),  # the main campus's code
    Column("campus_key", String(100), nullable=False),  # the campus's code of the same row
    Column("source_hash", String(64), nullable=False),
    Column("campus_hash", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # what last settled it: insert | update | deactivate | adopt | kept
    Column("run_id", String(250)),
    Column("synced_at", DateTime(timezone=True), nullable=False),
)

# One row per dictionary per (non dry) run: the counts, and the quarantined rows with their reasons (JSON).
dict_sync_run = Table(
    "dict_sync_run",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("dictionary", String(32), nullable=False),
    Column("selected", Integer, nullable=False),
    Column("inserted", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("deactivated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("conflicts", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("report", Text),  # JSON: quarantined keys and reasons, conflict keys, changed keys and fields
    Column("actor", String(250)),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
)
Index("ix_dict_sync_run_dictionary", dict_sync_run.c.dictionary, dict_sync_run.c.started_at)

# Rows changed on the campus since our last write: both versions, open until someone decides (keep the main
# campus's version: the next sync overwrites; keep the campus's: left alone until the main campus changes the row).
dict_sync_conflict = Table(
    "dict_sync_conflict",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("dictionary", String(32), nullable=False),
    Column("business_key", String(100), nullable=False),
    Column("campus_key", String(100), nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("source_hash", String(64), nullable=False),
    Column("campus_hash", String(64), nullable=False),
    Column("source_version", Text),  # JSON: the row as the main campus wants it (campus columns); null = gone
    Column("campus_version", Text),  # JSON: the row as the campus holds it
    Column("run_id", String(250)),
    Column("detected_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("resolution", String(16)),  # keep_main | keep_campus
    Column("resolved_by", String(100)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("note", Text),
)
Index("ix_dict_sync_conflict_key", dict_sync_conflict.c.dictionary, dict_sync_conflict.c.business_key,
      dict_sync_conflict.c.status)
Index("ix_dict_sync_conflict_status", dict_sync_conflict.c.status)

# == 市区卫平台 upload health (migration 0008_regional_upload_health) ===============================================

# The daily figures of the 市区卫平台 upload-health check: per data set, day and check (``first`` as found,
# ``after_resend`` once the missing rows were sent again), upserted by a re-run. Counts only, no patient data.
regional_upload_health = Table(
    "regional_upload_health",
    metadata,
    Column("dataset", String(32), primary_key=True),  # regional_datasets.yaml name (outpatient_visit …)
    Column("day", String(10), primary_key=True),  # yyyy-mm-dd, Asia/Shanghai: the day the rows count in
    Column("check_name", String(16), primary_key=True),  # first | after_resend
    Column("receipt", String(16), nullable=False),  # frontdb | ack_api
    Column("his_count", Integer, nullable=False),  # the count SQL's figure
    Column("uploaded", Integer, nullable=False),  # rows of the day in the 前置库, any flag
    Column("acknowledged", Integer, nullable=False),  # … flagged 已上传 (the platform took them)
    Column("failed", Integer, nullable=False),  # … flagged 失败 by the platform
    Column("waiting", Integer, nullable=False),  # … still 待上传
    Column("missing", Integer, nullable=False),  # HIS records of the day not in the 前置库 (the gap)
    Column("surplus", Integer, nullable=False),  # 前置库 rows of the day the HIS no longer holds as valid
    Column("resent", Integer, nullable=False),  # records this check sent again
    Column("note", Text),  # what the check found, in words (Chinese, for the page and the alert)
    Column("run_id", String(250)),
    Column("checked_at", DateTime(timezone=True), nullable=False),
)

# == feed windows (运维: gap detection; migration 0009_feed_windows) ===============================================

# The data windows each feed has run to the end (written by run_feed when a window's run finishes without a halt;
# hisbridge.ops.windows): gap detection compares them with the feed's schedule. Times as the HIS keeps them
# (Asia/Shanghai wall-clock, no zone), like delivery_record.window_*; a re-run of a window replaces its row.
feed_window = Table(
    "feed_window",
    metadata,
    Column("feed", String(64), primary_key=True),
    Column("window_start", DateTime(timezone=False), primary_key=True),
    Column("window_end", DateTime(timezone=False), primary_key=True),
    Column("run_id", String(250), nullable=False),
    Column("selected", Integer, nullable=False),
    Column("acknowledged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("unknown", Integer, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False),
)

# == message archive (运维: retention of old bodies; migration 0010_message_archive) ================================

from sqlalchemy import LargeBinary  # noqa: E402 - kept in this section, the file's import block is shared

# Request/answer bodies older than the retention (ops/archive.py) move here, zlib-compressed JSON of the columns
# they came from ({"request": …, "request_headers": …, "response": …}); the metadata row stays where it was, its
# bodies set to NULL and ``body_archive_id`` pointing here. Archived, never deleted: ``archive.body_of`` reads a
# body from either place. Small bodies (under PostgreSQL's ~2 kB TOAST threshold) sit uncompressed in the hot
# table's heap; here they take a fraction of that, and the hot tables stay narrow for the look-ups.
message_body_archive = Table(
    "message_body_archive",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),  # delivery_message | call_journal
    Column("source_id", _id, nullable=False),  # that table's id
    Column("body", LargeBinary, nullable=False),  # zlib(JSON of the archived columns)
    Column("body_bytes", Integer, nullable=False),  # the JSON's size before compression
    Column("body_sha256", String(64), nullable=False),  # of that JSON: a read checks it
    Column("sent_at", DateTime(timezone=True), nullable=False),  # the message's time, for ranges and reports
    Column("archived_at", DateTime(timezone=True), nullable=False),
    Column("archived_by", String(250)),
    UniqueConstraint("source", "source_id", name="uq_message_body_archive_source"),
)
Index("ix_message_body_archive_sent_at", message_body_archive.c.source, message_body_archive.c.sent_at)

# The pointer in the metadata rows (added by 0010; declared here so each table's own section stays as it was).
for _table in (delivery_message, call_journal):
    _table.append_column(Column("body_archive_id", _id))
# What the nightly archive scans: messages not yet archived, by age (partial: archived rows leave the index).
Index("ix_delivery_message_unarchived", delivery_message.c.sent_at,
      postgresql_where=delivery_message.c.body_archive_id.is_(None),
      sqlite_where=delivery_message.c.body_archive_id.is_(None))
Index("ix_call_journal_unarchived", call_journal.c.started_at,
      postgresql_where=call_journal.c.body_archive_id.is_(None),
      sqlite_where=call_journal.c.body_archive_id.is_(None))
# The failures of a feed, oldest first (the failures page, `ledger failures`), whatever the ledger's size: the
# (feed, state) index finds them too, but then sorts them, and the planner may walk the primary key instead; this
# one holds only the few records that need ops (bench/bench_ledger_lookups.py).
Index("ix_delivery_record_failures", delivery_record.c.feed, delivery_record.c.id,
      postgresql_where=delivery_record.c.state.in_(FAILURE_STATES),
      sqlite_where=delivery_record.c.state.in_(FAILURE_STATES))

# == alerts (运维: incidents and notifications; migration 0011_alerts) ==============================================

# One row per incident (something broke: a task failed for good, a feed is past its SLA, a backlog is over its
# threshold, the 医保 sign-in fails, a connection is down): opened once, notified once (again only after the
# re-notify interval), resolved with a recovery message. ``open_key`` equals ``key`` while the incident is open and
# is NULL once resolved: the unique constraint lets one incident per key be open on every database (NULLs never
# collide), so two processes raising the same alarm open it once. See hisbridge/ops/alerts/state.py.
alert_incident = Table(
    "alert_incident",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),  # task:<dag>.<task>, sla:<feed>, backlog:quarantined:<feed> …
    Column("open_key", String(200)),  # = key while open; NULL once resolved
    Column("kind", String(32), nullable=False),  # task_failure | feed_sla | backlog | hsa_sign_in | connection …
    Column("status", String(16), nullable=False),  # open | resolved
    Column("subject", String(200), nullable=False),  # what broke, one line (Chinese, no personal data)
    Column("detail", Text),  # the latest description (counts, reasons masked)
    Column("fix", Text),  # the command or page that fixes it
    Column("since", DateTime(timezone=True), nullable=False),  # when it broke (may precede opened_at)
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("notified_at", DateTime(timezone=True)),  # last message that reached at least one channel
    Column("notify_count", Integer, nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(250)),  # the check or task that saw it clear
    # acknowledged (migration 0013_alert_ack): someone took it — no more reminders, the recovery names them
    Column("acked_at", DateTime(timezone=True)),
    Column("acked_by", String(250)),  # the Airflow user (alert page) or the --by name (python -m hisbridge alerts ack)
    Column("ack_note", Text),
    UniqueConstraint("open_key", name="uq_alert_incident_open_key"),
)
Index("ix_alert_incident_key", alert_incident.c.key, alert_incident.c.opened_at)
Index("ix_alert_incident_status", alert_incident.c.status)

# Every message sent for an incident, per channel, with the channel's answer: the evidence that ops were told.
alert_notification = Table(
    "alert_notification",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("incident_id", _id, nullable=False),
    Column("event", String(16), nullable=False),  # opened | reminder | recovered
    Column("channel", String(64), nullable=False),  # the route's channel name (alerts.yaml)
    Column("outcome", String(16), nullable=False),  # sent | failed | skipped (channel not configured)
    Column("error", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_alert_notification_incident", alert_notification.c.incident_id)


# == records per (feed, state), kept by the database (migration 0012_delivery_state_count) ===========================

# The ledger summary (the ledger page, ``ledger summary``, Ledger.counts) without a GROUP BY over every record: the
# records of (feed, state) are the SUM of ``n`` over that pair's rows here, and ``delivery_record``'s own triggers
# keep it exact, so every writer — the pipeline's upserts, answers, re-queues, resolve_in_flight, a hand-written
# UPDATE or DELETE in psql — keeps it right without knowing it exists. A pair whose sum is 0 is not reported.
#
# PostgreSQL: statement-level AFTER triggers with transition tables; each INSERT/UPDATE/DELETE statement on
# delivery_record appends its net change per (feed, state) as a few new rows (an upload of 500 records: one row;
# its answer: one row per state left and entered). Writers only ever INSERT here, never UPDATE: no row lock, so no
# writer waits for another — whatever the feeds — and no deadlock, where one counter row per (feed, state)
# updated in place would make every writer of a feed queue behind the other transactions of that feed (the stage
# thread behind the answer thread) until they commit. Ledger.counts folds the rows into one per pair when they grow
# many (``compact_state_counts``): DELETE … RETURNING and INSERT the sums in one statement, which never waits
# for a writer either (a writer's rows not yet committed are simply not in its snapshot).
# SQLite (the demo): row-level triggers keep one row per (feed, state) in place; SQLite writers are serialised by
# the database lock anyway.
#
# A later migration that copies delivery_record on SQLite (batch mode ``recreate``) drops its triggers with the old
# table and must create them again (tests/integration/ledger/test_state_counts.py checks that head has them).
delivery_state_count = Table(
    "delivery_state_count",
    metadata,
    Column("id", _id, primary_key=True, autoincrement=True),
    Column("feed", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("n", BigInteger, nullable=False),  # a change (PostgreSQL, until folded) or the count of the pair
)
Index("ix_delivery_state_count_feed", delivery_state_count.c.feed, delivery_state_count.c.state)

#: the DDL of the triggers, per dialect: what create_all runs after creating the tables (migration 0012 holds a
#: copy, as of its revision; the tests compare the two)
STATE_COUNT_DDL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        """CREATE FUNCTION delivery_state_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- the statement's net change per (feed, state), appended: never an UPDATE, so no writer waits for another
    IF TG_OP = 'INSERT' THEN
        INSERT INTO delivery_state_count (feed, state, n)
        SELECT feed, state, count(*) FROM new_rows GROUP BY feed, state;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO delivery_state_count (feed, state, n)
        SELECT feed, state, -count(*) FROM old_rows GROUP BY feed, state;
    ELSE
        INSERT INTO delivery_state_count (feed, state, n)
        SELECT feed, state, sum(d) FROM (SELECT feed, state, 1 AS d FROM new_rows
                                         UNION ALL SELECT feed, state, -1 FROM old_rows) AS u
        GROUP BY feed, state HAVING sum(d) <> 0;
    END IF;
    RETURN NULL;
END $$""",
        """CREATE FUNCTION delivery_state_count_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TRUNCATE, not DELETE: it waits for a fold in progress, whose sums a DELETE's snapshot would not see
    TRUNCATE delivery_state_count;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER delivery_state_count_insert AFTER INSERT ON delivery_record "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION delivery_state_count_apply()",
        "CREATE TRIGGER delivery_state_count_update AFTER UPDATE ON delivery_record "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION delivery_state_count_apply()",
        "CREATE TRIGGER delivery_state_count_delete AFTER DELETE ON delivery_record "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION delivery_state_count_apply()",
        "CREATE TRIGGER delivery_state_count_truncate AFTER TRUNCATE ON delivery_record "
        "FOR EACH STATEMENT EXECUTE FUNCTION delivery_state_count_clear()",
    ),
    "sqlite": (
        """CREATE TRIGGER delivery_state_count_insert AFTER INSERT ON delivery_record
BEGIN
    INSERT INTO delivery_state_count (feed, state, n) SELECT NEW.feed, NEW.state, 0
        WHERE NOT EXISTS (SELECT 1 FROM delivery_state_count WHERE feed = NEW.feed AND state = NEW.state);
    UPDATE delivery_state_count SET n = n + 1 WHERE id = (
        SELECT min(id) FROM delivery_state_count WHERE feed = NEW.feed AND state = NEW.state);
END""",
        """CREATE TRIGGER delivery_state_count_update AFTER UPDATE OF feed, state ON delivery_record
WHEN OLD.feed IS NOT NEW.feed OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE delivery_state_count SET n = n - 1 WHERE id = (
        SELECT min(id) FROM delivery_state_count WHERE feed = OLD.feed AND state = OLD.state);
    INSERT INTO delivery_state_count (feed, state, n) SELECT NEW.feed, NEW.state, 0
        WHERE NOT EXISTS (SELECT 1 FROM delivery_state_count WHERE feed = NEW.feed AND state = NEW.state);
    UPDATE delivery_state_count SET n = n + 1 WHERE id = (
        SELECT min(id) FROM delivery_state_count WHERE feed = NEW.feed AND state = NEW.state);
END""",
        """CREATE TRIGGER delivery_state_count_delete AFTER DELETE ON delivery_record
BEGIN
    UPDATE delivery_state_count SET n = n - 1 WHERE id = (
        SELECT min(id) FROM delivery_state_count WHERE feed = OLD.feed AND state = OLD.state);
END""",
    ),
}
#: what removes them (dropping delivery_record removes its triggers; the functions stay without this)
STATE_COUNT_DROP: dict[str, tuple[str, ...]] = {
    "postgresql": (
        *(f"DROP TRIGGER IF EXISTS delivery_state_count_{op} ON delivery_record"
          for op in ("insert", "update", "delete", "truncate")),
        "DROP FUNCTION IF EXISTS delivery_state_count_apply()",
        "DROP FUNCTION IF EXISTS delivery_state_count_clear()",
    ),
    "sqlite": tuple(f"DROP TRIGGER IF EXISTS delivery_state_count_{op}" for op in ("insert", "update", "delete")),
}


@event.listens_for(metadata, "after_create")
def _create_state_count_triggers(target: MetaData, connection, tables=(), **_: object) -> None:
    """``create_all`` (a new ledger: ``ensure_schema``) makes the triggers once both tables are new; a database
    with only one of them was not made by create_all alone and is the migrations' business."""
    made = {t.name for t in tables}
    if {delivery_record.name, delivery_state_count.name} <= made:
        for ddl in STATE_COUNT_DDL.get(connection.dialect.name, ()):
            connection.exec_driver_sql(ddl)


@event.listens_for(metadata, "after_drop")
def _drop_state_count_functions(target: MetaData, connection, **_: object) -> None:
    """``drop_all`` took the triggers with delivery_record; their functions (PostgreSQL) go too."""
    if connection.dialect.name == "postgresql":
        for ddl in STATE_COUNT_DROP["postgresql"]:
            if ddl.startswith("DROP FUNCTION"):
                connection.exec_driver_sql(ddl)
