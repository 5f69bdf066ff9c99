"""Feed health (运维): per feed, is the hospital's obligation met? The figures behind the health page and its
Prometheus endpoint, read from the ledger in a handful of set-based statements.

Per feed: the last window delivered (the newest data window whose records a platform acknowledged), the lag
behind the feed's schedule against its SLA (``include/mappings/feed_sla.yaml``), records delivered in the last
24 h and 30 days, records now refused / in quarantine / of unknown outcome (those of the last 24 h and 30 days,
and all still waiting), a per-day trend over 30 days, the top reasons, and a colour by the documented rules
(:func:`colour`). Jobs that are not feeds but write the ledger (dictionary sync, upload-health check) get a row
of their own: when they last ran, and what they found.

Which figure comes from where, and why it stays fast on a ledger of millions of records:

* delivered — from ``delivery_message`` (index ``ix_delivery_message_feed (feed, sent_at)``: a range scan per
  feed); a fully acknowledged upload counts its ``record_count``, only ``partial`` answers count their
  per-record links (primary key of ``delivery_message_record``). Records delivered are deliveries: a record
  re-sent after a correction counts again. The closed days are read once per ``DayCache`` period (10 min), the
  last 24 hours at every snapshot.
* refused / quarantined / unknown — from ``delivery_record`` by current state (index
  ``ix_delivery_record_state (feed, state)``): only records that wait for someone are read, never the
  acknowledged millions. A record counts in "24 h" when it reached its state in the last 24 h.
* last window — per feed, the newest acknowledged upload message (the same index, read backwards: one index
  entry per feed) and its records' ``window_end`` (primary keys). Windows with nothing to send leave no trace
  in these tables; since migration 0009 the pipeline records every window it ran to the end (``feed_window``,
  primary key ``(feed, window_start, window_end)`` read backwards), quiet ones included: the newer of the two.

Times: windows are Asia/Shanghai wall-clock (as the HIS keeps time); event times are stored in UTC and shown in
Asia/Shanghai. Days of the trend are Asia/Shanghai days.

"Now" is the real clock, except where ``HISBRIDGE_HEALTH_AS_OF`` names an instant (:func:`as_of_from_env`): the
figures are then those of that instant, and the page says so. ``make airflow`` sets it to the end of the demo
day (``demo/clock.py``), whose ledger holds that day's deliveries stamped when the scheduler would have made them.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from croniter import croniter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import Engine, case, func, literal, select, union_all
from sqlalchemy.engine import Connection

from hisbridge import MAPPINGS_DIR
from hisbridge.ledger import schema as s
from hisbridge.pipeline.spec import all_feed_ids, read_yaml

SHANGHAI = ZoneInfo("Asia/Shanghai")
TREND_DAYS = 30
TOP_REASONS = 3
CONFIG_PATH = MAPPINGS_DIR / "feed_sla.yaml"
RED, AMBER, GREEN, GREY = "red", "amber", "green", "grey"
SEVERITY = {RED: 0, AMBER: 1, GREEN: 2, GREY: 3}
#: the record states that wait for someone (``sent`` is in flight: shown, not coloured)
WAITING = (s.REJECTED, s.QUARANTINED, s.UNKNOWN, s.SENT)
#: an instant (ISO 8601 with its offset) the figures are read as of instead of the clock: a demo's or a replay's
AS_OF_ENV = "HISBRIDGE_HEALTH_AS_OF"


# -- configuration (feed_sla.yaml) ----------------------------------------------------------------------------
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> timedelta:
    """``30s``, ``15m``, ``2h``, ``1d`` (or a timedelta) → timedelta; anything else is an error."""
    if isinstance(value, timedelta):
        return value
    found = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", str(value))
    if not found or int(found[1]) <= 0:
        raise ValueError(f"duration {value!r}: write a positive number and a unit, e.g. 30s, 15m, 2h, 1d")
    return timedelta(seconds=int(found[1]) * _UNITS[found[2]])


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    amber_lag_share: float = Field(0.5, gt=0, le=1)
    red_failures_24h: int = Field(50, ge=1)
    red_failure_share_24h: float = Field(0.05, gt=0, le=1)
    share_min_failures: int = Field(5, ge=1)


class JobSpec(_Strict):
    title: str
    cron: str
    sla: Duration
    source: str = Field(pattern="^(dict_sync_run|regional_upload_health)$")


class HealthConfig(_Strict):
    """``feed_sla.yaml`` as validated data (see the file's comments for the meaning of each key)."""

    sla_by_cadence: dict[str, Duration]
    thresholds: Thresholds = Thresholds()
    sla: dict[str, Duration] = {}
    disabled: list[str] = []
    dags: dict[str, list[str]] = {}
    jobs: dict[str, JobSpec] = {}

    def sla_for(self, feed: str, cadence: str) -> timedelta:
        if feed in self.sla:
            return self.sla[feed]
        if cadence in self.sla_by_cadence:
            return self.sla_by_cadence[cadence]
        if "default" not in self.sla_by_cadence:
            raise ValueError(f"feed_sla.yaml: no SLA for cadence {cadence!r} of {feed} and no default")
        return self.sla_by_cadence["default"]

    def dag_of(self, feed: str) -> str:
        for dag_id, feeds in self.dags.items():
            if feed in feeds:
                return dag_id
        return feed


def load_config(path: Path = CONFIG_PATH) -> HealthConfig:
    return HealthConfig.model_validate(read_yaml(path) or {})


@dataclass(frozen=True)
class FeedInfo:
    """What the page says of a feed before looking at the ledger: names, schedule, SLA, DAG."""

    feed: str
    title: str
    platform: str
    platform_title: str
    cadence: str  # the feed YAML's ``window``
    cron: str | None  # None: runs back to back (``continuous``)
    dag_id: str
    sla: timedelta
    disabled: bool = False


def feed_infos(config: HealthConfig, mappings_dir: Path = MAPPINGS_DIR,
               feeds: Sequence[str] | None = None) -> list[FeedInfo]:
    """Every feed of every platform (``all_feed_ids``), read as plain YAML (cheap: no spec validation)."""
    from hisbridge.platforms.registry import platform
    from hisbridge.scheduling import cron_of

    out = []
    for feed in feeds if feeds is not None else all_feed_ids(mappings_dir):
        data = read_yaml(mappings_dir / f"{feed}.yaml") or {}
        cadence = str(data.get("window", "daily"))
        try:
            platform_title = platform(data["platform"]).title
        except ValueError:
            platform_title = data["platform"]
        out.append(FeedInfo(feed=feed, title=str(data.get("title") or feed), platform=data["platform"],
                            platform_title=platform_title, cadence=cadence,
                            cron=None if cadence == "continuous" else cron_of(cadence),
                            dag_id=config.dag_of(feed), sla=config.sla_for(feed, cadence),
                            disabled=feed in config.disabled))
    return out


@cache
def default_infos() -> tuple[HealthConfig, tuple[FeedInfo, ...]]:
    config = load_config()
    return config, tuple(feed_infos(config))


# -- time -----------------------------------------------------------------------------------------------------
def as_of_from_env(environ: Mapping[str, str] = os.environ) -> datetime | None:
    """The instant ``HISBRIDGE_HEALTH_AS_OF`` names (aware), or ``None`` when it is unset or empty. A value without
    an offset is refused: read as UTC or as local time, it would shift every lag by eight hours."""
    value = (environ.get(AS_OF_ENV) or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{AS_OF_ENV}={value!r}: not an ISO 8601 time, e.g. 2026-11-25T00:01:00+08:00") from None
    if moment.tzinfo is None:
        raise ValueError(f"{AS_OF_ENV}={value!r} has no offset: write it with one, e.g. 2026-11-25T00:01:00+08:00")
    return moment


def local(moment: datetime) -> datetime:
    """An event time (aware, or naive UTC as SQLite returns it) in Asia/Shanghai."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI)


def due_end(cron: str | None, now: datetime) -> datetime:
    """The end of the newest window that should be finished at ``now``: the last tick of ``cron`` at or before
    ``now`` in Asia/Shanghai (naive wall-clock, as windows are stored); ``now`` itself for a feed that runs back
    to back."""
    here = local(now).replace(tzinfo=None)
    if cron is None:
        return here.replace(microsecond=0)
    return croniter(cron, here + timedelta(microseconds=1)).get_prev(datetime)


def lag_text(lag: timedelta | None) -> str:
    """``未投递`` / ``准时`` / ``3 小时 20 分`` — for people; metrics carry seconds."""
    if lag is None:
        return "从未投递"
    minutes = int(lag.total_seconds() // 60)
    if minutes <= 0:
        return "准时"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} 天" if days else "", f"{hours} 小时" if hours else "", f"{mins} 分" if mins and not days else ""]
    return " ".join(p for p in parts if p)


# -- figures --------------------------------------------------------------------------------------------------
@dataclass
class Counts:
    delivered: int = 0
    rejected: int = 0
    quarantined: int = 0
    unknown: int = 0

    @property
    def failed(self) -> int:
        """Refused or in quarantine: the records someone has to look at (unknown ones resolve themselves)."""
        return self.rejected + self.quarantined

    def add(self, state: str, n: int) -> None:
        if state in ("delivered", s.REJECTED, s.QUARANTINED, s.UNKNOWN):
            setattr(self, state, getattr(self, state) + n)


@dataclass(frozen=True)
class Reason:
    state: str
    text: str  # as stored, ids and values replaced by "…" (see reason_kind)
    count: int


@dataclass(frozen=True)
class TrendDay:
    day: date
    delivered: int
    failed: int  # refused + quarantined + unknown that reached that state on the day (and still are)


@dataclass
class FeedHealth:
    info: FeedInfo
    due_end: datetime  # naive Asia/Shanghai
    last_window_end: datetime | None = None  # naive Asia/Shanghai
    last_delivery_at: datetime | None = None  # aware, Asia/Shanghai
    day: Counts = field(default_factory=Counts)  # last 24 h
    month: Counts = field(default_factory=Counts)  # last 30 days
    waiting: Counts = field(default_factory=Counts)  # now, any age (delivered unused)
    in_flight: int = 0  # records ``sent`` and not yet answered
    trend: list[TrendDay] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    colour: str = GREEN
    why: list[str] = field(default_factory=list)

    @property
    def lag(self) -> timedelta | None:
        if self.last_window_end is None:
            return None
        return max(timedelta(0), self.due_end - self.last_window_end)


@dataclass
class JobHealth:
    job: str
    spec: JobSpec
    due_at: datetime  # naive Asia/Shanghai: the newest time the job should have run by now
    now: datetime  # naive Asia/Shanghai
    last_run_at: datetime | None = None  # aware, Asia/Shanghai
    findings: list[tuple[str, int, str]] = field(default_factory=list)  # (what, count, amber|red)
    colour: str = GREEN
    why: list[str] = field(default_factory=list)

    @property
    def lag(self) -> timedelta | None:
        if self.last_run_at is None:
            return None
        ran = self.last_run_at.replace(tzinfo=None)
        return timedelta(0) if ran >= self.due_at else max(timedelta(0), self.now - self.due_at)


@dataclass
class Snapshot:
    """Everything the page and the metrics show, computed once for ``now``."""

    now: datetime  # aware
    feeds: list[FeedHealth]
    jobs: list[JobHealth]
    config: HealthConfig
    seconds: float = 0.0  # how long the figures took (a metric)
    as_of: bool = False  # ``now`` is a fixed instant (HISBRIDGE_HEALTH_AS_OF), not the clock


#: a quoted value, or an ASCII token holding a digit (ids, codes, amounts) but a number of one to three digits, which
#: is the rule's own ("须为20位"); ASCII only, because ``\w`` matches Chinese and would blank a whole phrase
_ID_LIKE = re.compile(r"'[^']*'|\"[^\"]*\"|(?<![A-Za-z0-9_.-])(?!\d{1,3}(?![A-Za-z0-9_.-]))"
                      r"[A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*")


def reason_kind(reason: str | None) -> str:
    """A reason with its values and ids blanked, so that "父记录 检验报告 id=JY…0039 尚未上报" and "… id=JY…0040 …" count
    as one reason: quoted values and every token holding a digit become "…"."""
    text = _ID_LIKE.sub("…", (reason or "（无原因）").strip())
    return text[:300]


def _local_day(conn: Connection, column):
    """``column`` (an event time stored in UTC) as its Asia/Shanghai day, ``YYYY-MM-DD``, in SQL."""
    name = conn.dialect.name
    if name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    if name == "sqlite":  # stored as naive UTC text; Asia/Shanghai has no daylight saving time
        return func.strftime("%Y-%m-%d", column, "+8 hours")
    raise NotImplementedError(f"feed health: no day expression for a {name} ledger (PostgreSQL or SQLite)")


def _delivered(conn: Connection, feeds: list[str], since: datetime, until: datetime | None, since24: datetime):
    """(feed, day, delivered, delivered in 24 h) — acknowledged uploads sent in [since, until), per Asia/Shanghai
    day of sending."""
    m, mr = s.delivery_message, s.delivery_message_record
    day = _local_day(conn, m.c.sent_at).label("day")
    recent = case((m.c.sent_at >= since24, 1), else_=0)
    scope = [m.c.feed.in_(feeds), m.c.sent_at >= since, m.c.purpose == "upload"]
    if until is not None:
        scope.append(m.c.sent_at < until)
    whole = (select(m.c.feed, day, func.sum(m.c.record_count).label("n"),
                    func.sum(m.c.record_count * recent).label("n24"))
             .where(*scope, m.c.outcome == s.ACKNOWLEDGED).group_by(m.c.feed, day))
    # per partial answer, its acknowledged links counted by the links' primary key (a correlated count: a join
    # would let the planner hash the whole link table once partial answers are many)
    acked = (select(func.count()).where(mr.c.message_id == m.c.id, mr.c.outcome == s.ACKNOWLEDGED)
             .scalar_subquery())
    partial = (select(m.c.feed, day, acked.label("acked"), recent.label("recent"))
               .where(*scope, m.c.outcome == "partial").subquery())
    part = (select(partial.c.feed, partial.c.day, func.sum(partial.c.acked).label("n"),
                   func.sum(partial.c.acked * partial.c.recent).label("n24"))
            .group_by(partial.c.feed, partial.c.day))
    return conn.execute(union_all(whole, part)).all()


def _waiting(conn: Connection, feeds: list[str], since24: datetime):
    """(feed, state, reason, day, n, n in 24 h) of the records that wait for someone."""
    t = s.delivery_record
    day = _local_day(conn, t.c.updated_at).label("day")
    q = (select(t.c.feed, t.c.state, t.c.reason, day, func.count().label("n"),
                func.sum(case((t.c.updated_at >= since24, 1), else_=0)).label("n24"))
         .where(t.c.feed.in_(feeds), t.c.state.in_(WAITING))
         .group_by(t.c.feed, t.c.state, t.c.reason, day))
    return conn.execute(q).all()


def _last_windows(conn: Connection, feeds: list[str]) -> dict[str, tuple[datetime | None, datetime | None]]:
    """feed → (end of the newest window done, when the newest acknowledged upload was sent). A window is done
    when ``feed_window`` records it run to the end (primary key ``(feed, window_start, …)`` read backwards: one
    entry per feed), or — for history before that table — when an acknowledged upload carried its records (the
    newest such message by ``ix_delivery_message_feed`` read backwards, its records by primary keys)."""
    m, mr, t, fw = s.delivery_message, s.delivery_message_record, s.delivery_record, s.feed_window
    delivered = (m.c.purpose == "upload", m.c.outcome.in_((s.ACKNOWLEDGED, "partial")))
    arms = []
    for feed in feeds:
        m2 = m.alias("newest")
        # ORDER BY … LIMIT 1, not max(): with the extra conditions PostgreSQL would aggregate all the feed's rows
        newest = (select(m2.c.sent_at)
                  .where(m2.c.feed == feed, m2.c.purpose == "upload", m2.c.outcome.in_((s.ACKNOWLEDGED, "partial")))
                  .order_by(m2.c.sent_at.desc()).limit(1).scalar_subquery())
        done = (select(fw.c.window_end).where(fw.c.feed == feed).order_by(fw.c.window_start.desc(),
                                                                          fw.c.window_end.desc())
                .limit(1).scalar_subquery())
        arms.append(select(literal(feed).label("feed"), func.max(t.c.window_end).label("window_end"),
                           func.max(m.c.sent_at).label("sent_at"), done.label("done"))
                    .select_from(m.join(mr, mr.c.message_id == m.c.id).join(t, t.c.id == mr.c.record_id))
                    .where(m.c.feed == feed, m.c.sent_at == newest, *delivered))
    out: dict[str, tuple[datetime | None, datetime | None]] = {}
    for i in range(0, len(arms), 100):  # bounded statement size
        for feed, window_end, sent_at, done_end in conn.execute(union_all(*arms[i: i + 100])):
            ends = [e for e in (window_end, done_end) if e is not None]
            out[feed] = (max(ends) if ends else None, sent_at)
    return out


class DayCache:
    """The deliveries of the closed days (before today, Asia/Shanghai), kept for ``ttl_s``: they are most of the
    30 days' rows and change only when a late answer arrives, so a page refreshed every minute re-reads only the
    last 24 hours. Keyed by the feeds and the day: a new day starts afresh."""

    def __init__(self, ttl_s: float = 600.0) -> None:
        self.ttl_s = ttl_s
        self._key: tuple | None = None
        self._value: dict[str, dict[str, int]] = {}
        self._at = 0.0

    def get(self, key: tuple) -> dict[str, dict[str, int]] | None:
        import time

        if key == self._key and time.monotonic() - self._at < self.ttl_s:
            return self._value
        return None

    def put(self, key: tuple, value: dict[str, dict[str, int]]) -> None:
        import time

        self._key, self._value, self._at = key, value, time.monotonic()


def feed_health(engine: Engine, infos: Iterable[FeedInfo], now: datetime,
                history: DayCache | None = None) -> list[FeedHealth]:
    """The figures of ``infos`` at ``now`` (aware), uncoloured (:func:`colour` applies the rules). "30 days" are
    the 30 Asia/Shanghai days up to and including today, as in the trend chart."""
    infos = list(infos)
    feeds = [i.feed for i in infos]
    now = now.astimezone(UTC)
    since24 = now - timedelta(hours=24)
    today = local(now).date()
    days = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    today_start = datetime.combine(today, datetime.min.time(), SHANGHAI).astimezone(UTC)
    month_start = datetime.combine(days[0], datetime.min.time(), SHANGHAI).astimezone(UTC)
    health = {i.feed: FeedHealth(info=i, due_end=due_end(i.cron, now)) for i in infos}
    delivered_by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    failed_by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reasons: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    with engine.connect() as conn:
        key = (tuple(feeds), today)
        closed = history.get(key) if history is not None else None
        if closed is None:
            closed = defaultdict(dict)
            for feed, day, n, _ in _delivered(conn, feeds, month_start, today_start, since24):
                closed[feed][day] = closed[feed].get(day, 0) + int(n or 0)  # PostgreSQL's sum() is numeric
            if history is not None:
                history.put(key, closed)
        for feed, by_day in closed.items():
            for day, n in by_day.items():
                delivered_by_day[feed][day] += n
        for feed, day, n, n24 in _delivered(conn, feeds, min(since24, today_start), None, since24):
            health[feed].day.delivered += int(n24 or 0)
            if day == today.isoformat():
                delivered_by_day[feed][day] += int(n or 0)
        for feed, state, reason, day, n, n24 in _waiting(conn, feeds, since24):
            h, n, n24 = health[feed], int(n), int(n24 or 0)
            if state == s.SENT:
                h.in_flight += n
                continue
            h.waiting.add(state, n)
            h.day.add(state, n24 or 0)
            if day is not None and day >= days[0].isoformat():
                h.month.add(state, n)
                failed_by_day[feed][day] += n
            reasons[feed][(state, reason_kind(reason))] += n
        windows = _last_windows(conn, feeds)
    for feed, h in health.items():
        h.month.delivered = sum(delivered_by_day[feed].values())
        window_end, sent_at = windows.get(feed, (None, None))
        h.last_window_end = window_end.replace(tzinfo=None) if window_end is not None else None
        h.last_delivery_at = local(sent_at) if sent_at is not None else None
        h.trend = [TrendDay(d, delivered_by_day[feed].get(d.isoformat(), 0), failed_by_day[feed].get(d.isoformat(), 0))
                   for d in days]
        top = sorted(reasons[feed].items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
        h.reasons = [Reason(state, text, n) for (state, text), n in top]
    return [health[f] for f in feeds]


# -- colours --------------------------------------------------------------------------------------------------
def colour(h: FeedHealth, t: Thresholds) -> tuple[str, list[str]]:
    """The row's colour and the rules that fired (in Chinese, for the page). See feed_sla.yaml."""
    if h.info.disabled:
        return GREY, ["本院未启用"]
    red, amber = [], []
    lag, sla = h.lag, h.info.sla
    if lag is None:
        red.append("从未投递")
    elif lag > sla:
        red.append(f"落后 {lag_text(lag)}，超过时限 {lag_text(sla)}")
    elif lag > sla * t.amber_lag_share:
        amber.append(f"落后 {lag_text(lag)}，接近时限 {lag_text(sla)}")
    if h.waiting.unknown:
        red.append(f"{h.waiting.unknown} 条结果未知")
    failed = h.day.failed
    handled = failed + h.day.delivered
    if failed >= t.red_failures_24h:
        red.append(f"24 小时内拒收+隔离 {failed} 条（≥ {t.red_failures_24h}）")
    elif failed >= t.share_min_failures and failed >= handled * t.red_failure_share_24h:
        red.append(f"24 小时内拒收+隔离占 {failed / handled:.0%}（≥ {t.red_failure_share_24h:.0%}）")
    if h.waiting.failed and not any("拒收+隔离" in r for r in red):
        parts = [f"{n} 条{what}" for what, n in (("隔离", h.waiting.quarantined), ("拒收", h.waiting.rejected)) if n]
        amber.append(f"{'、'.join(parts)}待处理")
    if red:
        return RED, red + amber
    if amber:
        return AMBER, amber
    return GREEN, []


# -- jobs that are not feeds ------------------------------------------------------------------------------------
def _dict_sync(conn: Connection, since: datetime) -> tuple[datetime | None, list[tuple[str, int, str]]]:
    r, c = s.dict_sync_run, s.dict_sync_conflict
    runs = conn.execute(select(r.c.run_id, func.max(r.c.finished_at), func.sum(r.c.quarantined))
                        .where(r.c.started_at >= since).group_by(r.c.run_id)).all()
    conflicts = conn.execute(select(func.count()).where(c.c.status == "open")).scalar_one()
    if not runs:
        return None, [("待处理冲突", conflicts, AMBER)] if conflicts else []
    _, last, quarantined = max(runs, key=lambda row: local(row[1]))
    found = [("最近一次隔离", quarantined or 0, AMBER), ("待处理冲突", conflicts, AMBER)]
    return local(last), [f for f in found if f[1]]


def _regional_health(conn: Connection, since: datetime) -> tuple[datetime | None, list[tuple[str, int, str]]]:
    t = s.regional_upload_health
    rows = conn.execute(select(t.c.dataset, t.c.day, t.c.check_name, t.c.missing, t.c.failed, t.c.checked_at)
                        .where(t.c.checked_at >= since)).all()
    if not rows:
        return None, []
    newest_day = max(r.day for r in rows)
    final: dict[str, Any] = {}
    for r in sorted(rows, key=lambda r: r.check_name != "after_resend"):  # after_resend wins over first
        if r.day == newest_day:
            final.setdefault(r.dataset, r)
    missing = sum(r.missing for r in final.values())
    failed = sum(r.failed for r in final.values())
    found = [(f"{newest_day} 补传后仍缺", missing, RED), (f"{newest_day} 平台拒收", failed, AMBER)]
    return local(max(r.checked_at for r in rows)), [f for f in found if f[1]]


_JOB_SOURCES = {"dict_sync_run": _dict_sync, "regional_upload_health": _regional_health}


def job_health(engine: Engine, config: HealthConfig, now: datetime) -> list[JobHealth]:
    since = now.astimezone(UTC) - timedelta(days=TREND_DAYS)
    here = local(now).replace(tzinfo=None)
    out = []
    with engine.connect() as conn:
        for name, spec in config.jobs.items():
            j = JobHealth(job=name, spec=spec, due_at=due_end(spec.cron, now), now=here)
            j.last_run_at, j.findings = _JOB_SOURCES[spec.source](conn, since)
            j.colour, j.why = job_colour(j, config.thresholds)
            out.append(j)
    return out


def job_colour(j: JobHealth, t: Thresholds) -> tuple[str, list[str]]:
    lag = j.lag
    red = [f"{what} {n}" for what, n, level in j.findings if level == RED]
    amber = [f"{what} {n}" for what, n, level in j.findings if level == AMBER]
    if lag is None:
        red.insert(0, "30 天内没有运行记录")
    elif lag > j.spec.sla:
        red.insert(0, f"应在 {j.due_at:%m-%d %H:%M} 运行，已过 {lag_text(lag)}")
    elif lag > j.spec.sla * t.amber_lag_share:
        amber.insert(0, f"应在 {j.due_at:%m-%d %H:%M} 运行，已过 {lag_text(lag)}")
    if red:
        return RED, red + amber
    return (AMBER, amber) if amber else (GREEN, [])


def snapshot(engine: Engine, now: datetime, config: HealthConfig | None = None,
             infos: Sequence[FeedInfo] | None = None, history: DayCache | None = None, *,
             as_of: bool = False) -> Snapshot:
    """Feeds and jobs at ``now``, coloured, worst first (``as_of``: ``now`` is a fixed instant, not the clock)."""
    import time

    started = time.perf_counter()
    if config is None or infos is None:
        default_config, default_feeds = default_infos()
        config = config or default_config
        infos = infos if infos is not None else default_feeds
    feeds = feed_health(engine, infos, now, history)
    for h in feeds:
        h.colour, h.why = colour(h, config.thresholds)
    feeds.sort(key=lambda h: (SEVERITY[h.colour], h.info.platform, h.info.feed))
    jobs = job_health(engine, config, now) if config.jobs else []
    return Snapshot(now=now, feeds=feeds, jobs=jobs, config=config, seconds=time.perf_counter() - started,
                    as_of=as_of)


# -- Prometheus text ------------------------------------------------------------------------------------------
_STATUS = {GREEN: 0, AMBER: 1, RED: 2, GREY: -1}


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def prometheus_text(snap: Snapshot) -> str:
    """The snapshot in the Prometheus text exposition format (0.0.4): gauges only, one family per figure."""
    families: dict[str, tuple[str, list[str]]] = {}

    def put(name: str, help_: str, labels: dict[str, str], value: float) -> None:
        text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        number = str(int(value)) if float(value).is_integer() else repr(float(value))  # :g would round 1.7e9
        families.setdefault(name, (help_, []))[1].append(f"{name}{{{text}}} {number}" if text else f"{name} {number}")

    for h in snap.feeds:
        base = {"feed": h.info.feed, "platform": h.info.platform, "dag_id": h.info.dag_id}
        put("hisbridge_feed_status", "Feed colour: 0 green, 1 amber, 2 red, -1 not used at this site", base,
            _STATUS[h.colour])
        put("hisbridge_feed_sla_seconds", "How far behind schedule the feed may fall", base, h.info.sla.total_seconds())
        if h.lag is not None:
            put("hisbridge_feed_lag_seconds", "Due window end minus the last window delivered", base,
                h.lag.total_seconds())
        if h.last_window_end is not None:
            put("hisbridge_feed_last_window_end_timestamp_seconds", "End of the last window delivered (unix time)",
                base, h.last_window_end.replace(tzinfo=SHANGHAI).timestamp())
        for period, counts in (("24h", h.day), ("30d", h.month)):
            for state in ("delivered", s.REJECTED, s.QUARANTINED, s.UNKNOWN):
                put("hisbridge_feed_records", "Records delivered (acknowledged) in the period, or that reached a "
                    "failure state in it and are still there", {**base, "state": state, "period": period},
                    getattr(counts, state))
        for state in (s.REJECTED, s.QUARANTINED, s.UNKNOWN):
            put("hisbridge_feed_waiting_records", "Records waiting for someone now (any age)",
                {**base, "state": state}, getattr(h.waiting, state))
        put("hisbridge_feed_waiting_records", "Records waiting for someone now (any age)", {**base, "state": s.SENT},
            h.in_flight)
    for j in snap.jobs:
        labels = {"job": j.job}
        put("hisbridge_job_status", "Job colour: 0 green, 1 amber, 2 red", labels, _STATUS[j.colour])
        if j.last_run_at is not None:
            put("hisbridge_job_last_run_timestamp_seconds", "When the job last ran (unix time)", labels,
                j.last_run_at.timestamp())
    put("hisbridge_health_collect_seconds", "Time taken to read the figures from the ledger", {}, snap.seconds)
    lines = []
    for name, (help_, samples) in families.items():
        lines += [f"# HELP {name} {help_}", f"# TYPE {name} gauge", *samples]
    return "\n".join(lines) + "\n"
