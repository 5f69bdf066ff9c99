"""Ledger pages for the Airflow UI (mounted by the plugin under /hisbridge): what every feed sent, what the
platform answered, what waits for ops — and a re-queue button on refused records, recorded with who and why.

Request/answer bodies are shown with people's identifiers masked (keys and patterns, hisbridge.logging): the
full text stays in the database for those entitled to it. Re-queueing needs ``current_user`` (the plugin
passes a dependency that resolves the logged-in Airflow user and checks edit permission); without it the
pages are read-only.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.logging import mask_text
from hisbridge.pages import STYLE
from hisbridge.reports import list_reports, report_path

REQUEUEABLE = (s.REJECTED, s.QUARANTINED)
#: what each report folder holds, as finance and the 医保办 call it
REPORT_TITLES = {"hsa_daily_reconciliation": "医保日对账", "hsa_monthly_reconciliation": "医保月度对账",
                 "hsa_settlement_list": "医保结算清单上传", "hsa_catalog_unmapped": "未对照医保目录的项目",
                 "hsa_fund_self_check": "医保基金自查"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATE_NAMES = {"pending": "待发送", "sent": "已发送待应答", "acknowledged": "已确认", "rejected": "平台拒收",
               "quarantined": "已隔离", "unknown": "结果未知", "withdrawn": "已撤回/作废"}


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>{STYLE}"
                        f"<h2>{html.escape(title)}</h2>{body}")


def create_ledger_app(ledger_factory: Callable[[], Ledger], dependencies: Sequence[Any] = (),
                      current_user: Callable[..., str] | None = None, reports: Path | None = None) -> FastAPI:
    """``dependencies`` guard every route (the plugin passes Airflow's authentication); ``current_user`` is a
    FastAPI dependency returning the name of a user allowed to re-queue; ``reports`` is the reports directory
    (default: :func:`hisbridge.reports.reports_dir`)."""
    app = FastAPI(title="hisbridge 投递台账", docs_url=None, redoc_url=None, dependencies=list(dependencies))

    @app.get("/ledger/", response_class=HTMLResponse)
    def summary() -> HTMLResponse:
        counts = ledger_factory().counts()
        head = "".join(f"<th>{STATE_NAMES[st]}</th>" for st in s.STATES)
        rows = "".join(
            f"<tr><td>{html.escape(feed)}</td>" + "".join(
                f"<td class={st}><a href='failures?feed={quote(feed)}&state={st}'>{c.get(st, 0)}</a></td>"
                for st in s.STATES) + "</tr>"
            for feed, c in sorted(counts.items()))
        return _page("投递台账 · 各接口记录状态", f"<table><tr><th>接口</th>{head}</tr>{rows}</table>"
                     "<p>重新排队：<code>python -m hisbridge ledger requeue --id … --by 姓名 --reason …</code></p>"
                     "<p><a href='../reports/'>对账、结算清单、自查等报表</a></p>"
                     "<p><a href='regional'>市区卫平台上传健康检查（每日 HIS / 已上传 / 已确认 / 失败 / 缺口）</a></p>")

    @app.get("/ledger/regional", response_class=HTMLResponse)
    def regional(days: Annotated[int, Query(ge=1, le=366)] = 14) -> HTMLResponse:
        return _page("市区卫平台 · 上传健康检查", _regional_body(ledger_factory(), days))

    @app.get("/ledger/failures", response_class=HTMLResponse)
    def failures(feed: str | None = None, state: Annotated[list[str] | None, Query()] = None,
                 limit: int = 500) -> HTMLResponse:
        state = state or list(s.FAILURE_STATES)
        if any(st not in s.STATES for st in state):
            raise HTTPException(400, "unknown state")
        recs = ledger_factory().records(feed, state, limit=limit)
        rows = "".join(
            f"<tr><td><a href='records/{r.id}'>{r.id}</a></td><td>{html.escape(r.feed)}</td>"
            f"<td>{html.escape(r.business_key)}</td><td class={r.state}>{STATE_NAMES[r.state]}</td>"
            f"<td>{r.attempts}</td><td>{html.escape(r.last_msgid or '')}</td>"
            f"<td>{html.escape(mask_text(r.reason or ''))}</td></tr>" for r in recs)
        return _page(f"待处理记录 {feed or ''}", "<table><tr><th>ID</th><th>接口</th><th>业务键</th><th>状态</th>"
                     f"<th>次数</th><th>最后报文ID</th><th>原因</th></tr>{rows}</table>")

    @app.get("/ledger/records/{record_id}", response_class=HTMLResponse)
    def record(record_id: int) -> HTMLResponse:
        ledger = ledger_factory()
        r = ledger.record(record_id)
        if r is None:
            raise HTTPException(404, "no such record")
        form = ""
        if current_user is not None and r["state"] in REQUEUEABLE:
            form = (f"<form method=post action='{record_id}/requeue'>重新排队（下次运行其窗口时重发）："
                    "<input name=reason required placeholder='原因，如：HIS 已更正批号' size=40> "
                    "<button>重新排队</button></form>")
        parts = [form, f"<p>接口 {html.escape(r['feed'])} · 业务键 {html.escape(r['business_key'])} · "
                 f"状态 <b class={r['state']}>{STATE_NAMES[r['state']]}</b> · 发送 {r['attempts']} 次 · "
                 f"窗口 {r['window_start']} → {r['window_end']}</p>",
                 f"<p>原因：{html.escape(mask_text(r['reason'] or '-'))}</p><h3>报文</h3>"]
        for msg in ledger.messages_for(record_id):
            parts.append(
                f"<p><b>{html.escape(msg['msgid'])}</b> {html.escape(msg['operation'])} {msg['purpose']} · "
                f"{msg['sent_at']} · 报文结果 {msg['outcome']} · 本记录 {msg['row'] or '-'} · "
                f"HTTP {msg['http_status']} · {msg['duration_ms']} ms · {html.escape(msg['actor'] or '')}</p>"
                f"<pre>{html.escape(mask_text(msg['request'] or ''))}</pre>"
                f"<pre>{html.escape(mask_text(msg['response'] or ''))}</pre>")
        parts.append("<h3>状态变更</h3><table><tr><th>时间</th><th>从</th><th>到</th><th>操作人</th><th>说明</th></tr>")
        parts.extend(f"<tr><td>{e['at']}</td><td>{e['from_state'] or ''}</td><td>{e['to_state']}</td>"
                     f"<td>{html.escape(e['actor'] or '')}</td><td>{html.escape(mask_text(e['reason'] or ''))}</td></tr>"
                     for e in ledger.events(record_id))
        parts.append("</table>")
        return _page(f"台账记录 {record_id}", "".join(parts))

    if current_user is not None:
        # a default, not an annotation: annotations are strings here and cannot see this closure's variable
        editor = Depends(current_user)

        @app.post("/ledger/records/{record_id}/requeue")
        def requeue(record_id: int, reason: Annotated[str, Form(min_length=2, max_length=500)],
                    actor: str = editor) -> RedirectResponse:
            done = ledger_factory().requeue([record_id], actor=actor, reason=reason)
            if not done:
                raise HTTPException(409, "only rejected or quarantined records can be re-queued")
            return RedirectResponse(f"/hisbridge/ledger/records/{record_id}", status_code=303)

    @app.get("/reports/", response_class=HTMLResponse)
    def report_index() -> HTMLResponse:
        found = list_reports(reports)
        if not found:
            return _page("报表", "<p>还没有报表：对账、结算清单、目录对照和基金自查任务运行后在此列出。</p>")
        parts = []
        for kind, periods in found.items():
            links = "".join(f"<li><a href='{quote(kind)}/{quote(p)}.html'>{html.escape(p)}</a> · "
                            f"<a href='{quote(kind)}/{quote(p)}.xlsx'>Excel</a></li>" for p in periods)
            parts.append(f"<h3>{html.escape(REPORT_TITLES.get(kind, kind))}</h3><ul>{links}</ul>")
        return _page("报表", "".join(parts))

    @app.get("/reports/{kind}/{name}")
    def report_file(kind: str, name: str) -> FileResponse:
        period, dot, suffix = name.rpartition(".")
        path = report_path(kind, period, f"{dot}{suffix}", reports) if dot else None
        if path is None:
            raise HTTPException(404, "no such report")
        if suffix == "xlsx":
            return FileResponse(path, media_type=XLSX, filename=f"{kind}_{period}.xlsx")
        return FileResponse(path, media_type="text/html; charset=utf-8")

    @app.get("/ledger/api/summary")
    def api_summary() -> JSONResponse:
        return JSONResponse(ledger_factory().counts())

    return app


# -- 市区卫平台 upload health ---------------------------------------------------------------------------------------
REGIONAL_COLUMNS = ("HIS", "已上传前置库", "平台已确认", "失败", "待上传", "缺口", "补传")


def _regional_body(ledger: Ledger, days: int) -> str:
    """One table per data set: the newest ``days`` days checked, the figures after the re-send where there was one
    (and the gap first found), the gap in red."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from hisbridge.platforms.regional.datasets import dataset_titles
    from hisbridge.platforms.regional.state import AFTER_RESEND, FIRST, HealthStore

    shanghai = ZoneInfo("Asia/Shanghai")
    titles = dataset_titles()
    checked = HealthStore(ledger.engine).rows(limit=days * 2 * max(1, len(titles)) + 50)
    newest = sorted({r.day for r in checked}, reverse=True)[:days]
    checked = [r for r in checked if r.day in newest]
    by_day: dict[str, dict[str, dict]] = {}
    for r in checked:
        by_day.setdefault(r.dataset, {}).setdefault(r.day, {})[r.check_name] = r
    parts = ["<style>tr.gap td{background:#fdecea}tr.gap td.gap{color:#b00020;font-weight:bold}</style>",
             f"<p class=note>每日核对（最近 {days} 天）：HIS 条数（计数 SQL）、写入前置库的行、平台已取走（上传标志=已上传）、"
             "平台拒收（失败）、尚待平台抽取；<b>缺口</b> = HIS 有而前置库没有的记录，检查时已按同一接口补传。"
             "平台拒收的记录登记为台账“平台拒收”，更正或重新排队后下次检查补传。时间为北京时间。</p>"]
    if not by_day:
        parts.append("<p>还没有检查结果：DAG regional_upload_health 运行后在此列出。</p>")
    for dataset in sorted(by_day, key=lambda n: (list(titles).index(n) if n in titles else len(titles), n)):
        head = "".join(f"<th>{c}</th>" for c in REGIONAL_COLUMNS)
        rows = []
        for day, checks in sorted(by_day[dataset].items(), reverse=True):
            first, final = checks.get(FIRST), checks.get(AFTER_RESEND) or checks.get(FIRST)
            f = final.figures
            found = first.figures.missing if first else 0
            gap = f"{f.missing}" + (f"（发现 {found}）" if found and found != f.missing else "")
            at = final.checked_at if final.checked_at.tzinfo else final.checked_at.replace(tzinfo=UTC)
            cells = (f.his_count, f.uploaded, f.acknowledged, f.failed, f.waiting)
            rows.append(
                f"<tr class='{'gap' if f.missing else ''}'><td>{html.escape(day)}</td>"
                + "".join(f"<td class=n>{v}</td>" for v in cells)
                + f"<td class='n gap'>{gap}</td><td class=n>{final.resent}</td>"
                f"<td>{at.astimezone(shanghai):%Y-%m-%d %H:%M}</td>"
                f"<td>{html.escape(mask_text(final.note or ''))}</td></tr>")
        parts.append(f"<h3>{html.escape(titles.get(dataset, dataset))}（{html.escape(dataset)}）</h3>"
                     f"<table><tr><th>日期</th>{head}<th>检查时间</th><th>说明</th></tr>{''.join(rows)}</table>")
    return "".join(parts)
