"""Ledger pages for the Airflow UI (mounted by the plugin under /hisbridge): what every feed sent, what the
platform answered, what waits for ops — and a re-queue button on refused records, recorded with who and why.

Request/answer bodies are shown with people's identifiers masked (keys and patterns, hisbridge.logging): the
full text stays in the database for those entitled to it. All times are Asia/Shanghai and labelled so
(:mod:`hisbridge.ops.ledger_times`). A record's page tells its whole history — every message that touched it and
why, a batch message shown as this record's row (:mod:`hisbridge.ops.ledger_history`).

Re-queueing needs ``current_user``: a FastAPI dependency returning the name of the logged-in user when that user
may re-queue, ``None`` when the user may only look (the plugin checks Airflow's permission to edit DAG runs).
Viewers see no button, and a POST of theirs gets a page saying why. Without ``current_user`` the pages are
read-only and there is no re-queue route. A re-queue POST must carry the form's signed token and come from this
page's own origin (:mod:`hisbridge.ops.ledger_guard`). After it, the page says how to clear the record's past
window so that it is run again (the Airflow task-instance page to "Clear", or ``airflow tasks clear`` with the
exact dag, task and logical date): re-queued records are only sent when their window runs.

Errors of the pages are Chinese pages too (401, 403, 404, a form without its reason); the JSON API
(``/ledger/api/…``) keeps JSON.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.logging import mask_text
from hisbridge.ops.ledger_guard import FormGuard, editor_or_none
from hisbridge.ops.ledger_history import OUTCOME_NAMES, Step, airflow_task, explain, history
from hisbridge.ops.ledger_times import LABEL, wall_clock_arg, when, window
from hisbridge.pages import STYLE
from hisbridge.reports import list_reports, report_path

REQUEUEABLE = (s.REJECTED, s.QUARANTINED)
#: what each report folder holds, as finance and the 医保办 call it
REPORT_TITLES = {"hsa_daily_reconciliation": "医保日对账", "hsa_monthly_reconciliation": "医保月度对账",
                 "hsa_settlement_list": "医保结算清单上传", "hsa_catalog_unmapped": "未对照医保目录的项目",
                 "hsa_fund_self_check": "医保基金自查", "hisbridge_monthly_ops_report": "运维·月度运行报告"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATE_NAMES = {"pending": "待发送", "sent": "已发送待应答", "acknowledged": "已确认", "rejected": "平台拒收",
               "quarantined": "已隔离", "unknown": "结果未知", "withdrawn": "已撤回/作废"}
#: the form field carrying the signed form token
TOKEN_FIELD = "form_token"
#: what a refused request is told, by status (the detail of our own refusals is added when it is Chinese)
REFUSALS = {
    400: ("请求有误", "请求的参数不正确。"),
    401: ("请先登录", "台账页面需要登录 Airflow。请先<a href='/'>登录 Airflow</a>，再打开本页。"),
    403: ("没有权限", "重新排队需要“编辑 DAG 运行”的权限（Airflow 角色 User、Op 或 Admin），您的账号只能查看。"
                      "请联系管理员授权，或把记录 ID 和原因交给有权限的同事处理。"),
    404: ("没有找到", "没有这个页面或这条台账记录。"),
    405: ("不能这样操作", "此页面不接受这种请求。"),
    409: ("不能重新排队", "只有“平台拒收”或“已隔离”的记录可以重新排队。"),
    422: ("请填写原因", "重新排队须写明原因（2 至 500 个字），例如“HIS 已更正批号”。请返回上一页填写后再提交。"),
}
PAGE_STYLE = """<style>.notice{border:1px solid #e0b252;background:#fff8e6;padding:.5rem .75rem;margin:.75rem 0}
.notice.ok{border-color:#7fbf8e;background:#eef8f0}.refusal{border:1px solid #d9a0a8;background:#fdecea;padding:.75rem}
ol.history{padding-left:1.5rem}ol.history>li{margin:.5rem 0;padding:.25rem 0;border-bottom:1px solid #eee}
.step-title{font-weight:bold}.meta{color:#555;font-size:.85rem}code.cmd{display:block;background:#f7f7f7;
padding:.4rem;white-space:pre-wrap;word-break:break-all}details>summary{cursor:pointer;color:#1565c0}</style>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang=zh-CN><meta charset=utf-8><title>{html.escape(title)}</title>"
                        f"{STYLE}{PAGE_STYLE}<h2>{html.escape(title)}</h2>{body}"
                        f"<p class=note>页面上的时间均为{LABEL}（Asia/Shanghai）。</p></html>", status_code=status)


def create_ledger_app(ledger_factory: Callable[[], Ledger], dependencies: Sequence[Any] = (),
                      current_user: Callable[..., str | None] | None = None, reports: Path | None = None, *,
                      form_secret: bytes | str | None = None, trusted_origins: Sequence[str] = (),
                      airflow_ui: str = "") -> FastAPI:
    """``dependencies`` guard every route (the plugin passes Airflow's authentication); ``current_user`` is a
    FastAPI dependency returning the name of a user allowed to re-queue, ``None`` for one who may only look;
    ``reports`` is the reports directory (default: :func:`hisbridge.reports.reports_dir`).

    ``form_secret`` signs the re-queue form's token (the site's secret: Airflow's ``[api] secret_key``; without
    it a per-process random one, which suits a single API-server worker); ``trusted_origins`` are other origins
    the form may be posted from (a reverse proxy's public address); ``airflow_ui`` is the Airflow UI's base path
    for links to a task instance (``""``: the root of this host)."""
    app = FastAPI(title="hisbridge 投递台账", docs_url=None, redoc_url=None, dependencies=list(dependencies))
    guard = FormGuard(form_secret, trusted_origins=trusted_origins)
    # a default, not an annotation: annotations are strings here and cannot see this closure's variable
    who = Depends(editor_or_none(current_user))

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> Response:
        if "/ledger/api/" in request.url.path:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return _refusal_page(exc.status_code, str(exc.detail or ""), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if "/ledger/api/" in request.url.path:
            return JSONResponse({"detail": "invalid request"}, status_code=422)
        return _refusal_page(422, "")

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
                     "<p>重新排队：在记录页点“重新排队”，或 <code>python -m hisbridge ledger requeue --id … --by 姓名 "
                     "--reason …</code>；之后须清除该记录窗口的任务，记录才会重发（记录页给出链接和命令）。</p>"
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
            raise HTTPException(400, "未知的状态")
        recs = ledger_factory().records(feed, state, limit=limit)
        rows = "".join(
            f"<tr><td><a href='records/{r.id}'>{r.id}</a></td><td>{html.escape(r.feed)}</td>"
            f"<td>{html.escape(r.business_key)}</td><td class={r.state}>{STATE_NAMES[r.state]}</td>"
            f"<td>{r.attempts}</td><td>{html.escape(r.last_msgid or '')}</td>"
            f"<td>{html.escape(mask_text(explain(r.reason or '')))}</td></tr>" for r in recs)
        return _page(f"待处理记录 {feed or ''}", "<table><tr><th>ID</th><th>接口</th><th>业务键</th><th>状态</th>"
                     f"<th>次数</th><th>最后报文ID</th><th>原因</th></tr>{rows}</table>")

    @app.get("/ledger/records/{record_id}", response_class=HTMLResponse)
    def record(record_id: int, requeued: bool = False, user: str | None = who) -> HTMLResponse:
        ledger = ledger_factory()
        r = ledger.record(record_id)
        if r is None:
            raise HTTPException(404, "没有这条台账记录")
        parts = []
        if requeued or (r["state"] == s.PENDING and (r["reason"] or "").startswith("re-queued")):
            parts.append(_clear_notice(r, airflow_task(ledger, record_id), airflow_ui, fresh=requeued))
        if r["state"] in REQUEUEABLE and current_user is not None:
            if user:
                parts.append(
                    f"<form method=post action='{record_id}/requeue' id=requeue>重新排队（之后清除其窗口即重发）："
                    f"<input type=hidden name={TOKEN_FIELD} value='{guard.token(user)}'>"
                    "<input name=reason required minlength=2 maxlength=500 placeholder='原因，如：HIS 已更正批号' "
                    "size=40> <button>重新排队</button></form>")
            else:
                parts.append("<p class=notice id=read-only>只读：重新排队需要“编辑 DAG 运行”的权限，您的账号只能查看。"
                             "请联系有权限的同事处理。</p>")
        parts.append(_record_head(r))
        parts.append(_history_html(history(ledger, r)))
        return _page(f"台账记录 {record_id}", "".join(parts))

    if current_user is not None:
        @app.post("/ledger/records/{record_id}/requeue")
        def requeue(request: Request, record_id: int, reason: Annotated[str, Form(min_length=2, max_length=500)],
                    form_token: Annotated[str | None, Form()] = None, user: str | None = who) -> Response:
            if not user:
                return _refusal_page(403, "")
            problem = guard.origin_problem(request) or guard.token_problem(user, form_token)
            if problem:
                return _refusal_page(403, problem, title="已拒绝：请求不是从本页面提交的")
            done = ledger_factory().requeue([record_id], actor=user, reason=reason)
            if not done:
                raise HTTPException(409, "只有“平台拒收”或“已隔离”的记录可以重新排队")
            root = request.scope.get("root_path", "")
            return RedirectResponse(f"{root}/ledger/records/{record_id}?requeued=1", status_code=303)

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


# -- the parts of a record's page ---------------------------------------------------------------------------------
def _refusal_page(status: int, detail: str, headers: dict | None = None, *, title: str | None = None) -> HTMLResponse:
    """A refusal people can read: what happened and what to do, in Chinese, with the status kept."""
    heading, words = REFUSALS.get(status, ("无法完成请求", f"请求未能完成（HTTP {status}）。"))
    said = f"<p>{html.escape(detail)}</p>" if detail and re.search(r"[\u4e00-\u9fff]", detail) else ""
    page = _page(title or heading, f"<div class=refusal id=refusal data-status={status}>{said}<p>{words}</p></div>"
                 "<p><a href='javascript:history.back()'>返回上一页</a> · <a href='/hisbridge/ledger/'>投递台账</a></p>",
                 status=status)
    for name, value in (headers or {}).items():
        page.headers[name] = value
    return page


def _record_head(r: dict[str, Any]) -> str:
    return (f"<p id=record-head>接口 {html.escape(r['feed'])} · 业务键 {html.escape(r['business_key'])} · "
            f"状态 <b class={r['state']}>{STATE_NAMES[r['state']]}</b> · 发送 {r['attempts']} 次 · "
            f"数据窗口 <span id=window>{window(r['window_start'], r['window_end'])}</span></p>"
            f"<p class=meta>首次登记 {when(r['first_seen_at'])} · 最后更新 {when(r['updated_at'])}（{LABEL}）"
            + (f" · 更正键 {html.escape(r['correction_key'])}" if r.get("correction_key") else "") + "</p>"
            f"<p id=reason>原因：{html.escape(mask_text(explain(r['reason'] or '-')))}</p>")


def _clear_notice(r: dict[str, Any], task: tuple[str, str] | None, airflow_ui: str, *, fresh: bool) -> str:
    """After a re-queue: the record is sent when its window runs again, and that window has already run — say how
    to clear it (the task instance in Airflow's UI, or the exact command)."""
    head = "已重新排队。" if fresh else "本记录已重新排队，等待重发。"
    start, end = r["window_start"], r["window_end"]
    if start is None or end is None:
        return (f"<div class='notice ok' id=clear-notice><p>{head}下次运行接口 {html.escape(r['feed'])} 时重发"
                "（本记录没有数据窗口）。</p></div>")
    parts = [f"<div class='notice ok' id=clear-notice><p><b>{head}</b>记录只在其数据窗口 {window(start, end)} "
             "再次运行时重发；这个窗口已经运行过，调度器不会自动再运行它。请清除该窗口的任务（只会重发重新排队的记录，"
             "已确认的记录不会重复上报）：</p><ul>"]
    if task:
        dag, task_id = task
        run_id = r.get("run_id") or ""
        if run_id and not run_id.startswith("manual:"):
            link = (f"{airflow_ui}/dags/{quote(dag, safe='')}/runs/{quote(run_id, safe='')}/tasks/"
                    f"{quote(task_id, safe='')}")
            parts.append(f"<li>在 Airflow 界面：<a id=clear-link href='{html.escape(link)}'>打开该窗口的任务 "
                         f"{html.escape(dag)} · {html.escape(task_id)}</a>，点“清除”（Clear）。</li>")
        at = wall_clock_arg(start)
        command = (f"airflow tasks clear {dag} -t '^{re.escape(task_id)}$' -s {at} -e {at} -y")
        parts.append(f"<li>或在 Airflow 所在机器执行（逻辑日期即窗口开始，{LABEL}）：<code class=cmd id=clear-command>"
                     f"{html.escape(command)}</code></li>")
    else:
        parts.append(f"<li>在 Airflow 中找到运行接口 {html.escape(r['feed'])} 的 DAG，清除逻辑日期为 "
                     f"{wall_clock_arg(start)} 的运行中该接口的任务。</li>")
    parts.append("</ul></div>")
    return "".join(parts)


def _history_html(steps: list[Step]) -> str:
    if not steps:
        return "<h3>处理经过</h3><p>没有记录。</p>"
    items = []
    for n, st in enumerate(steps, 1):
        msg = st.message
        lines = [f"<li class='step {st.kind}' id=step-{n} data-kind={st.kind}><span class=step-title>{html.escape(st.title)}"
                 f"</span> · {when(st.at)}"]
        if st.actor:
            lines.append(f" · {html.escape(st.actor)}")
        if st.why:
            lines.append(f"<div class=why>原因：{html.escape(mask_text(st.why))}</div>")
        if msg is not None:
            row = f"本记录 <b class={st.outcome}>{OUTCOME_NAMES.get(st.outcome or '', st.outcome or '-')}</b>"
            words = f" · 平台说明：{html.escape(mask_text(st.err_msg))}" if st.err_msg else ""
            lines.append(
                f"<div class=meta>报文 <b>{html.escape(msg['msgid'])}</b> {html.escape(msg['operation'])} · "
                f"报文结果 {OUTCOME_NAMES.get(msg['outcome'], msg['outcome'])} · {row}{words} · "
                f"HTTP {msg.get('http_status') or '-'} · {msg.get('duration_ms') or '-'} ms"
                + (f" · 平台流水 {html.escape(msg['platform_ref'])}" if msg.get("platform_ref") else "") + "</div>")
            lines.extend(f"<div class=meta>{html.escape(note)}</div>" for note in st.notes)
            if st.request_row:
                lines.append(f"<div>本记录的内容：</div><pre class=row>{html.escape(mask_text(st.request_row))}</pre>")
            if st.answer_row:
                lines.append(f"<div>平台对本记录的应答：</div><pre class=row>{html.escape(mask_text(st.answer_row))}</pre>")
            full = (f"<pre>{html.escape(mask_text(msg.get('request') or ''))}</pre>"
                    f"<div>应答：</div><pre>{html.escape(mask_text(msg.get('response') or ''))}</pre>")
            opened = "" if st.request_row else " open"
            lines.append(f"<details class=full{opened}><summary>显示完整报文</summary>{full}</details>")
        lines.append("</li>")
        items.append("".join(lines))
    return (f"<h3>处理经过（每条触及本记录的报文和状态变更，按时间先后，{LABEL}）</h3>"
            f"<ol class=history id=history>{''.join(items)}</ol>")


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
