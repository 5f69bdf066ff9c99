"""The periodic checks (DAG ``hisbridge_alerts``, every 5 minutes): what is broken now, as alerts — and what was
broken and is not any more, as recoveries.

Each check owns a key prefix (its *scope*) and returns the faults it sees now. :func:`reconcile` fires each fault
(the incident store decides whether ops hear of it: once, then after the re-notify interval) and resolves every
open incident of the scope that the check no longer sees. A check that could not look (its database is down)
returns ``ok=False`` and its open incidents are left as they are: not seeing a fault is not the same as seeing it
gone.

==============  ==========================  ====================================================================
scope           fault                       seen from
==============  ==========================  ====================================================================
``connection:`` HIS / ledger unreachable    ``SELECT 1`` on each connection of ``alerts.yaml`` ``connections``
``sla:``        feed past its SLA           the newest window the feed completed (``feed_window``) vs its SLA
``backlog:``    quarantine/refusal backlog  records now ``quarantined`` / ``rejected`` / ``unknown`` per feed
``hsa_sign_in:`` 医保 sign-in failing       today's ``platform_session`` rows of ``hsa`` left ``expired`` (a
                                            9001 failed and no later one succeeded)
==============  ==========================  ====================================================================

Task failures are not checked here: the task's own ``on_failure_callback`` raises them and its next success
resolves them (:mod:`hisbridge.ops.alerts.notifier`); this check only reminds of them while they stay open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import Engine, func, literal, select

from hisbridge.ledger import schema as s
from hisbridge.ops.alerts.config import AlertsConfig, FeedSla
from hisbridge.ops.alerts.dispatch import LEDGER_CONN_ID, Alerter
from hisbridge.ops.alerts.message import SHANGHAI, Alert, shanghai, span

log = logging.getLogger("hisbridge.alerts")

BACKLOG_STATES = (s.QUARANTINED, s.REJECTED, s.UNKNOWN)
STATE_WORDS = {s.QUARANTINED: "隔离", s.REJECTED: "平台拒收", s.UNKNOWN: "结果未知"}


@dataclass
class CheckResult:
    scope: str
    findings: list[Alert] = field(default_factory=list)
    ok: bool = True  # False: the check could not look; its open incidents stay as they are
    note: str = ""


def links(base_url: str, feed: str | None = None, state: str | None = None,
          dag_id: str | None = None) -> tuple[tuple[str, str], ...]:  # fmt: skip
    base = base_url.rstrip("/")
    out = []
    if feed:
        query = f"feed={quote(feed)}" + (f"&state={quote(state)}" if state else "")
        out.append(("台账待处理记录", f"{base}/hisbridge/ledger/failures?{query}"))
    if dag_id:
        out.append(("DAG", f"{base}/dags/{quote(dag_id)}"))
    return tuple(out)


# -- connections ---------------------------------------------------------------------------------------------------


def probe(conn_id: str) -> None:
    """``SELECT 1`` (``FROM DUAL`` on Oracle: SQLAlchemy renders it) on connection ``conn_id``; raises if down."""
    from hisbridge.hooks import engine_for

    engine = engine_for(conn_id)
    try:
        with engine.connect() as conn:
            conn.execute(select(literal(1))).scalar()
    finally:
        engine.dispose()


def check_connections(conn_ids: Iterable[str], now: datetime,
                      probe: Callable[[str], None] = probe) -> CheckResult:  # fmt: skip
    result = CheckResult("connection:")
    for conn_id in conn_ids:
        try:
            probe(conn_id)
        except Exception as exc:  # noqa: BLE001 - any failure to connect is the fault
            reason = str(exc).splitlines()[0][:200] if str(exc) else ""
            what = "台账数据库" if conn_id == LEDGER_CONN_ID else "数据库"
            result.findings.append(Alert.create(
                kind="connection", key=f"connection:{conn_id}", since=now,
                subject=f"{what}连接 {conn_id} 不可用",
                detail=f"连接 {conn_id} 执行 SELECT 1 失败：{type(exc).__name__}: {reason}",
                fix=(f"检查数据库服务与网络（防火墙、账号是否锁定、口令是否过期）；在 Airflow 界面 Admin → Connections → "
                     f"{conn_id} 点 Test 验证；恢复后本检查自动发出恢复通知"),
            ))  # fmt: skip
    return result


# -- feed SLA ------------------------------------------------------------------------------------------------------


def last_windows(engine: Engine, feeds: Iterable[str]) -> dict[str, datetime]:
    """The end of the newest window each feed completed (naive Asia/Shanghai), from ``feed_window`` — one
    index look-up per feed (its primary key starts with ``feed, window_start``)."""
    t = s.feed_window
    out: dict[str, datetime] = {}
    with engine.connect() as conn:
        for feed in feeds:
            row = conn.execute(select(t.c.window_end).where(t.c.feed == feed)
                               .order_by(t.c.window_start.desc()).limit(1)).first()  # fmt: skip
            if row is not None:
                out[feed] = row[0]
    return out


def due_end(now_local: datetime, period: timedelta | None) -> datetime:
    """The end of the newest window that should be finished at ``now_local`` (naive Shanghai)."""
    if period is None or period <= timedelta(0):
        return now_local
    midnight = now_local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period >= timedelta(days=1):
        return midnight
    steps = (now_local - midnight) // period
    return midnight + steps * period


def check_feed_sla(slas: Iterable[FeedSla], last: Mapping[str, datetime], now: datetime,
                   base_url: str) -> CheckResult:  # fmt: skip
    """A feed is late when the newest window due by now ends more than its SLA after the newest it completed.
    A feed that never completed a window is the health page's business (new or unused at the site): no alert."""
    result = CheckResult("sla:")
    now_local = now.astimezone(SHANGHAI).replace(tzinfo=None)
    for f in slas:
        done = last.get(f.feed)
        if done is None:
            continue
        lag = due_end(now_local, f.period) - done
        if lag <= f.sla:
            continue
        since = (done + f.sla).replace(tzinfo=SHANGHAI)
        start = done.strftime("%Y-%m-%dT%H:%M:%S")
        result.findings.append(Alert.create(
            kind="feed_sla", key=f"sla:{f.feed}", since=since,
            subject=f"接口 {f.feed} 超过时效 {span(f.sla)}",
            detail=(f"最近送达的窗口截至 {done:%Y-%m-%d %H:%M}（北京时间），落后 {span(lag)}，"
                    f"时效要求 {span(f.sla)}（DAG {f.dag_id}）"),
            fix=(f"查看 DAG {f.dag_id} 是否暂停或失败并排除故障；补跑缺的窗口："
                 f"airflow backfill create --dag-id {f.dag_id} --from-date {start} "
                 f"--to-date {now_local:%Y-%m-%dT%H:%M:%S} --reprocess-behavior failed；"
                 f"列出漏跑窗口：python -m hisbridge.ops.windows gaps --feed {f.feed}"),
            links=links(base_url, dag_id=f.dag_id),
        ))  # fmt: skip
    return result


# -- backlog -------------------------------------------------------------------------------------------------------


def check_backlog(engine: Engine, config: AlertsConfig, base_url: str) -> CheckResult:
    """Records now waiting in ``quarantined`` / ``rejected`` / ``unknown`` per feed, against the thresholds."""
    t = s.delivery_record
    result = CheckResult("backlog:")
    q = (select(t.c.feed, t.c.state, func.count(), func.min(t.c.updated_at))
         .where(t.c.state.in_(BACKLOG_STATES)).group_by(t.c.feed, t.c.state).order_by(t.c.feed, t.c.state))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
        for feed, state, count, oldest in rows:
            threshold = config.threshold(feed, state)
            if threshold is None or count < threshold:
                continue
            top = conn.execute(select(t.c.reason, func.count().label("n")).where(t.c.feed == feed, t.c.state == state)
                               .group_by(t.c.reason).order_by(func.count().desc()).limit(3)).all()  # fmt: skip
            reasons = "；".join(f"{(r or '未记录原因')[:120]} ×{n}" for r, n in top)
            oldest = oldest if oldest is None or oldest.tzinfo else oldest.replace(tzinfo=UTC)
            result.findings.append(Alert.create(
                kind="backlog", key=f"backlog:{state}:{feed}", since=oldest,
                subject=f"接口 {feed} 有 {count} 条记录{STATE_WORDS[state]}（阈值 {threshold}）",
                detail=f"{count} 条{STATE_WORDS[state]}，最早一条自 {shanghai(oldest) if oldest else '?'}。主要原因：{reasons}",
                fix=_backlog_fix(feed, state, base_url),
                links=links(base_url, feed=feed, state=state),
            ))  # fmt: skip
    return result


def _backlog_fix(feed: str, state: str, base_url: str) -> str:
    page = f"{base_url.rstrip('/')}/hisbridge/ledger/failures?feed={quote(feed)}&state={state}"
    if state == s.UNKNOWN:
        return (f"结果未知的记录由下一次运行按平台规则核实（查询、冲正或重发）；持续未知请检查平台连通性。"
                f"明细：python -m hisbridge ledger failures --feed {feed} --state unknown 或 {page}")
    what = "在 HIS 更正源数据（下一窗口自动重发）" if state == s.QUARANTINED else "按平台拒收原因更正数据"
    return (f"{what}，或核实后重新排队：python -m hisbridge ledger requeue --feed {feed} --state {state} "
            f"--by <姓名> --reason <原因>；明细见 {page}")


# -- 医保 sign-in ------------------------------------------------------------------------------------------------


def check_hsa_sign_in(engine: Engine, now: datetime) -> CheckResult:
    """Today's (Asia/Shanghai) 医保 sign-ins whose opening failed (``expired``: the 9001 raised) and that no
    later sign-in replaced. ``platform_session`` keeps one row per operator and day, reopened in place."""
    from hisbridge.ledger.sessions import EXPIRED

    t = s.platform_session
    result = CheckResult("hsa_sign_in:")
    today = now.astimezone(SHANGHAI).date().isoformat()
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.principal, t.c.opened_at, t.c.note).where(
            t.c.platform == "hsa", t.c.day == today, t.c.state == EXPIRED)).all()
    for principal, opened_at, note in rows:
        opened_at = opened_at if opened_at.tzinfo else opened_at.replace(tzinfo=UTC)
        result.findings.append(Alert.create(
            kind="hsa_sign_in", key=f"hsa_sign_in:{principal}", since=opened_at,
            subject=f"医保签到(9001)失败：操作员 {principal}",
            detail=f"{today} 操作员 {principal} 签到失败（{note or '原因未记录'}），此后没有成功的签到；依赖签到的医保交易将失败",
            fix=("检查医保前置机/网关连通性与连接 hsa_platform 的机构编码、操作员、密钥；排除后在 Airflow 界面 "
                 "Admin → Connections → hsa_platform 点 Test（发一次 9001 签到）验证，或等下一个医保任务自动重签；"
                 "签到成功后自动发出恢复通知"),
        ))  # fmt: skip
    return result


# -- putting them together -----------------------------------------------------------------------------------------


@dataclass
class CheckSummary:
    fired: dict[str, str] = field(default_factory=dict)  # key → event sent (opened | reminder)
    held: list[str] = field(default_factory=list)  # open and already told
    resolved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # scopes that could not look

    def as_dict(self) -> dict:
        return {"fired": self.fired, "held": self.held, "resolved": self.resolved, "skipped": self.skipped}


def reconcile(alerter: Alerter, results: Iterable[CheckResult], by: str) -> CheckSummary:
    summary = CheckSummary()
    for result in results:
        seen = {a.key for a in result.findings}
        for finding in result.findings:
            event = alerter.fire(finding)
            if event:
                summary.fired[finding.key] = event
            else:
                summary.held.append(finding.key)
        if not result.ok:
            summary.skipped.append(result.scope)
            continue
        for key in alerter.open_keys(result.scope):
            if key not in seen:
                alerter.clear(key, by)
                summary.resolved.append(key)
    return summary


def remind_open(alerter: Alerter, scopes: Iterable[str]) -> dict[str, str]:
    """Reminders for open incidents that no periodic check owns (task failures): raised again as they are, so
    the re-notify interval applies to them too."""
    if alerter.store is None:
        return {}
    owned = tuple(scopes)
    out = {}
    for incident in alerter.store.open_incidents():
        if incident.key.startswith(owned):
            continue
        event = alerter.fire(incident.as_alert())
        if event:
            out[incident.key] = event
    return out


def run_checks(alerter: Alerter, *, now: datetime | None = None, slas: Iterable[FeedSla] = (),
               ledger: Engine | None = None, probe: Callable[[str], None] = probe,
               by: str = "hisbridge_alerts") -> CheckSummary:  # fmt: skip
    """Every check, reconciled. ``ledger`` ``None`` (unreachable): the ledger-based checks are skipped and the
    connection check reports the ledger down (kept in the alerter's fallback state)."""
    now = now or datetime.now(UTC)
    config, base_url = alerter.config, ui_base_url(alerter.config)
    results = [check_connections(config.connections, now, probe)]
    if ledger is None:
        results += [CheckResult(scope, ok=False) for scope in ("sla:", "backlog:", "hsa_sign_in:")]
    else:
        slas = list(slas)
        results += [_guarded("sla:", lambda: check_feed_sla(slas, last_windows(ledger, [f.feed for f in slas]), now,
                                                             base_url)),
                    _guarded("backlog:", lambda: check_backlog(ledger, config, base_url)),
                    _guarded("hsa_sign_in:", lambda: check_hsa_sign_in(ledger, now))]  # fmt: skip
    summary = reconcile(alerter, results, by)
    if alerter.store is not None:
        # incidents kept outside the ledger while it was down: the ledger is back, so they cleared or are
        # re-raised into the ledger by the checks above
        firing = {a.key for r in results for a in r.findings}
        for key in list(alerter.fallback_keys()):
            if key not in firing and alerter.clear_fallback(key):
                summary.resolved.append(key)
        for key, event in remind_open(alerter, [r.scope for r in results]).items():
            summary.fired[key] = event
    return summary


def _guarded(scope: str, check: Callable[[], CheckResult]) -> CheckResult:
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - a check that cannot look says so; the others still run
        log.warning("alert check %s could not run: %s: %s", scope, type(exc).__name__, str(exc)[:200])
        return CheckResult(scope, ok=False, note=type(exc).__name__)


def ui_base_url(config: AlertsConfig) -> str:
    """Airflow's ``[api] base_url`` when set (the address ops open), else ``alerts.yaml`` ``ui_base_url``."""
    try:
        from airflow.configuration import conf

        configured = conf.get("api", "base_url", fallback=None)
    except Exception:  # noqa: BLE001 - no Airflow configuration (plain unit tests)
        configured = None
    return (configured or config.ui_base_url).rstrip("/")


__all__ = ["CheckResult", "check_backlog", "check_connections", "check_feed_sla", "check_hsa_sign_in", "reconcile",
           "run_checks"]
