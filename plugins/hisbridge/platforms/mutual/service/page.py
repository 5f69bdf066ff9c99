"""The 互认 page, rendered on the server: header, the list of other hospitals' reports, an empty detail pane and
the decision bar; ``static/mutual_page.js`` (one small file, no framework, no CDN) opens reports and records
decisions through the page's JSON API and updates the list in place.

Made for a workstation screen of 1366×768: the list and the report side by side, the list scrolling on its own,
the decision bar always in reach. Everything shown is escaped here or set as text by the script; the patient's
name is masked (张*三). Times are Beijing time and say so.

Stable hooks for browser tests (and for sites that restyle the page):

==========================================  ==================================================================
``#mutual-page``                             root; ``data-type`` lab|exam, ``data-mode`` recognize|view,
                                             ``data-patient``, ``data-visit``, ``data-doctor``, ``data-api``
``#patient-name`` ``#patient-id``            header: masked name, HIS patient id, ``#visit-id``, ``#doctor-id``
``#mutual-message``                          the confirmation or error of the last action (``data-kind``
                                             ok | error | info)
``#list-status``                             the list's state (``data-status`` ok | unavailable)
``#report-list tr.report-row``               one report: ``data-report-id``, ``data-decision``; cells
                                             ``.col-item`` ``.col-org`` ``.col-time`` ``.col-summary`` ``.col-decision``
``#report-detail``                           the opened report (``data-report-id``, ``data-decision``), with
                                             ``#detail-title``, ``#detail-meta``, ``#detail-items tr.detail-item``,
                                             ``#detail-bacteria``, ``#detail-suscept``, ``#detail-findings``,
                                             ``#detail-conclusion``, ``#detail-state``
``#decision-bar``                            absent in view mode: ``#btn-recognise``, ``#reject-form`` with
                                             ``#reason-select`` and ``#diag-name``, ``#btn-reject``, ``#btn-revoke``,
                                             ``#btn-quote`` (lab pages only)
==========================================  ==================================================================
"""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse

from hisbridge.pages import STYLE
from hisbridge.platforms.mutual.codes import REASON_TABLE
from hisbridge.platforms.mutual.service.identity import Identity
from hisbridge.platforms.mutual.service.privacy import masked_name
from hisbridge.platforms.mutual.service.schemas import PageReportsAnswer
from hisbridge.platforms.mutual.service.tickets import PageContext

SHANGHAI = ZoneInfo("Asia/Shanghai")
GENDERS = {"1": "男", "2": "女"}
KINDS = {"lab": "检验报告", "exam": "检查报告"}

#: the page's own layout, beside the shared stylesheet (no CDN, no web fonts)
PAGE_STYLE = """<style>
body{margin:0;font-size:14px}
#mutual-header{display:flex;flex-wrap:wrap;gap:.3rem 1.5rem;align-items:baseline;padding:.6rem 1rem;
 background:#f3f5f7;border-bottom:1px solid #d5dae0}
#mutual-header h1{font-size:1.15rem;margin:0 1rem 0 0}
#mutual-header .who b{font-weight:600}
#mutual-message{min-height:1.4rem;margin:.4rem 1rem;padding:.25rem .5rem}
#mutual-message[data-kind=ok]{background:#e8f5ec;color:#1b7f3b}
#mutual-message[data-kind=error]{background:#fdecee;color:#b00020}
#mutual-message[data-kind=info]{background:#eef3fb;color:#1f4e8c}
.cols{display:flex;gap:1rem;padding:0 1rem;height:calc(100vh - 7.5rem)}
#report-list-panel{flex:0 0 56%;overflow:auto}
#report-detail{flex:1 1 auto;overflow:auto;border-left:1px solid #d5dae0;padding-left:1rem}
#report-list{width:100%}
#report-list tr.report-row{cursor:pointer}
#report-list tr.report-row:hover,#report-list tr.report-row:focus{background:#f0f6ff;outline:none}
#report-list tr.report-row.selected{background:#dfeafc}
tr[data-abnormal=true] td.col-summary,tr.detail-item[data-abnormal=true]{color:#b00020}
.col-decision[data-decision=recognised]{color:#1b7f3b}
.col-decision[data-decision=not_recognised]{color:#b00020}
#decision-bar{position:sticky;bottom:0;background:#fff;border-top:1px solid #d5dae0;padding:.5rem 0;display:flex;
 flex-wrap:wrap;gap:.5rem;align-items:center}
#decision-bar button{padding:.3rem .9rem;font-size:.95rem}
#decision-bar select,#decision-bar input{font-size:.95rem;padding:.2rem}
#reject-form{display:inline-flex;gap:.4rem;align-items:center}
#diag-name{width:10rem}
h3{margin:.6rem 0 .3rem;font-size:1rem}
</style>"""


def _text(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _age(birth: date | None) -> str:
    if birth is None:
        return ""
    today = datetime.now(SHANGHAI).date()
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"{years}岁"


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _shell(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang=zh-CN><meta charset=utf-8>"
                        f"<meta name=viewport content='width=device-width,initial-scale=1'><link rel=icon href='data:,'>"
                        f"<title>{_text(title)}</title>{STYLE}{PAGE_STYLE}{body}</html>", status_code=status)


def error_page(message: str, status: int) -> HTMLResponse:
    """The page's answer when it cannot be opened (bad or expired ticket, missing parameters)."""
    return _shell("检查检验结果互认", f"<div id=mutual-page data-error=true><header id=mutual-header>"
                  f"<h1>检查检验结果互认</h1></header><p id=mutual-message data-kind=error role=alert>"
                  f"{_text(message)}</p></div>", status)


def render(ctx: PageContext, identity: Identity | None, listing: PageReportsAnswer, *, ticket: str | None,
           base: str) -> HTMLResponse:
    kind = KINDS[ctx.type]
    if identity is not None:
        person = " ".join(p for p in (GENDERS.get(identity.gender or "", ""), _age(identity.birth_date)) if p)
        who = (f"<span class=who>病人 <b id=patient-name>{_text(masked_name(identity.name))}</b>"
               f"{(' ' + _text(person)) if person else ''}</span>")
    else:
        who = "<span class=who>病人 <b id=patient-name>（HIS 中未找到）</b></span>"
    mode = "查看" if ctx.mode == "view" else "互认"
    header = (f"<header id=mutual-header><h1>检查检验结果互认 · {kind}</h1>{who}"
              f"<span>病人ID <b id=patient-id>{_text(ctx.patient_id)}</b></span>"
              f"<span>就诊 <b id=visit-id>{_text(ctx.visit_id)}</b></span>"
              f"<span>医生 <b id=doctor-id>{_text(ctx.doctor_id)}</b></span>"
              f"<span>模式 <b id=page-mode>{mode}</b></span></header>")
    rows = "".join(_row(p.report, p.state) for p in listing.reports)
    if not rows:
        rows = "<tr class=empty><td colspan=5>没有可显示的外院报告</td></tr>"
    listing_html = (f"<section id=report-list-panel><h3>外院{kind}</h3>"
                    f"<p id=list-status data-status={listing.status}>{_text(listing.message)}</p>"
                    "<table id=report-list><thead><tr><th>项目</th><th>医院</th><th>报告时间（北京时间）</th>"
                    f"<th>结果摘要</th><th>本次决定</th></tr></thead><tbody>{rows}</tbody></table></section>")
    detail = ("<section id=report-detail data-report-id='' hidden><h3 id=detail-title></h3>"
              "<p id=detail-meta class=note></p><p>本次决定：<b id=detail-state></b></p>"
              "<table id=detail-items><thead><tr><th>项目</th><th>结果</th><th>单位</th><th>参考范围</th><th>标识</th></tr>"
              "</thead><tbody></tbody></table>"
              "<table id=detail-bacteria hidden><thead><tr><th>细菌</th><th>菌落计数</th><th>结果</th></tr></thead>"
              "<tbody></tbody></table>"
              "<table id=detail-suscept hidden><thead><tr><th>细菌</th><th>抗菌药物</th><th>结果</th><th>MIC</th></tr>"
              "</thead><tbody></tbody></table>"
              "<p><b>所见/描述：</b><span id=detail-findings></span></p>"
              "<p><b>结论：</b><span id=detail-conclusion></span></p>"
              f"{_decision_bar(ctx) if ctx.mode == 'recognize' else ''}</section>")
    data = {"type": ctx.type, "mode": ctx.mode, "patient": ctx.patient_id, "visit": ctx.visit_id,
            "doctor": ctx.doctor_id, "ticket": ticket or "", "api": f"{base}/api/v1/page"}
    attrs = " ".join(f"data-{k}='{_text(v)}'" for k, v in data.items())
    body = (f"<div id=mutual-page {attrs}>{header}<p id=mutual-message role=status aria-live=polite data-kind=info>"
            "点击一份报告查看详情</p><main class=cols>"
            f"{listing_html}{detail}</main><p class=note style='margin:.3rem 1rem'>时间均为北京时间（Asia/Shanghai）。"
            f"</p></div><script src='{_text(base)}/static/mutual-page.js' defer></script>")
    return _shell(f"检查检验结果互认 · {kind}", body)


def _row(report, state) -> str:
    abnormal = "true" if report.abnormal else "false"
    return (f"<tr class=report-row tabindex=0 data-report-id='{_text(report.reportId)}' "
            f"data-decision={_text(state.decision)} data-abnormal={abnormal}>"
            f"<td class=col-item>{_text(report.itemName or report.reportName or report.itemCode)}</td>"
            f"<td class=col-org>{_text(report.reportOrgName or report.reportOrgCode)}</td>"
            f"<td class=col-time>{_text(_time(report.reportTime))}</td>"
            f"<td class=col-summary>{_text(report.resultSummary)}</td>"
            f"<td class=col-decision data-decision={_text(state.decision)}>{_text(_decision_words(state))}</td></tr>")


def _decision_words(state) -> str:
    if state.decision == "not_recognised" and state.reasonName:
        return f"不互认：{state.reasonName}"
    return state.decisionName


def _decision_bar(ctx: PageContext) -> str:
    options = "".join(f"<option value={r.code}{' data-needs-diag=true' if r.needs_diag_name else ''}>"
                      f"{r.code} {_text(r.title)}{'（不计入不互认）' if not r.counted else ''}</option>"
                      for r in REASON_TABLE)
    quote = "<button id=btn-quote type=button>引用</button>" if ctx.type == "lab" else ""
    return ("<div id=decision-bar><button id=btn-recognise type=button>互认</button>"
            "<form id=reject-form novalidate><select id=reason-select name=reasonCode required>"
            f"<option value=''>请选择不互认原因</option>{options}</select>"
            "<input id=diag-name name=diagName maxlength=100 placeholder='疾病名称（原因 99 必填）' hidden>"
            "<button id=btn-reject type=submit>不互认</button></form>"
            f"<button id=btn-revoke type=button>撤销不互认</button>{quote}</div>")
