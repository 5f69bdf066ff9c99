"""The figures of the monthly operations report, read from the ledger in a few set-based queries (PostgreSQL and
SQLite ledgers alike). What each figure means is stated in :mod:`hisbridge.ops.monthly_report`; this module only
reads.

Every query is bounded by the month (``[start, end)``, aware datetimes; bound as UTC, which is how both ledgers
store their times) except the look-backs that need history: a recovered record's first failure may lie before the
month, and an outage in progress when the month began started before it (``OUTAGE_LOOKBACK``). Nothing here reads
a request or answer body: only their sizes leave the database, so no personal data can reach the report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    DateTime,
    Engine,
    Float,
    LargeBinary,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.sql import ColumnElement, Select

from hisbridge.ledger import schema as s

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: how far before the month an outage in progress on its first day is traced back to where it began
OUTAGE_LOOKBACK = timedelta(days=31)
#: how a run records a message it never sent because an earlier one halted the run (pipeline/run.py): not a call
HALTED_UNSENT = "not sent: run halted"

# What a call's outcome says of the platform's availability (message outcomes and call_journal outcomes share
# these words). Anything else (acknowledged, partial, rejected, refused_by_gateway, misconfigured, ok …) is an
# answer: the platform was there to say something.
NO_ANSWER = ("unknown", "in_flight", "reversed", "abandoned")  # sent, no usable answer: timeout, reset, 5xx, garbage
NOT_SENT = ("not_sent",)  # the connection failed: nothing left
BUSY = ("busy",)  # the platform answered "try later"
NOT_A_CALL = ("pending",)  # journalled, not yet attempted (the 互认 outbox)
FAILURE_STATES = (s.REJECTED, s.QUARANTINED, s.UNKNOWN)
#: the gateway journals each HIS call as the 医保 transaction it makes; jobs journal theirs as ``airflow:<dag>…``
JOB_CALLER = "airflow:%"


def category(outcome: str) -> str:
    """``answered`` · ``no_answer`` · ``not_sent`` · ``busy`` · ``not_a_call`` for a message or call outcome."""
    if outcome in NO_ANSWER:
        return "no_answer"
    if outcome in NOT_SENT:
        return "not_sent"
    if outcome in BUSY:
        return "busy"
    if outcome in NOT_A_CALL:
        return "not_a_call"
    return "answered"


# -- the figures ---------------------------------------------------------------------------------------------------
@dataclass
class Recovery:
    """Durations (seconds) of the recoveries that completed in the month, and what was still open at its end."""

    count: int = 0
    median_s: float | None = None
    max_s: float | None = None
    open: int = 0  # outages still open at the month's end (no answered call since)
    open_max_s: float | None = None  # the longest of those, to the month's end
    failed_calls: int = 0  # calls that made up the outages


@dataclass(frozen=True)
class Outage:
    key: str  # a feed id, or a platform for its real-time calls
    kind: str  # feed | platform
    started: datetime
    ended: datetime | None  # the next answered call; None: still open at the month's end
    failed_calls: int
    seconds: float  # to ``ended``, or to the month's end


@dataclass
class MonthlyFigures:
    start: datetime
    end: datetime
    #: feed → final state at the month's end → records the month touched; "_new" → first seen in the month
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (feed, platform) → outcome → {"messages", "records", "bytes_out", "bytes_in", "http_5xx"}
    messages: dict[tuple[str, str], dict[str, dict[str, int]]] = field(default_factory=dict)
    feed_platform: dict[str, str] = field(default_factory=dict)
    #: feed → [(kind, reason, count)] — kind: a record state, or "message:<outcome>"
    reasons: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    record_recovery: dict[str, Recovery] = field(default_factory=dict)
    outage_recovery: dict[tuple[str, str], Recovery] = field(default_factory=dict)
    outages: list[Outage] = field(default_factory=list)
    #: (platform, yyyy-mm-dd) → category → calls; plus "http_5xx"
    availability: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    #: (platform, operation) → outcome → {"calls", "bytes_out", "bytes_in", "http_5xx"} (call_journal, direction out)
    journal_out: dict[tuple[str, str], dict[str, dict[str, int]]] = field(default_factory=dict)
    #: (service, operation) → outcome → {"calls", "total_ms", "max_ms"} (served APIs)
    served: dict[tuple[str, str], dict[str, dict[str, int]]] = field(default_factory=dict)
    #: feed → {"windows", "selected", "acknowledged", "rejected", "quarantined", "unknown"}: the data windows of the
    #: month its runs took to the end (``feed_window``; empty on a ledger without it)
    windows: dict[str, dict[str, int]] = field(default_factory=dict)


class _Sql:
    """The few expressions PostgreSQL and SQLite spell differently."""

    def __init__(self, engine: Engine) -> None:
        self.pg = engine.dialect.name == "postgresql"

    def day(self, col: Any) -> ColumnElement:
        """yyyy-mm-dd of a stored time in Asia/Shanghai. Constants are literals, not parameters: PostgreSQL
        compares a GROUP BY expression with the SELECT's textually, and two parameters are never equal."""
        if self.pg:
            return func.to_char(func.timezone(literal_column("'Asia/Shanghai'"), col), literal_column("'YYYY-MM-DD'"))
        # SQLite keeps UTC wall clock; Shanghai has kept UTC+8 without summer time since 1991
        return func.strftime(literal_column("'%Y-%m-%d'"), col, literal_column("'+8 hours'"))

    def seconds(self, later: Any, earlier: Any) -> ColumnElement:
        if self.pg:
            return cast(extract("epoch", later - earlier), Float)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def size(self, col: Any) -> ColumnElement:
        """Bytes of a stored text (UTF-8), 0 when empty or archived."""
        if self.pg:
            return func.coalesce(func.octet_length(col), 0)
        return func.coalesce(func.length(cast(col, LargeBinary)), 0)

    def bind(self, moment: datetime) -> datetime:
        return moment.astimezone(UTC)


def read_figures(engine: Engine, start: datetime, end: datetime) -> MonthlyFigures:
    """Every figure of the month ``[start, end)`` (aware datetimes)."""
    q = _Sql(engine)
    t0, t1 = q.bind(start), q.bind(end)
    figures = MonthlyFigures(start=start, end=end)
    with engine.connect() as conn:
        for feed, platform, state, n, new in conn.execute(_record_states(q, t0, t1)):
            figures.records.setdefault(feed, {})[state] = int(n)
            figures.records[feed]["_new"] = figures.records[feed].get("_new", 0) + int(new or 0)
            figures.feed_platform[feed] = platform
        for feed, platform, outcome, err, n, rows, out_b, in_b, h5 in conn.execute(_messages(q, t0, t1)):
            figures.feed_platform.setdefault(feed, platform)
            key = "halted" if outcome == "not_sent" and err == HALTED_UNSENT else outcome
            slot = figures.messages.setdefault((feed, platform), {}).setdefault(
                key, {"messages": 0, "records": 0, "bytes_out": 0, "bytes_in": 0, "http_5xx": 0})
            for name, value in (("messages", n), ("records", rows), ("bytes_out", out_b), ("bytes_in", in_b),
                                ("http_5xx", h5)):
                slot[name] += int(value or 0)
        figures.reasons = _reasons(conn, q, t0, t1)
        for feed, n, max_s, median_s in conn.execute(_record_recovery(q, t0, t1)):
            figures.record_recovery[feed] = Recovery(int(n), _num(median_s), _num(max_s))
        _outages(conn, q, t0, t1, figures)
        for platform, day, outcome, err, n, h5 in conn.execute(_availability(q, t0, t1)):
            if outcome == "not_sent" and err == HALTED_UNSENT:
                continue  # never left: says nothing of the platform
            slot = figures.availability.setdefault((platform, day), defaultdict(int))
            slot[category(outcome)] += int(n)
            slot["http_5xx"] += int(h5 or 0)
        for platform, operation, outcome, n, out_b, in_b, h5 in conn.execute(_journal_out(q, t0, t1)):
            figures.journal_out.setdefault((platform, operation), {})[outcome] = {
                "calls": int(n), "bytes_out": int(out_b or 0), "bytes_in": int(in_b or 0), "http_5xx": int(h5 or 0)}
        for service, operation, outcome, n, total_ms, max_ms in conn.execute(_served(t0, t1)):
            figures.served.setdefault((service, operation), {})[outcome] = {
                "calls": int(n), "total_ms": int(total_ms or 0), "max_ms": int(max_ms or 0)}
        windows = _windows(start, end) if inspect(conn).has_table(s.feed_window.name) else None
        for feed, *counts in conn.execute(windows) if windows is not None else ():
            figures.windows[feed] = dict(zip(WINDOW_COUNTS, (int(n or 0) for n in counts), strict=True))
    return figures


WINDOW_COUNTS = ("windows", "selected", "acknowledged", "rejected", "quarantined", "unknown")


def _windows(start: datetime, end: datetime) -> Select:
    """Per feed: the windows starting in the month that a run took to the end, with that run's counts (windows are
    Asia/Shanghai wall clock without a zone, as the HIS keeps time)."""
    w = s.feed_window
    local = [moment.astimezone(SHANGHAI).replace(tzinfo=None) for moment in (start, end)]
    return (select(w.c.feed, func.count(), func.sum(w.c.selected), func.sum(w.c.acknowledged),
                   func.sum(w.c.rejected), func.sum(w.c.quarantined), func.sum(w.c.unknown))
            .where(w.c.window_start >= local[0], w.c.window_start < local[1]).group_by(w.c.feed))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _in_month(col: Any, t0: datetime, t1: datetime) -> ColumnElement:
    return and_(col >= t0, col < t1)


_TS = DateTime(timezone=True)


def _ts(value: Any) -> Any:
    return type_coerce(value, _TS)


# -- records ------------------------------------------------------------------------------------------------------
def _record_timeline(q: _Sql, t0: datetime, t1: datetime) -> Select:
    """Every state a record took in the month, with when: its own events (quarantine, re-queue, resolutions), and
    the messages it travelled in (``sent`` when the message left, the answer's state for it when answered).
    ``prio`` orders changes stamped with the same instant: a message's answer comes after its sending."""
    e, m, mr = s.delivery_event, s.delivery_message, s.delivery_message_record
    own = select(e.c.record_id.label("record_id"), _ts(e.c.at).label("at"), literal_column("2").label("prio"),
                 cast(e.c.to_state, String(24)).label("state")).where(
        e.c.record_id.is_not(None), _in_month(e.c.at, t0, t1))
    sent = select(mr.c.record_id, _ts(m.c.sent_at), literal_column("0"), literal_column("'sent'")).join(
        m, m.c.id == mr.c.message_id).where(_in_month(m.c.sent_at, t0, t1))
    answered = select(mr.c.record_id, _ts(m.c.answered_at), literal_column("1"), cast(mr.c.outcome, String(24))).join(
        m, m.c.id == mr.c.message_id).where(_in_month(m.c.answered_at, t0, t1), mr.c.outcome.is_not(None))
    return union_all(own, sent, answered)


def _record_states(q: _Sql, t0: datetime, t1: datetime) -> Select:
    """Per feed and state: the records the month touched, in the state they were in when it ended; and how many
    of them were first seen in the month."""
    tl = _record_timeline(q, t0, t1).subquery("tl")
    ranked = select(tl.c.record_id, tl.c.state, func.row_number().over(
        partition_by=tl.c.record_id, order_by=(tl.c.at.desc(), tl.c.prio.desc())).label("rn")).subquery("ranked")
    r = s.delivery_record
    new = func.sum(case((_in_month(r.c.first_seen_at, t0, t1), 1), else_=0))
    return (select(r.c.feed, r.c.platform, ranked.c.state, func.count(), new)
            .join(r, r.c.id == ranked.c.record_id).where(ranked.c.rn == 1)
            .group_by(r.c.feed, r.c.platform, ranked.c.state))


def _record_recovery(q: _Sql, t0: datetime, t1: datetime) -> Select:
    """Per feed: recoveries completed in the month — a record acknowledged in the month after it had failed
    (rejected, quarantined or unknown) since its previous acknowledgement. Duration: from the first such failure
    (which may precede the month) to the acknowledgement. Count, max, and median (the middle value, or the mean of
    the two middle values)."""
    e, m, mr = s.delivery_event, s.delivery_message, s.delivery_message_record
    acked = union_all(
        select(mr.c.record_id).join(m, m.c.id == mr.c.message_id).where(
            mr.c.outcome == s.ACKNOWLEDGED, _in_month(m.c.answered_at, t0, t1)),
        select(e.c.record_id).where(e.c.to_state == s.ACKNOWLEDGED, e.c.record_id.is_not(None),
                                    _in_month(e.c.at, t0, t1)),
    ).subquery("acked")
    ids = select(acked.c.record_id)
    history = union_all(
        select(e.c.record_id.label("record_id"), _ts(e.c.at).label("at"), literal_column("2").label("prio"),
               cast(e.c.to_state, String(24)).label("state")).where(e.c.record_id.in_(ids), e.c.at < t1),
        select(mr.c.record_id, _ts(m.c.answered_at), literal_column("1"), cast(mr.c.outcome, String(24)))
        .join(m, m.c.id == mr.c.message_id).where(mr.c.record_id.in_(ids), m.c.answered_at < t1,
                                                  mr.c.outcome.is_not(None)),
    ).subquery("history")
    is_ack = case((history.c.state == s.ACKNOWLEDGED, 1), else_=0)
    # the acknowledgements before a change: changes after the n-th acknowledgement, up to and including the
    # (n+1)-th, form episode n
    episode = func.coalesce(func.sum(is_ack).over(
        partition_by=history.c.record_id, order_by=(history.c.at, history.c.prio), rows=(None, -1)), 0)
    marked = select(history.c.record_id, history.c.at, history.c.state, episode.label("episode")).subquery("marked")
    first_fail = func.min(case((marked.c.state.in_(FAILURE_STATES), marked.c.at)))
    ack_at = func.min(case((marked.c.state == s.ACKNOWLEDGED, marked.c.at)))
    episodes = (select(marked.c.record_id, _ts(first_fail).label("failed"), _ts(ack_at).label("acked"))
                .group_by(marked.c.record_id, marked.c.episode)).subquery("episodes")
    r = s.delivery_record
    durations = (select(r.c.feed, q.seconds(episodes.c.acked, episodes.c.failed).label("d"))
                 .join(r, r.c.id == episodes.c.record_id)
                 .where(episodes.c.failed.is_not(None), _in_month(episodes.c.acked, t0, t1))).subquery("durations")
    return _median_by(durations.c.feed, durations.c.d)


def _median_by(key: Any, value: Any) -> Select:
    """(key, count, max, median) of ``value`` per ``key``, in SQL: the middle rows by rank."""
    ranked = select(key.label("k"), value.label("v"),
                    func.row_number().over(partition_by=key, order_by=value).label("rn"),
                    func.count().over(partition_by=key).label("n")).subquery("ranked_values")
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    return (select(ranked.c.k, func.count(), func.max(ranked.c.v), func.avg(case((middle, ranked.c.v))))
            .group_by(ranked.c.k))


# -- messages and calls -------------------------------------------------------------------------------------------
def _messages(q: _Sql, t0: datetime, t1: datetime) -> Select:
    m = s.delivery_message
    halted = case((m.c.err_msg == HALTED_UNSENT, m.c.err_msg))  # the only err_msg worth grouping by
    return (select(m.c.feed, m.c.platform, m.c.outcome, halted, func.count(), func.sum(m.c.record_count),
                   func.sum(q.size(m.c.request)), func.sum(q.size(m.c.response)),
                   func.sum(case((m.c.http_status >= 500, 1), else_=0)))
            .where(_in_month(m.c.sent_at, t0, t1)).group_by(m.c.feed, m.c.platform, m.c.outcome, halted))


def _journal_out(q: _Sql, t0: datetime, t1: datetime) -> Select:
    j = s.call_journal
    return (select(j.c.platform, j.c.operation, j.c.outcome, func.count(), func.sum(q.size(j.c.request)),
                   func.sum(q.size(j.c.response)), func.sum(case((j.c.http_status >= 500, 1), else_=0)))
            .where(j.c.direction == "out", _in_month(j.c.started_at, t0, t1))
            .group_by(j.c.platform, j.c.operation, j.c.outcome))


def _calls(q: _Sql, t0: datetime, t1: datetime, since: datetime | None = None) -> Select:
    """Our calls to the platforms: feed messages and real-time calls (call_journal ``out``), as
    (key, kind, platform, at, outcome, err_msg, http_status)."""
    m, j = s.delivery_message, s.call_journal
    lower = since or t0
    return union_all(
        select(m.c.feed.label("key"), literal_column("'feed'").label("kind"), m.c.platform.label("platform"),
               _ts(m.c.sent_at).label("at"), m.c.id.label("id"), m.c.outcome.label("outcome"),
               m.c.err_msg.label("err_msg"), m.c.http_status.label("http_status"))
        .where(m.c.sent_at >= lower, m.c.sent_at < t1),
        select(j.c.platform, literal_column("'platform'"), j.c.platform, _ts(j.c.started_at), j.c.id, j.c.outcome,
               j.c.err_msg, j.c.http_status)
        .where(j.c.direction == "out", j.c.started_at >= lower, j.c.started_at < t1),
    )


def _availability(q: _Sql, t0: datetime, t1: datetime) -> Select:
    calls = _calls(q, t0, t1).subquery("calls")
    day = q.day(calls.c.at)
    halted = case((calls.c.err_msg == HALTED_UNSENT, calls.c.err_msg))
    return (select(calls.c.platform, day, calls.c.outcome, halted, func.count(),
                   func.sum(case((calls.c.http_status >= 500, 1), else_=0)))
            .group_by(calls.c.platform, day, calls.c.outcome, halted))


def _outages(conn: Any, q: _Sql, t0: datetime, t1: datetime, figures: MonthlyFigures) -> None:
    """Outages per feed (its messages) and per platform (its real-time calls): a run of calls without an answer
    (no answer, not sent, busy) ended by the next answered call. Started: the first failed call's sending;
    ended: the answered call's sending. Counted in the month when it ended in it, or is still open at its end."""
    calls = _calls(q, t0, t1, since=t0 - OUTAGE_LOOKBACK).subquery("calls")
    failing = NO_ANSWER + NOT_SENT + BUSY
    counted = and_(calls.c.outcome.not_in(NOT_A_CALL),
                   or_(calls.c.err_msg.is_(None), calls.c.err_msg != HALTED_UNSENT))
    ok = case((calls.c.outcome.in_(failing), 0), else_=1)
    episode = func.coalesce(func.sum(ok).over(partition_by=(calls.c.kind, calls.c.key),
                                              order_by=(calls.c.at, calls.c.id), rows=(None, -1)), 0)
    marked = select(calls.c.kind, calls.c.key, calls.c.at, ok.label("ok"), episode.label("episode")).where(
        counted).subquery("marked")
    started = func.min(case((marked.c.ok == 0, marked.c.at)))
    ended = func.min(case((marked.c.ok == 1, marked.c.at)))
    failed = func.sum(1 - marked.c.ok)
    episodes = (select(marked.c.kind, marked.c.key, _ts(started).label("started"), _ts(ended).label("ended"),
                       failed.label("failed")).group_by(marked.c.kind, marked.c.key, marked.c.episode)
                ).subquery("episodes")
    month_end = _ts(literal(t1, _TS))
    rows = conn.execute(
        select(episodes.c.kind, episodes.c.key, episodes.c.started, episodes.c.ended, episodes.c.failed,
               q.seconds(func.coalesce(episodes.c.ended, month_end), episodes.c.started))
        .where(episodes.c.started.is_not(None),
               or_(_in_month(episodes.c.ended, t0, t1), episodes.c.ended.is_(None)))
        .order_by(episodes.c.started, episodes.c.kind, episodes.c.key)).all()
    durations: dict[tuple[str, str], list[float]] = defaultdict(list)
    for kind, key, started_at, ended_at, n, seconds in rows:
        outage = Outage(key, kind, _aware(started_at), _aware(ended_at) if ended_at else None, int(n),
                        max(0.0, float(seconds)))
        figures.outages.append(outage)
        rec = figures.outage_recovery.setdefault((kind, key), Recovery())
        rec.failed_calls += outage.failed_calls
        if outage.ended is None:
            rec.open += 1
            rec.open_max_s = max(rec.open_max_s or 0.0, outage.seconds)
        else:
            durations[(kind, key)].append(outage.seconds)
    for k, values in durations.items():
        rec = figures.outage_recovery[k]
        rec.count, rec.max_s, rec.median_s = len(values), max(values), median(values)


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _aware(moment: Any) -> datetime:
    if isinstance(moment, str):  # a driver that hands back text for an expression's type
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- failure causes -----------------------------------------------------------------------------------------------
def _reasons(conn: Any, q: _Sql, t0: datetime, t1: datetime) -> dict[str, list[tuple[str, str, int]]]:
    """Per feed: (kind, reason, count) of the month's failures, exactly as recorded (the report normalises and
    masks them): records put in a failure state (their events' reasons, the answers' per-record words), and
    messages that got no answer (their err_msg)."""
    e, m, mr, r = s.delivery_event, s.delivery_message, s.delivery_message_record, s.delivery_record
    own = (select(r.c.feed, e.c.to_state, e.c.reason, func.count())
           .join(r, r.c.id == e.c.record_id)
           .where(e.c.to_state.in_(FAILURE_STATES), _in_month(e.c.at, t0, t1))
           .group_by(r.c.feed, e.c.to_state, e.c.reason))
    answered = (select(m.c.feed, mr.c.outcome, mr.c.err_msg, func.count())
                .join(m, m.c.id == mr.c.message_id)
                .where(mr.c.outcome.in_(FAILURE_STATES), _in_month(m.c.answered_at, t0, t1))
                .group_by(m.c.feed, mr.c.outcome, mr.c.err_msg))
    failing = NO_ANSWER + NOT_SENT + BUSY
    messages = (select(m.c.feed, m.c.outcome, m.c.err_msg, func.count())
                .where(m.c.outcome.in_(failing), _in_month(m.c.sent_at, t0, t1),
                       or_(m.c.err_msg.is_(None), m.c.err_msg != HALTED_UNSENT))
                .group_by(m.c.feed, m.c.outcome, m.c.err_msg))
    found: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for query, prefix in ((own, ""), (answered, ""), (messages, "message:")):
        for feed, kind, reason, n in conn.execute(query):
            found[feed].append((prefix + kind, reason or "", int(n)))
    return dict(found)


def merge_counts(rows: Iterable[tuple[str, str, int]]) -> Mapping[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for kind, reason, n in rows:
        out[(kind, reason)] += n
    return out


def _served(t0: datetime, t1: datetime) -> Select:
    """Calls to the APIs we serve: call_journal ``in`` (互认 workstation service, city-brain API), and the 医保
    gateway's calls (journalled as the ``out`` transaction each HIS call makes; the jobs' own are ``airflow:…``)."""
    j = s.call_journal
    service = case((j.c.direction == "in", j.c.platform), else_=literal_column("'hsa_gateway'"))
    gateway = and_(j.c.direction == "out", j.c.platform == "hsa", j.c.caller.is_not(None),
                   j.c.caller.not_like(JOB_CALLER))
    where = and_(_in_month(j.c.started_at, t0, t1), or_(j.c.direction == "in", gateway))
    return (select(service, j.c.operation, j.c.outcome, func.count(), func.sum(j.c.duration_ms),
                   func.max(j.c.duration_ms))
            .where(where).group_by(service, j.c.operation, j.c.outcome))
