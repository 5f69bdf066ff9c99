"""The feed health page (接口健康) and its Prometheus endpoint: one FastAPI app, mounted by the plugin at
``/hisbridge-health`` and runnable alone under uvicorn.

``GET /``        one row per feed of every platform, worst first: colour and why, last window delivered, lag
                 against the SLA, records delivered / refused / quarantined / unknown in 24 h and 30 days, what
                 waits now, a 30-day trend (inline SVG), the top reasons, links to the failures and the DAG;
                 below, the jobs that are not feeds. Times Asia/Shanghai, labelled; refreshes every minute.
``GET /metrics`` the same figures in the Prometheus text format, for a scraper.

Figures come from :mod:`hisbridge.ops.feed_health`; one snapshot serves every request for ``cache_s`` seconds,
so a page left open in ten browsers and a scraper every 15 s cost the ledger one set of queries.
Everything is served from here: the style is inline, the chart is SVG, no script, nothing from a CDN.
"""

from __future__ import annotations

import hmac
import html
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlalchemy import Engine

from hisbridge.ledger.store import Ledger
from hisbridge.logging import mask_text
from hisbridge.ops.alerts.incidents import open_by_feed
from hisbridge.ops.alerts.state import Incident, IncidentStore
from hisbridge.ops.feed_health import (
    AMBER,
    AS_OF_ENV,
    GREEN,
    GREY,
    RED,
    DayCache,
    FeedHealth,
    FeedInfo,
    HealthConfig,
    JobHealth,
    Snapshot,
    TrendDay,
    as_of_from_env,
    lag_text,
    local,
    prometheus_text,
    snapshot,
)
from hisbridge.pages import STYLE

log = logging.getLogger(__name__)

COLOUR_NAMES = {RED: "红", AMBER: "黄", GREEN: "绿", GREY: "未启用"}
STATE_NAMES = {"rejected": "拒收", "quarantined": "隔离", "unknown": "未知"}
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"

HEALTH_STYLE = """<style>
table.health td,table.health th{font-size:.8rem;padding:.2rem .35rem;vertical-align:top}
tr.red td.status{background:#fdecea;color:#b00020}tr.amber td.status{background:#fff4d6;color:#8a5a00}
tr.green td.status{background:#e8f5ec;color:#1b7f3b}tr.grey td{color:#888}
td.status{font-weight:bold;white-space:nowrap}td.status ul{margin:.15rem 0 0;padding-left:1rem;font-weight:normal}
.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;margin-right:.3rem;vertical-align:-1px}
.dot.red{background:#d93025}.dot.amber{background:#f9ab00}.dot.green{background:#1e8e3e}.dot.grey{background:#bbb}
td.n.bad{color:#b00020;font-weight:bold}td.n.zero{color:#aaa}small{color:#666}
.summary span{margin-right:1rem}td.links{white-space:nowrap}ul.reasons{margin:0;padding-left:1rem;max-width:22rem}
</style>"""


def _when(moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    return "—" if moment is None else f"{moment:{fmt}}"


def _trend_svg(days: list[TrendDay]) -> str:
    """Per day: delivered (green) with refused/quarantined/unknown (red) on top, scaled to the busiest day."""
    width, height, bar = 4, 28, 3
    top = max((d.delivered + d.failed for d in days), default=0) or 1
    bars = []
    for n, d in enumerate(days):
        x = n * width
        ok = round(d.delivered / top * height)
        bad = max(1, round(d.failed / top * height)) if d.failed else 0
        tip = f"{d.day:%m-%d}：已确认 {d.delivered}，失败/待处理 {d.failed}"
        bars.append(f"<g><title>{tip}</title>"
                    + (f"<rect x={x} y={height - ok} width={bar} height={ok} fill='#1e8e3e'/>" if ok else "")
                    + (f"<rect x={x} y={height - ok - bad} width={bar} height={bad} fill='#d93025'/>" if bad else "")
                    + (f"<rect x={x} y={height - 1} width={bar} height=1 fill='#ddd'/>" if not (ok or bad) else "")
                    + "</g>")
    return (f"<svg class=trend width={len(days) * width} height={height} role=img "
            f"aria-label='30 天趋势'>{''.join(bars)}</svg>")


def _count(value: int, key: str, bad: bool = False) -> str:
    cls = "n zero" if not value else ("n bad" if bad else "n")
    return f"<td class='{cls}' data-count='{key}'>{value}</td>"


def _alerts_link(feed: str, incidents: Sequence[Incident], alerts_url: str) -> str:
    """The feed's open alert incidents: the incident itself when there is one, else the list filtered to the feed."""
    if not incidents:
        return ""
    href = f"{alerts_url}{incidents[0].id}" if len(incidents) == 1 else f"{alerts_url}?feed={quote(feed)}"
    tip = html.escape("；".join(i.subject for i in incidents), quote=True)
    return f"<br><a class=alerts href='{href}' title='{tip}'>未恢复告警 {len(incidents)}</a>"


def _feed_row(h: FeedHealth, failures_url: str, airflow_url: str, alerts: Sequence[Incident] = (),
              alerts_url: str = "/hisbridge-alerts/") -> str:  # fmt: skip
    i: FeedInfo = h.info
    why = "".join(f"<li>{html.escape(w)}</li>" for w in h.why)
    status = (f"<td class=status><span class='dot {h.colour}'></span>{COLOUR_NAMES[h.colour]}"
              + (f"<ul>{why}</ul>" if why else "") + "</td>")
    cells = [status,
             f"<td>{html.escape(i.title)}<br><small>{html.escape(i.feed)} · {html.escape(i.platform_title)}</small></td>",
             f"<td>{html.escape(i.cadence)}<br><small>时限 {lag_text(i.sla)}</small></td>",
             f"<td data-field=last-window>{_when(h.last_window_end)}"
             f"<br><small>发送于 {_when(h.last_delivery_at)}</small></td>",
             f"<td data-field=lag>{lag_text(h.lag)}</td>"]
    for period, c in (("day", h.day), ("month", h.month)):
        cells += [_count(c.delivered, f"{period}-delivered"), _count(c.rejected, f"{period}-rejected", True),
                  _count(c.quarantined, f"{period}-quarantined", True), _count(c.unknown, f"{period}-unknown", True)]
    waiting = [f"{STATE_NAMES[st]} {getattr(h.waiting, st)}" for st in STATE_NAMES if getattr(h.waiting, st)]
    if h.in_flight:
        waiting.append(f"发送中 {h.in_flight}")
    cells.append(f"<td data-field=waiting>{'<br>'.join(waiting) or '—'}</td>")
    cells.append(f"<td>{_trend_svg(h.trend)}</td>")
    reasons = "".join(f"<li>{STATE_NAMES.get(r.state, r.state)} {r.count}：{html.escape(mask_text(r.text))}</li>"
                      for r in h.reasons)
    cells.append(f"<td>{f'<ul class=reasons>{reasons}</ul>' if reasons else '—'}</td>")
    feed = quote(i.feed)
    cells.append(f"<td class=links><a class=failures href='{failures_url}?feed={feed}'>失败记录</a><br>"
                 f"<a class=dag href='{airflow_url}/dags/{quote(i.dag_id)}'>DAG</a>"
                 f"{_alerts_link(i.feed, alerts, alerts_url)}</td>")
    return f"<tr class='feed {h.colour}' data-feed='{html.escape(i.feed)}' data-colour='{h.colour}'>{''.join(cells)}</tr>"


def _job_row(j: JobHealth, airflow_url: str) -> str:
    why = "".join(f"<li>{html.escape(w)}</li>" for w in j.why)
    found = "<br>".join(f"{html.escape(what)} {n}" for what, n, _ in j.findings) or "—"
    return (f"<tr class='job {j.colour}' data-job='{html.escape(j.job)}' data-colour='{j.colour}'>"
            f"<td class=status><span class='dot {j.colour}'></span>{COLOUR_NAMES[j.colour]}"
            + (f"<ul>{why}</ul>" if why else "") + "</td>"
            f"<td>{html.escape(j.spec.title)}<br><small>{html.escape(j.job)}</small></td>"
            f"<td><code>{html.escape(j.spec.cron)}</code><br><small>时限 {lag_text(j.spec.sla)}</small></td>"
            f"<td>{_when(j.last_run_at)}</td><td>{found}</td>"
            f"<td><a class=dag href='{airflow_url}/dags/{quote(j.job)}'>DAG</a></td></tr>")


def _rules(config: HealthConfig) -> str:
    t = config.thresholds
    return ("<details><summary>颜色规则（include/mappings/feed_sla.yaml 可调）</summary><ul>"
            f"<li><b>红</b>：落后超过时限；或从未投递；或有结果未知的记录；或 24 小时内拒收+隔离 ≥ {t.red_failures_24h} 条，"
            f"或占 24 小时处理量 ≥ {t.red_failure_share_24h:.0%}（至少 {t.share_min_failures} 条时）。</li>"
            f"<li><b>黄</b>：落后超过时限的 {t.amber_lag_share:.0%}；或有隔离、拒收的记录待处理（不论多久以前）。</li>"
            "<li><b>绿</b>：其余。<b>未启用</b>：本院不用的接口（feed_sla.yaml 的 disabled）。</li>"
            "<li><b>落后</b> = 按排程现在应已完成的最新窗口的结束时间 − 最近完成窗口的结束时间。<b>最近完成窗口</b>："
            "流水线跑完的最新窗口（含没有数据的窗口），或平台已确认的最新一次上传所属的窗口，取较新者。"
            "中间漏跑的窗口由窗口缺口检查（hisbridge_window_gaps）发现并补跑。</li>"
            "<li><b>已确认</b>：该时段内平台确认的记录（更正后重发的记录再计一次）；<b>拒收/隔离/未知</b>：该时段内进入该状态、"
            "至今仍处于该状态的记录；<b>待处理</b>：现在处于该状态的全部记录。</li></ul></details>")


def render_page(snap: Snapshot, failures_url: str, airflow_url: str,
                alerts: Mapping[str, Sequence[Incident]] | None = None, alerts_url: str = "/hisbridge-alerts/") -> str:
    tally = {c: sum(1 for h in snap.feeds if h.colour == c) for c in (RED, AMBER, GREEN, GREY)}
    summary = "".join(f"<span class=summary-{c} data-colour='{c}'><span class='dot {c}'></span>{COLOUR_NAMES[c]} {n}</span>"
                      for c, n in tally.items() if n or c != GREY)
    counts_head = "".join(f"<th>{x}</th>" for x in ("已确认", "拒收", "隔离", "未知") * 2)
    alerts = alerts or {}
    rows = "".join(_feed_row(h, failures_url, airflow_url, alerts.get(h.info.feed, ()), alerts_url) for h in snap.feeds)
    parts = [
        f"<p class='note summary'>{_generated(snap)}· 接口 {len(snap.feeds)} 个：{summary}· <a href='metrics'>Prometheus 指标</a></p>",
        _rules(snap.config),
        "<table class=health id=feeds><tr><th rowspan=2>状态</th><th rowspan=2>接口</th><th rowspan=2>周期</th>"
        "<th rowspan=2>最近完成窗口<br><small>（北京时间）</small></th><th rowspan=2>落后</th>"
        "<th colspan=4>最近 24 小时</th><th colspan=4>最近 30 天</th><th rowspan=2>待处理</th>"
        "<th rowspan=2>30 天趋势</th><th rowspan=2>主要原因</th><th rowspan=2>链接</th></tr>"
        f"<tr>{counts_head}</tr>{rows}</table>",
    ]
    if snap.jobs:
        parts.append("<h3>其他作业</h3><table class=health id=jobs><tr><th>状态</th><th>作业</th><th>排程</th>"
                     "<th>上次运行<br><small>（北京时间）</small></th><th>发现</th><th>链接</th></tr>"
                     + "".join(_job_row(j, airflow_url) for j in snap.jobs) + "</table>")
    return ("<!doctype html><html lang=zh-CN><meta charset=utf-8><meta http-equiv=refresh content=60>"
            "<link rel=icon href='data:,'>"  # no favicon request (a 404 in the console on every refresh)
            f"<title>接口健康</title>{STYLE}{HEALTH_STYLE}<h2>接口健康 · 各接口是否按时投递</h2>{''.join(parts)}")


def _open_alerts(engine: Engine, snap: Snapshot) -> dict[str, list[Incident]]:
    """Open alert incidents per feed (hisbridge.ops.alerts); none when they cannot be read: the page still shows."""
    try:
        return open_by_feed(IncidentStore(engine), {h.info.feed: h.info.dag_id for h in snap.feeds})
    except Exception as exc:  # noqa: BLE001 - the figures matter more than the links
        log.warning("open alert incidents not read for the health page: %s", type(exc).__name__)
        return {}


def _generated(snap: Snapshot) -> str:
    """When the figures are of: the clock's time, or the fixed instant they were asked for (a demo's ledger)."""
    at = f"<time data-field=generated>{local(snap.now):%Y-%m-%d %H:%M:%S}</time>"
    if snap.as_of:
        return (f"<span class=as-of>按 {at}（北京时间）评估：这是演示数据的时刻（{AS_OF_ENV}），不是现在；"
                "台账中的时间是各窗口按排程运行的时间</span>")
    return f"生成于 {at}（北京时间，每分钟刷新）"


def create_health_app(ledger_factory: Callable[[], Ledger], *, dependencies: Sequence[Any] = (),
                      metrics_token: str | None = None, clock: Callable[[], datetime] | None = None,
                      config: HealthConfig | None = None, infos: Sequence[FeedInfo] | None = None,
                      failures_url: str = "/hisbridge/ledger/failures", airflow_url: str = "",
                      alerts_url: str = "/hisbridge-alerts/", cache_s: float = 30.0) -> FastAPI:
    """``dependencies`` guard the page (the plugin passes Airflow's authentication). ``metrics_token``: when set,
    ``/metrics`` takes ``Authorization: Bearer <token>`` instead (a scraper has no Airflow login); when not, it
    has the page's guard. ``clock`` gives "now" (tests pin it; default: the instant ``HISBRIDGE_HEALTH_AS_OF`` names,
    labelled as such on the page, else the real clock); ``config``/``infos`` default to feed_sla.yaml and
    every feed; ``failures_url`` is the ledger pages' failures list, ``airflow_url`` the UI's base ("" = same
    host), ``alerts_url`` the alert page (a feed with an open alert incident links to it)."""
    app = FastAPI(title="hisbridge 接口健康", docs_url=None, redoc_url=None)
    pinned = as_of_from_env() if clock is None else None  # a wrong value stops the app here, not each request
    now: Callable[[], datetime] = clock or ((lambda: pinned) if pinned else (lambda: datetime.now(UTC)))
    lock = threading.Lock()
    cached: list[Any] = [None, 0.0, {}]  # snapshot, monotonic time taken, open alert incidents per feed
    history = DayCache(ttl_s=max(cache_s, 600.0)) if cache_s > 0 else None

    def current() -> Snapshot:
        with lock:
            if cached[0] is None or time.monotonic() - cached[1] >= cache_s:
                engine = ledger_factory().engine
                cached[0] = snapshot(engine, now(), config, infos, history, as_of=pinned is not None)
                cached[2] = _open_alerts(engine, cached[0])
                cached[1] = time.monotonic()
            return cached[0]

    @app.get("/", response_class=HTMLResponse, dependencies=list(dependencies))
    def page() -> HTMLResponse:
        snap = current()
        return HTMLResponse(render_page(snap, failures_url, airflow_url, cached[2], alerts_url))

    if metrics_token:
        def bearer(authorization: str = Header("")) -> None:
            scheme, _, given = authorization.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), metrics_token.encode()):
                raise HTTPException(401, "metrics need Authorization: Bearer <HISBRIDGE_METRICS_TOKEN>",
                                    headers={"WWW-Authenticate": "Bearer"})

        metrics_guard = [Depends(bearer)]
    else:
        metrics_guard = list(dependencies)

    @app.get("/metrics", dependencies=metrics_guard)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(prometheus_text(current()), media_type=PROMETHEUS)

    return app
