"""The alert page (告警) of the Airflow UI: one FastAPI app, mounted by the plugin at ``/hisbridge-alerts`` and
runnable alone under uvicorn.

``GET /``      the incidents, newest first: ``?status=open`` (default: not yet recovered) or ``?status=all``,
               ``?feed=<feed>`` (those that concern a feed: its SLA, backlogs, its DAG's failed tasks and missed
               windows); per incident its number, kind, what it concerns, state, since when, the last message,
               the recovery, how many messages, the subject and the fix.
``GET /{id}``  one incident: what broke and since when, who took it, every message sent for it (channel, event,
               the channel's answer), the fix command and the pages that help (the feed's records, the DAG …).
``POST /{id}/ack``  认领: the logged-in user takes the open incident (an optional note) — no more reminders, the
               recovery names them, the chat robots hear "已由 X 认领" (:meth:`hisbridge.ops.alerts.Alerter.acknowledge`).

Who may act is decided as on the ledger pages: ``current_user`` is a FastAPI dependency giving the name of a user
allowed to act (the plugin: Airflow's right to edit DAG runs), ``None`` for one who may only look. Viewers see the
incident without the form, and a POST of theirs gets a Chinese 403 page; without ``current_user`` the page is
read-only and there is no POST route. The acting user is always the logged-in one, never a name typed in the form.
The form carries a signed token bound to that user and must come from this page's own origin
(:mod:`hisbridge.ops.ledger_guard`): a page on another port of the same host, which gets the Airflow cookie too,
cannot take incidents in the operator's name.

An incident is never closed from here: it closes when the check or task that raised it sees the fault gone.
Times are Asia/Shanghai and labelled; the style is the shared local stylesheet; no script, nothing from a CDN.
The incidents are :mod:`hisbridge.ops.alerts` ``alert_incident`` / ``alert_notification`` rows of the ledger.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hisbridge.ledger.store import Ledger
from hisbridge.logging import mask_text
from hisbridge.ops.alerts.channels import Sender
from hisbridge.ops.alerts.config import AlertsConfig, Channel, cached_config
from hisbridge.ops.alerts.dispatch import Alerter
from hisbridge.ops.alerts.incidents import (
    ACKED_WORDS,
    EVENT_WORDS,
    LABEL,
    OUTCOME_WORDS,
    ack_words,
    answer_words,
    channel_words,
    default_feed_dags,
    find,
    kind_title,
    lasted,
    links_of,
    state_words,
    target_of,
    when,
)
from hisbridge.ops.alerts.state import ACKED, OPEN, RESOLVED, TAKEN, UNKNOWN_INCIDENT, Incident, IncidentStore
from hisbridge.ops.ledger_guard import FormGuard, editor_or_none
from hisbridge.pages import STYLE

#: the form field carrying the signed form token (as on the ledger pages)
TOKEN_FIELD = "form_token"
REFUSALS = {
    401: "请先登录 Airflow。",
    403: "认领告警需要“编辑 DAG 运行”的权限（Airflow 角色 User、Op 或 Admin），您的账号只能查看。"
         "请联系有权限的同事认领，或在群里告知。",
    404: "没有这条告警。",
}

ALERTS_STYLE = """<style>
.status-open{color:#b00020;font-weight:bold}.status-resolved{color:#1b7f3b}.status-acked{color:#8a5a00;font-weight:bold}
tr.incident.open.acked td:first-child{border-left:4px solid #e0a800}small.acked{display:block;color:#555;font-weight:normal}
.notice{border:1px solid #e0b252;background:#fff8e6;padding:.5rem .75rem;margin:.75rem 0}
.notice.ok{border-color:#7fbf8e;background:#eef8f0}.refusal{border:1px solid #d9a0a8;background:#fdecea;padding:.75rem}
form#ack{border:1px solid #ddd;padding:.5rem .75rem;margin:.75rem 0}
tr.incident.open td:first-child{border-left:4px solid #d93025}tr.incident.resolved td:first-child{border-left:4px solid #1e8e3e}
td.fix{font-size:.8rem;max-width:30rem;word-break:break-all}td.subject{max-width:24rem}
nav.filters a{margin-right:.75rem}nav.filters a.current{font-weight:bold;color:#222;text-decoration:none}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.25rem 1rem}dl.facts dt{color:#555}dl.facts dd{margin:0}
code.cmd{display:block;background:#f7f7f7;padding:.4rem;white-space:pre-wrap;word-break:break-all}
td.nowrap{white-space:nowrap}td.sent{color:#1b7f3b}td.failed{color:#b00020}td.skipped{color:#8a5a00}
</style>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang=zh-CN><meta charset=utf-8><link rel=icon href='data:,'>"
                        f"<title>{html.escape(title)}</title>{STYLE}{ALERTS_STYLE}<h2>{html.escape(title)}</h2>{body}"
                        f"<p class=note>页面上的时间均为{LABEL}（Asia/Shanghai）。</p></html>", status_code=status)


def _status(incident: Incident) -> str:
    shown = "acked" if incident.status == OPEN and incident.ack else incident.status
    return f"<span class=status-{shown} data-field=status>{state_words(incident)}</span>"


def _acked_by(incident: Incident) -> str:
    """Under 已认领 in the list: who and when (北京时间, as the column heads say)."""
    if incident.ack is None:
        return ""
    return (f"<small class=acked data-field=acked>{html.escape(incident.acked_by or '-')} "
            f"{when(incident.acked_at)}</small>")


def _row(incident: Incident, feed_dags: Mapping[str, str]) -> str:
    target = target_of(incident.key, feed_dags)
    i = incident
    acked = " acked" if i.ack and i.status == OPEN else ""
    return (f"<tr class='incident {i.status}{acked}' data-incident={i.id} data-status={i.status}>"
            f"<td class=n><a class=detail href='{i.id}'>{i.id}</a></td>"
            f"<td class=nowrap>{html.escape(kind_title(i.kind))}</td>"
            f"<td data-field=target>{html.escape(target.label)}</td><td class=nowrap>{_status(i)}{_acked_by(i)}</td>"
            f"<td class=nowrap data-field=since>{when(i.since)}</td>"
            f"<td class=nowrap data-field=notified>{when(i.notified_at)}</td>"
            f"<td class=nowrap data-field=resolved>{when(i.resolved_at)}</td>"
            f"<td class=n data-field=count>{i.notify_count}</td>"
            f"<td class=subject>{html.escape(mask_text(i.subject))}</td>"
            f"<td class=fix>{html.escape(mask_text(i.fix or '-'))}</td></tr>")


def render_list(incidents: Sequence[Incident], feed_dags: Mapping[str, str], *, open_only: bool,
                feed: str | None) -> str:  # fmt: skip
    """The list page's body."""
    keep = f"&feed={quote(feed)}" if feed else ""
    tabs = (f"<nav class=filters id=filters>"
            f"<a href='?status=open{keep}' class='{'current' if open_only else ''}' id=show-open>未恢复</a>"
            f"<a href='?status=all{keep}' class='{'' if open_only else 'current'}' id=show-all>全部（含已恢复）</a>"
            + (f"· 接口 <b>{html.escape(feed)}</b> <a href='?status={'open' if open_only else 'all'}' id=clear-feed>"
               "不限接口</a>" if feed else "") + "</nav>")
    if not incidents:
        body = f"<p id=empty>{'没有未恢复的告警。' if open_only else '没有告警记录。'}</p>"
    else:
        head = "".join(f"<th>{h}</th>" for h in ("告警编号", "类别", "对象", "状态", f"开始于<br><small>（{LABEL}）</small>",
                                                 f"最近提醒<br><small>（{LABEL}）</small>",
                                                 f"恢复时间<br><small>（{LABEL}）</small>", "通知次数", "摘要",
                                                 "处理命令"))
        rows = "".join(_row(i, feed_dags) for i in incidents)
        body = f"<table id=incidents><tr>{head}</tr>{rows}</table>"
    explain = ("<p class=note>同一问题只告警一次，未恢复时按 alerts.yaml 的 renotify_after 再提醒；问题消除时由发现它的检查或任务"
               f"关闭并发送“已恢复”。{ACKED_WORDS}：有人已在处理，不再提醒，恢复时照常通知。点告警编号看详情、每条发送记录和认领。</p>")
    return tabs + body + explain


def render_detail(store: IncidentStore, incident: Incident, feed_dags: Mapping[str, str], config: AlertsConfig,
                  now: datetime, *, ledger_url: str, health_url: str, airflow_url: str) -> str:  # fmt: skip
    """One incident's page body."""
    i = incident
    target = target_of(i.key, feed_dags)
    going = "已持续" if i.status == OPEN else "持续"
    facts = [("状态", _status(i)), ("类别", html.escape(kind_title(i.kind))), ("对象", html.escape(target.label)),
             ("出了什么问题", f"<span id=detail>{html.escape(mask_text(i.detail or i.subject))}</span>"),
             ("开始于", f"<span data-field=since>{when(i.since)}</span>（{LABEL}），{going} {lasted(i, now)}"),
             ("首次发现", f"{when(i.opened_at)}（{LABEL}）"), ("最近发现", f"{when(i.last_seen_at)}（{LABEL}）"),
             ("最近提醒", f"<span data-field=notified>{when(i.notified_at)}</span>（{LABEL}）· 已通知 {i.notify_count} 次")]
    taken = ack_words(i, label=True)
    if taken:
        facts.append(("认领", f"<span id=acked>{html.escape(taken)}</span>"
                             + ("<br><small>不再定时提醒，恢复时照常通知</small>" if i.status == OPEN else "")))
    if i.resolved_at is not None:
        facts.append(("恢复时间", f"<span data-field=resolved>{when(i.resolved_at)}</span>（{LABEL}）· "
                                f"由 {html.escape(i.resolved_by or '-')} 发现已恢复"))
    parts = ["<dl class=facts id=facts>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>",
             f"<h3>怎么处理</h3><code class=cmd id=fix>{html.escape(mask_text(i.fix or '-'))}</code>"]
    pages = links_of(i, target, ledger_url=ledger_url, health_url=health_url, airflow_url=airflow_url)
    if pages:
        parts.append("<ul id=pages>" + "".join(f"<li><a href='{html.escape(href, quote=True)}'>{html.escape(label)}"
                                               "</a></li>" for label, href in pages) + "</ul>")
    sent = store.notifications(i.id)
    types = {name: ch.type for name, ch in config.channels.items()}
    if sent:
        rows = "".join(
            f"<tr class=notification data-event={n['event']} data-outcome={n['outcome']}><td>{when(n['at'])}</td>"
            f"<td>{EVENT_WORDS.get(n['event'], n['event'])}</td><td>{html.escape(channel_words(n['channel'], types))}"
            f"</td><td class={n['outcome']}>{OUTCOME_WORDS.get(n['outcome'], n['outcome'])}</td>"
            f"<td>{html.escape(mask_text(answer_words(n['outcome'], n['error'])))}</td></tr>" for n in sent)
        parts.append(f"<h3>发送记录（每条消息、每个渠道）</h3><table id=notifications><tr><th>时间<br><small>（{LABEL}）"
                     f"</small></th><th>事件</th><th>渠道</th><th>结果</th><th>渠道应答</th></tr>{rows}</table>")
    else:
        parts.append("<h3>发送记录</h3><p id=notifications>尚未发送过消息。</p>")
    parts.append("<p><a href='./' id=back>返回告警列表</a></p>")
    return "".join(parts)


def _ack_block(incident: Incident, *, acting: bool, user: str | None, token: str | None, fresh: bool,
               told: Sequence[dict]) -> str:  # fmt: skip
    """Above the facts: the notice after one's own acknowledgement, the form (open, not yet taken, a user who may
    act), or why there is none (a viewer)."""
    parts = []
    if fresh and incident.ack:
        sent = [n for n in told if n["event"] == "acknowledged" and n["outcome"] == "sent"]
        group = (f"群里已收到“已由 {html.escape(incident.acked_by or '-')} 认领”。" if sent
                 else "认领通知未送达任何渠道（见下方发送记录）。")  # fmt: skip
        parts.append(f"<div class='notice ok' id=ack-notice>已认领。不再定时提醒；问题消除时仍会发送恢复通知。{group}</div>")
    if not acting or incident.status != OPEN or incident.ack is not None:
        return "".join(parts)
    if user and token:
        parts.append(f"<form method=post action='{incident.id}/ack' id=ack>认领（表示您正在处理，之后不再定时提醒）："
                     f"<input type=hidden name={TOKEN_FIELD} value='{html.escape(token, quote=True)}'>"
                     "<input name=note maxlength=500 size=40 placeholder='备注（可选），如：已联系厂商'> "
                     f"<button>以 {html.escape(user)} 的名义认领</button></form>")
    else:
        parts.append("<p class=notice id=read-only>只读：认领告警需要“编辑 DAG 运行”的权限，您的账号只能查看。"
                     "请联系有权限的同事认领。</p>")
    return "".join(parts)


def _refusal(status: int, detail: str = "", *, title: str = "告警") -> HTMLResponse:
    """A refusal people can read, in Chinese, the status kept."""
    words = REFUSALS.get(status, f"请求未能完成（HTTP {status}）。")
    said = f"<p>{html.escape(detail)}</p>" if detail and re.search(r"[\u4e00-\u9fff]", detail) else ""
    return _page(title, f"<div class=refusal id=refusal data-status={status}>{said}"
                 f"{'' if said and status == 409 else f'<p>{words}</p>'}</div>"
                 "<p><a href='/hisbridge-alerts/'>告警列表</a></p>", status=status)


def create_alerts_app(ledger_factory: Callable[[], Ledger], *, dependencies: Sequence[Any] = (),
                      clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                      feed_dags: Callable[[], Mapping[str, str]] = default_feed_dags,
                      config: Callable[[], AlertsConfig] = cached_config, ledger_url: str = "/hisbridge/ledger",
                      health_url: str = "/hisbridge-health/", airflow_url: str = "",
                      current_user: Callable[..., str | None] | None = None, form_secret: bytes | str | None = None,
                      trusted_origins: Sequence[str] = (),
                      senders: Callable[[str, Channel], Sender] | None = None) -> FastAPI:
    """``dependencies`` guard every route (the plugin passes Airflow's authentication); ``clock`` gives "now"
    (tests pin it); ``feed_dags`` maps each feed to its DAG; ``config`` is alerts.yaml (channels, the ack notice);
    ``ledger_url``, ``health_url`` and ``airflow_url`` are where the ledger pages, the health page and the
    Airflow UI are ("" = the root of this host).

    ``current_user`` is a FastAPI dependency returning the name of the logged-in user when that user may act
    (acknowledge), ``None`` for one who may only look; without it the page is read-only. ``form_secret`` signs the
    form's token (Airflow's ``[api] secret_key``; without it a per-process random one), ``trusted_origins`` are
    other origins the form may come from (a reverse proxy's public address); ``senders`` builds a channel's sender
    (default: from its Airflow connection)."""
    app = FastAPI(title="hisbridge 告警", docs_url=None, redoc_url=None, dependencies=list(dependencies))
    guard = FormGuard(form_secret, trusted_origins=trusted_origins)
    # a default, not an annotation: annotations are strings here and cannot see this closure's variable
    who = Depends(editor_or_none(current_user))

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> Response:
        return _refusal(exc.status_code, str(exc.detail or ""))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.method == "POST":
            return _page("告警", "<p class=refusal id=refusal data-status=422>备注不能超过 500 字。请返回上一页修改后再提交。"
                         "</p><p><a href='javascript:history.back()'>返回上一页</a></p>", status=422)
        return _page("告警", "<p class=refusal id=refusal data-status=422>地址中的告警编号或筛选条件不正确。</p>"
                     "<p><a href='/hisbridge-alerts/'>告警列表</a></p>", status=422)

    def store() -> IncidentStore:
        return IncidentStore(ledger_factory().engine, clock)

    @app.get("/", response_class=HTMLResponse)
    def incidents(status: Literal["open", "all"] = "open", feed: Annotated[str | None, Query(max_length=64)] = None,
                  limit: Annotated[int, Query(ge=1, le=2000)] = 300) -> HTMLResponse:
        open_only = status == "open"
        dags = feed_dags()
        found = find(store(), open_only=open_only, feed=feed or None, feed_dags=dags, limit=limit)
        title = f"告警 · {'未恢复' if open_only else '全部'}" + (f" · {feed}" if feed else "")
        return _page(title, render_list(found, dags, open_only=open_only, feed=feed or None))

    @app.get("/{incident_id}", response_class=HTMLResponse)
    def incident(incident_id: int, acked: bool = False, user: str | None = who) -> HTMLResponse:
        s = store()
        found = s.incident(incident_id)
        if found is None:
            raise HTTPException(404, "没有这条告警")
        head = _ack_block(found, acting=current_user is not None, user=user,
                          token=guard.token(user) if user else None, fresh=acked,
                          told=s.notifications(found.id) if acked else ())  # fmt: skip
        body = render_detail(s, found, feed_dags(), config(), clock(), ledger_url=ledger_url, health_url=health_url,
                             airflow_url=airflow_url)  # fmt: skip
        title = f"告警 {found.id} · {kind_title(found.kind)}：{mask_text(found.subject)}"
        return _page(title, head + body)

    if current_user is not None:
        @app.post("/{incident_id}/ack")
        def acknowledge(request: Request, incident_id: int,
                        note: Annotated[str | None, Form(max_length=500)] = None,
                        form_token: Annotated[str | None, Form()] = None, user: str | None = who) -> Response:
            if not user:
                return _refusal(403)
            problem = guard.origin_problem(request) or guard.token_problem(user, form_token)
            if problem:
                return _refusal(403, problem, title="已拒绝：请求不是从本页面提交的")
            made = {} if senders is None else {"senders": senders}
            result = Alerter(store(), config(), clock=clock, **made).acknowledge(incident_id, user, note)
            if result.status == UNKNOWN_INCIDENT or result.incident is None:
                raise HTTPException(404, "没有这条告警")
            taken = result.incident
            if result.status == RESOLVED:
                return _refusal(409, f"告警 {incident_id} 已于 {when(taken.resolved_at)}（{LABEL}）恢复，无需认领。",
                                title="不能认领")
            if result.status == TAKEN and taken.acked_by != user:
                return _refusal(409, f"告警 {incident_id} 已由 {ack_words(taken, label=True)}，无需重复认领。",
                                title="不能认领")
            root = request.scope.get("root_path", "")
            return RedirectResponse(f"{root}/{incident_id}" + ("?acked=1" if result.status == ACKED else ""),
                                    status_code=303)

    return app


