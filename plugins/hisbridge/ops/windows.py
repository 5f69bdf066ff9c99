"""Which data windows each feed has completed, which it has missed, and the command that lists them.

Why: Airflow decides which windows run from its own runs, not from what was delivered. A backfill of 10:10–10:15
before unpausing a DAG made the scheduler run 00:00 and then carry on after 10:15 — the windows 00:05–10:05 never
ran, and nothing said so. So the pipeline writes down every window it takes to the end (``feed_window``, written
by :func:`~hisbridge.pipeline.run.run_feed` through :func:`record_window`), and a check compares those rows with
each feed's timetable, whatever Airflow's catch-up did: every window of the schedule that has ended (plus a grace
period, so the scheduler's own catch-up is not raced) and that no completed run covers is a gap. Gaps are alerted
and filled by a backfill (:mod:`hisbridge.ops.window_fill`), through the DAG ``hisbridge_window_gaps`` every
30 minutes, or by hand::

    python -m hisbridge.ops.windows --url postgresql+psycopg://…/hisbridge gaps [--feed F] [--since DAY]
    python -m hisbridge.ops.windows --url … fill --api http://airflow:8080 --user admin --password …
    python -m hisbridge.ops.windows --url … done --feed hsa_trace_sale [--since DAY]

Coverage, not identity: a window counts as done when the union of the recorded windows covers it, so a push that
cut its window into slices, or a run over a wider interval, fills it too. A ``continuous`` DAG is checked in the
hourly cut the demo replays it in (:data:`hisbridge.scheduling.CONTINUOUS_REPLAY`); Airflow cannot backfill it,
so its gaps are alerted with the fix (clear the failed run) but not filled.

Times: windows are Asia/Shanghai wall-clock without a zone, as the HIS and ``delivery_record.window_*`` keep
them; the schedule is walked in the DAG's own time zone (Asia/Shanghai has no daylight saving time, so every day
has the same windows).
"""

from __future__ import annotations

import argparse
import logging
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import Engine, and_, delete, insert, select

from hisbridge.ledger import schema as s

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger
    from hisbridge.pipeline.run import FeedSummary

log = logging.getLogger("hisbridge.ops.windows")

SHANGHAI = "Asia/Shanghai"
#: the Airflow Variable holding :class:`GapSettings` as JSON (the DAG and the CLI read the same settings)
SETTINGS_VARIABLE = "hisbridge_window_gaps"
#: the operators that run the pipeline over their run's data interval (a task of another kind — a quality check
#: naming a feed, a health check — delivers no window), and where a task keeps its feeds
DELIVERING = {"FeedOperator": "feed", "CityBrainPushOperator": "feeds"}
#: an operator that runs a fixed list of feeds when its task names none: where that list is
DEFAULT_FEEDS = {"CityBrainPushOperator": "hisbridge.platforms.city_brain.pushes:PUSH_FEEDS"}


# -- recording (the pipeline's hot path: keep it one small transaction) ---------------------------------------
def record_window(ledger: Ledger, feed: str, window: tuple[datetime, datetime], run_id: str,
                  summary: FeedSummary) -> None:
    """Note that ``feed`` ran ``window`` (naive Asia/Shanghai) to the end; a halted run leaves no row (its
    retry, or the gap check, runs the window again). A re-run of the window replaces the row (delete + insert in
    one transaction: the same statements on PostgreSQL and SQLite)."""
    if summary.halted:
        return
    t = s.feed_window
    start, end = window
    key = and_(t.c.feed == feed, t.c.window_start == start, t.c.window_end == end)
    with ledger.engine.begin() as conn:
        conn.execute(delete(t).where(key))
        conn.execute(insert(t).values(
            feed=feed, window_start=start, window_end=end, run_id=run_id[:250], selected=summary.selected,
            acknowledged=summary.acknowledged, rejected=summary.rejected, quarantined=summary.quarantined,
            unknown=summary.unknown, completed_at=datetime.now(UTC)))


def completed_windows(engine: Engine, feeds: Iterable[str], since: datetime,
                      until: datetime | None = None) -> dict[str, list[tuple[datetime, datetime]]]:
    """The recorded windows of ``feeds`` that reach past ``since`` (and start before ``until``), by feed, oldest
    first."""
    t = s.feed_window
    wanted = sorted(set(feeds))
    out: dict[str, list[tuple[datetime, datetime]]] = {f: [] for f in wanted}
    if not wanted:
        return out
    q = (select(t.c.feed, t.c.window_start, t.c.window_end).where(t.c.feed.in_(wanted), t.c.window_end > since)
         .order_by(t.c.feed, t.c.window_start))
    if until is not None:
        q = q.where(t.c.window_start < until)
    with engine.connect() as conn:
        for feed, start, end in conn.execute(q):
            out[feed].append((start, end))
    return out


def window_rows(engine: Engine, feed: str | None = None, since: datetime | None = None,
                limit: int = 500) -> list[dict]:
    """Recorded windows, newest first (for the ``done`` command and the pages)."""
    t = s.feed_window
    q = select(t).order_by(t.c.window_start.desc(), t.c.feed).limit(limit)
    if feed:
        q = q.where(t.c.feed == feed)
    if since is not None:
        q = q.where(t.c.window_end > since)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


# -- schedules ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedSchedule:
    """A feed as its DAG schedules it. ``cron`` is the DAG's timetable (``None``: a continuous DAG, checked in
    hourly windows and not fillable); ``start`` the DAG's first window (naive, in ``timezone``)."""

    feed: str
    dag_id: str
    cron: str | None
    start: datetime
    timezone: str = SHANGHAI
    catchup: bool = True

    @property
    def fillable(self) -> bool:
        return self.cron is not None

    @property
    def walk_cron(self) -> str:
        from hisbridge.scheduling import CONTINUOUS_REPLAY

        return self.cron or CONTINUOUS_REPLAY


def feeds_of_task(task: object) -> list[str]:
    """The feeds a delivering task runs (:data:`DELIVERING`): its ``feed``, its ``feeds``, or its operator's
    fixed list; none for any other task."""
    kind = type(task).__name__
    value = getattr(task, DELIVERING[kind], None) if kind in DELIVERING else None
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list | tuple) and value and all(isinstance(f, str) for f in value):
        return list(value)
    where = DEFAULT_FEEDS.get(kind)
    if where:
        module, name = where.split(":")
        return list(getattr(__import__(module, fromlist=[name]), name))
    return []


def schedules_from_dags(dags: Iterable[object]) -> list[FeedSchedule]:
    """Each feed of each scheduled DAG with the DAG's timetable (DAG objects, e.g. a DagBag's). A feed in two
    DAGs appears twice; a DAG without a time schedule (manual, asset-triggered) has nothing to miss."""
    out: dict[tuple[str, str], FeedSchedule] = {}
    for dag in dags:
        timetable = getattr(dag, "timetable", None)
        kind = type(timetable).__name__
        if kind == "ContinuousTimetable":
            cron, tz = None, SHANGHAI
        elif kind == "CronDataIntervalTimetable":
            cron, tz = timetable.expression, str(timetable.timezone)
        else:  # a trigger timetable has no data interval to deliver; None / assets: nothing scheduled
            continue
        start = dag.start_date
        if start is None:
            continue
        local_start = start.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
        for task in dag.tasks:
            for feed in feeds_of_task(task):
                out.setdefault((feed, dag.dag_id), FeedSchedule(feed, dag.dag_id, cron, local_start, tz,
                                                                bool(dag.catchup)))
    return sorted(out.values(), key=lambda x: (x.dag_id, x.feed))


def load_schedules(dag_folder: str | None = None) -> list[FeedSchedule]:
    """Parse the DAG folder (as the scheduler does; a few seconds) and list every feed's schedule. Import
    errors are raised: a DAG that does not parse is a gap of its own."""
    from airflow.dag_processing.dagbag import DagBag

    from hisbridge import PROJECT_DIR

    folder = dag_folder or _configured_dag_folder() or str(PROJECT_DIR / "dags")
    bag = DagBag(dag_folder=folder)
    if bag.import_errors:
        raise RuntimeError(f"DAG 解析失败，无法检查漏跑窗口：{sorted(bag.import_errors)}")
    return schedules_from_dags(bag.dags.values())


def _configured_dag_folder() -> str | None:
    """Airflow's ``dags_folder`` when it holds DAG files (else the project's own ``dags/``)."""
    from pathlib import Path

    try:
        from airflow.configuration import conf

        folder = conf.get("core", "dags_folder", fallback=None)
    except Exception:  # noqa: BLE001 - no Airflow configuration
        return None
    return folder if folder and any(Path(folder).glob("*.py")) else None


# -- detection (pure) ------------------------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Window:
    start: datetime
    end: datetime

    def label(self) -> str:
        return f"{self.start:%m-%d %H:%M}–{self.end:%H:%M}" if self.start.date() == self.end.date() \
            or self.end == datetime.combine(self.start.date() + timedelta(days=1), datetime.min.time()) \
            else f"{self.start:%m-%d %H:%M}–{self.end:%m-%d %H:%M}"


def expected_windows(cron: str, since: datetime, until: datetime, timezone: str = SHANGHAI) -> list[Window]:
    """The windows of ``cron`` (consecutive ticks) that start at or after ``since`` and end by ``until`` (naive
    wall-clock in ``timezone``)."""
    from croniter import croniter

    zone = ZoneInfo(timezone)
    it = croniter(cron, since.replace(tzinfo=zone) - timedelta(microseconds=1))
    out: list[Window] = []
    tick = it.get_next(datetime)
    while True:
        nxt = it.get_next(datetime)
        start, end = tick.replace(tzinfo=None), nxt.replace(tzinfo=None)
        if end > until:
            return out
        out.append(Window(start, end))
        tick = nxt


def missing_windows(expected: Sequence[Window], done: Iterable[tuple[datetime, datetime]]) -> list[Window]:
    """The windows of ``expected`` (sorted) that the union of ``done`` intervals does not cover."""
    merged: list[list[datetime]] = []
    for start, end in sorted(done):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Window] = []
    i = 0
    for w in expected:
        while i < len(merged) and merged[i][1] <= w.start:
            i += 1
        if not (i < len(merged) and merged[i][0] <= w.start and merged[i][1] >= w.end):
            out.append(w)
    return out


def stretches(windows: Sequence[Window]) -> list[list[Window]]:
    """Consecutive windows (each starting where the last ended) grouped together."""
    out: list[list[Window]] = []
    for w in sorted(set(windows)):
        if out and out[-1][-1].end == w.start:
            out[-1].append(w)
        else:
            out.append([w])
    return out


# -- the check --------------------------------------------------------------------------------------------------
class GapSettings(BaseModel):
    """How far back and how late the check looks (Variable ``hisbridge_window_gaps`` as JSON, or CLI flags)."""

    # two days: a weekend's outage is caught; after upgrading an installation that ran before feed_window existed,
    # set ``since`` to the upgrade day, or every window of the look-back would count as missed
    lookback_days: float = Field(2, gt=0, description="回看天数：只检查最近这么多天的窗口")
    grace_minutes: int = Field(60, ge=0, description="窗口结束后多久仍未完成才算漏跑（留给调度器自己追赶）")
    since: date | None = Field(None, description="最早检查的日期（如本检查上线之日），早于它的窗口不算")
    exclude: list[str] = Field(default_factory=list, description="有意暂停的接口或 DAG（feed id 或 dag_id）")
    fill: bool = Field(True, description="发现漏跑即提交回填")
    # no max_active_runs: a backfill runs one window at a time, always (hisbridge.ops.window_fill says why); an
    # old Variable that still names it validates (unknown keys are ignored)


@dataclass
class FeedGaps:
    schedule: FeedSchedule
    since: datetime
    until: datetime
    expected: int
    missing: list[Window] = field(default_factory=list)

    @property
    def feed(self) -> str:
        return self.schedule.feed

    def describe(self) -> str:
        parts = [f"{x[0].start:%Y-%m-%d %H:%M} → {x[-1].end:%Y-%m-%d %H:%M}（{len(x)} 个窗口）"
                 for x in stretches(self.missing)]
        shown = "；".join(parts[:5]) + (f"；另 {len(parts) - 5} 段" if len(parts) > 5 else "")
        return (f"{self.feed}（DAG {self.schedule.dag_id}）漏跑 {len(self.missing)} 个窗口（Asia/Shanghai）：{shown}")


def local_now(now: datetime | None, timezone: str = SHANGHAI) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def checked_range(schedule: FeedSchedule, now: datetime, settings: GapSettings) -> tuple[datetime, datetime]:
    """[since, until) of the windows checked: from the DAG's first window, the look-back or ``since`` (the
    latest of them) to ``now`` less the grace period."""
    here = local_now(now, schedule.timezone)
    since = max(schedule.start, here - timedelta(days=settings.lookback_days))
    if settings.since is not None:
        since = max(since, datetime.combine(settings.since, datetime.min.time()))
    return since, here - timedelta(minutes=settings.grace_minutes)


def feed_gaps(schedule: FeedSchedule, done: Iterable[tuple[datetime, datetime]], now: datetime,
              settings: GapSettings) -> FeedGaps:
    """One feed's gaps at ``now`` (aware, or naive in the feed's time zone) — a pure function of its inputs."""
    since, until = checked_range(schedule, now, settings)
    expected = expected_windows(schedule.walk_cron, since, until, schedule.timezone) if since < until else []
    return FeedGaps(schedule, since, until, len(expected), missing_windows(expected, done))


def select_schedules(schedules: Sequence[FeedSchedule], settings: GapSettings,
                     feed: str | None = None) -> list[FeedSchedule]:
    """The schedules to check: ``feed`` only when given, never a feed or DAG paused on purpose (``exclude``)."""
    return [x for x in schedules if (feed is None or x.feed == feed)
            and x.feed not in settings.exclude and x.dag_id not in settings.exclude]


def find_gaps(engine: Engine, schedules: Sequence[FeedSchedule], settings: GapSettings,
              now: datetime | None = None, feed: str | None = None) -> list[FeedGaps]:
    """Every scheduled feed's gaps against the ledger's ``feed_window`` (excluded feeds and DAGs left out)."""
    chosen = select_schedules(schedules, settings, feed)
    if not chosen:
        return []
    moment = now or datetime.now(UTC)
    earliest = min(checked_range(x, moment, settings)[0] for x in chosen)
    done = completed_windows(engine, {x.feed for x in chosen}, earliest)
    return [feed_gaps(x, done.get(x.feed, []), moment, settings) for x in chosen]


def warn(gaps: Sequence[FeedGaps], detail: dict[str, str] | None = None) -> list[str]:
    """Log one Chinese warning per feed with gaps (never a patient: feed ids, windows, counts) and return them.
    ``detail``: what was done about each DAG (回填 submitted, DAG paused …), appended to its feeds' lines."""
    lines = []
    for g in gaps:
        if not g.missing:
            continue
        line = g.describe()
        if detail and g.schedule.dag_id in detail:
            line += f"。{detail[g.schedule.dag_id]}"
        log.warning("漏跑窗口：%s", line)
        lines.append(line)
    return lines


# -- command line -----------------------------------------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _engine(args: argparse.Namespace) -> Engine:
    from hisbridge.db import command_engine
    from hisbridge.ledger.store import Ledger

    engine = command_engine(args.url, args.conn_id)
    Ledger(engine).ensure_schema()
    return engine


def _settings(args: argparse.Namespace) -> GapSettings:
    values = {"lookback_days": args.lookback_days, "grace_minutes": args.grace_minutes, "since": args.since,
              "exclude": args.exclude}
    return GapSettings(**{k: v for k, v in values.items() if v not in (None, [])})


def print_gaps(gaps: Sequence[FeedGaps], out=None) -> int:
    """The gap table (Chinese columns aligned by display width); returns the number of missing windows."""
    out = out or sys.stdout
    if not gaps:
        print("没有要检查的接口（无定时 DAG，或都被排除）", file=out)
        return 0
    until = max(g.until for g in gaps)
    print(f"漏跑窗口检查（Asia/Shanghai，截至 {until:%Y-%m-%d %H:%M} 结束的窗口）", file=out)
    print(_pad("接口", 34) + _pad("DAG", 26) + _pad("应跑", 8) + _pad("漏跑", 8) + "缺口", file=out)
    total = 0
    for g in sorted(gaps, key=lambda x: (-len(x.missing), x.feed)):
        total += len(g.missing)
        spans = "；".join(f"{x[0].start:%m-%d %H:%M} → {x[-1].end:%m-%d %H:%M}" for x in stretches(g.missing)[:3])
        more = len(stretches(g.missing)) - 3
        print(_pad(g.feed, 34) + _pad(g.schedule.dag_id, 26) + _pad(str(g.expected), 8) + _pad(str(len(g.missing)), 8)
              + (spans + (f"；另 {more} 段" if more > 0 else "") if g.missing else "—"), file=out)
    print(f"共漏跑 {total} 个窗口" if total else "没有漏跑的窗口", file=out)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hisbridge.ops.windows",
                                     description="各接口已完成的数据窗口、漏跑的窗口，以及补跑（Airflow 回填）")
    parser.add_argument("--url", help="台账库 SQLAlchemy URL（默认用 Airflow 连接 --conn-id）")
    parser.add_argument("--conn-id", default="hisbridge_db")
    parser.add_argument("--dags", help="DAG 目录（默认 Airflow 配置的 dags_folder）")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("gaps", "列出漏跑的窗口（退出码 1：有漏跑）"), ("fill", "列出并通过 Airflow REST API 回填漏跑的窗口")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--feed")
        p.add_argument("--since", type=date.fromisoformat, help="最早检查的日期 YYYY-MM-DD")
        p.add_argument("--lookback-days", type=float)
        p.add_argument("--grace-minutes", type=int)
        p.add_argument("--exclude", nargs="*", default=[], help="有意暂停的接口或 DAG")
        p.add_argument("--now", type=datetime.fromisoformat, help="检查时刻（默认现在；无时区即 Asia/Shanghai）")
    fill = sub.choices["fill"]
    fill.add_argument("--api", help="Airflow API 地址，如 http://localhost:8080（默认用 Airflow 连接 --api-conn-id）")
    fill.add_argument("--api-conn-id", default="airflow_api")
    fill.add_argument("--user")
    fill.add_argument("--password")
    fill.add_argument("--dry-run", action="store_true", help="只列出将提交的回填")
    done = sub.add_parser("done", help="列出已完成的窗口")
    done.add_argument("--feed")
    done.add_argument("--since", type=date.fromisoformat)
    done.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(argv)

    engine = _engine(args)
    if args.command == "done":
        since = datetime.combine(args.since, datetime.min.time()) if args.since else None
        rows = window_rows(engine, args.feed, since, args.limit)
        print(_pad("接口", 34) + _pad("窗口（Asia/Shanghai）", 36) + _pad("选取", 8) + _pad("确认", 8) + "运行")
        for r in rows:
            print(_pad(r["feed"], 34) + _pad(f"{r['window_start']:%Y-%m-%d %H:%M} → {r['window_end']:%Y-%m-%d %H:%M}", 36)
                  + _pad(str(r["selected"]), 8) + _pad(str(r["acknowledged"]), 8) + r["run_id"])
        return 0
    settings = _settings(args)
    import airflow.dag_processing.dagbag  # noqa: F401 - importing Airflow configures logging: quiet it after

    for name in ("", "airflow"):  # the console is for the table, not for DagBag's progress
        logging.getLogger(name).setLevel(logging.WARNING)
    gaps = find_gaps(engine, load_schedules(args.dags), settings, args.now, args.feed)
    total = print_gaps(gaps)
    if args.command == "gaps":
        return 1 if total else 0
    from hisbridge.ops.window_fill import AirflowApi, fill_gaps, plan_fill

    if args.dry_run:
        for request in plan_fill(gaps):
            print(request.describe())
            print("  " + request.command())
        return 0
    api = AirflowApi(args.api, user=args.user, password=args.password) if args.api \
        else AirflowApi.from_connection(args.api_conn_id)
    for outcome in fill_gaps(api, gaps, settings).lines():
        print(outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
