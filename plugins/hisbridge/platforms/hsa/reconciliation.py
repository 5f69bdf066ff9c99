"""医保日对账 and 月度对账 (3201 对总账, 3202 对明细账 with 9101/9102 files; hsa.md §4.6, §4.11, §5.4): jobs for
``HsaJobOperator``.

``daily(ctx)`` reconciles one day: a 3201 per (结算经办机构, 险种, 清算类别) with the HIS's totals
(:mod:`~hisbridge.platforms.hsa.reconciliation_plan` builds them, and
:mod:`~hisbridge.platforms.hsa.reconciliation_detail` the 3202 files); for a 不平 group the (agency, 清算类别) scope's
detail file goes up (9101), 3202 compares it, and the result file comes down (9102) and is read settlement by
settlement: only in the HIS, only on the platform, different, or the same. ``monthly(ctx)`` sends the 3201s of a
calendar month and lists the month's days whose daily reconciliation was not 平 (from the journal).

Nothing is sent twice. Every message is journalled (``call_journal``) under a business reference such as
``3201/360100/310/11/2026-11-24``; before sending, the journal is searched for an answered call with the same
reference and the same input (same totals; for the files, the same bytes — the zip is built deterministically), and
its answer is used instead. Changed HIS data gives a different input and is sent again; ``params["resend"]``
sends everything again. A refusal is journalled too and is not sent again until the data changes.

Faults: a refusal (or an input our own declaration refuses) is reported for its group and the others go on. A
transport fault (platform unreachable, busy, answer lost) leaves its group "未完成": the other groups are still
done and the report written, then :class:`ReconciliationIncomplete` is raised so that Airflow retries; the retry
reuses what the journal holds. 9102's answer is the file itself, which the gateway cannot carry: it is sent by the
client and journalled here in the same table, the file kept (Base64) with the answer.

Logs name groups, outcomes and counts — never a settlement's person (the report, for 医保办, has them).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from hisbridge.ledger.store import JournalEntry
from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.client import FILE_DOWNLOAD
from hisbridge.platforms.hsa.errors import GatewayRejected, HsaError, NotSent, Rejected
from hisbridge.platforms.hsa.gateway.errors import GatewayError
from hisbridge.platforms.hsa.gateway.service import validated
from hisbridge.platforms.hsa.jobs import JobContext
from hisbridge.platforms.hsa.reconciliation_detail import (
    ScopeResult,
    classify,
    detail_file,
    detail_file_name,
    parse_result_file,
)
from hisbridge.platforms.hsa.reconciliation_plan import (
    GroupKey,
    GroupResult,
    HisSettlement,
    ReconConfig,
    ScopeKey,
    Totals,
    counts,
    detail_body,
    load_config,
    plan_groups,
    read_settlements,
    scope_rows,
    totals_body,
)
from hisbridge.platforms.hsa.reconciliation_report import (
    DayStatus,
    daily_figures,
    daily_report,
    monthly_report,
)
from hisbridge.platforms.hsa.txns.files import FileUploadOutput
from hisbridge.platforms.hsa.txns.reconciliation import DetailOutput, TotalsOutput
from hisbridge.reports import write_report

log = logging.getLogger("hisbridge.hsa.reconciliation")

PLATFORM = "hsa"
#: gateway error codes that are the platform's (or our declaration's) answer about the data: reported, not retried
_REFUSALS = ("platform_refused", "invalid_input")


class ReconciliationIncomplete(RuntimeError):
    """Some groups could not be reconciled for a transport fault: the task fails and Airflow retries it."""


class _Transient(Exception):
    pass


@dataclass(frozen=True)
class _Sent:
    output: Mapping[str, Any] | None = None
    refused: str | None = None
    data: bytes | None = None  # 9102
    reused: bool = False


# -- the jobs ------------------------------------------------------------------------------------------------------
def daily(ctx: JobContext) -> dict[str, Any]:
    """One day: 3201 per group, and 9101 → 3202 → 9102 for every (agency, 清算类别) with a 不平 group."""
    day = _one_day(ctx.window)
    config = load_config(ctx.params.get("config"))
    rows = read_settlements(ctx.his, *ctx.window)
    run = _Run(ctx, config, resend=bool(ctx.params.get("resend")))
    groups = [run.totals(key, g_rows, day, day, day.isoformat()) for key, g_rows in plan_groups(rows, config).items()]
    by_id = {r.setl_id: r for r in rows}
    scopes = [run.details(scope, scope_rows(rows, scope, config), by_id, day, day, day.isoformat())
              for scope in sorted({(g.key[0], g.key[2]) for g in groups if g.outcome == "unbalanced"})]
    write_report(daily_report(day, ctx.fixmedins_code, config, groups, scopes), ctx.reports_dir)
    fig = daily_figures(groups, scopes)
    summary = {"day": day.isoformat(), "settlements": sum(g.totals.count for g in groups), "groups": fig.groups,
               "balanced": fig.balanced, "unbalanced": fig.unbalanced, "refused": fig.refused,
               "failed": fig.failed, "detail_scopes": len(scopes), "matched": fig.matched, "his_only": fig.his_only,
               "platform_only": fig.platform_only, "amount_diff": fig.differs}
    log.info("hsa daily reconciliation %s: %s", day, summary)
    if fig.failed:
        raise ReconciliationIncomplete(f"医保日对账 {day}：{fig.failed} 个对账组/明细对账因平台不可达未完成，将重试")
    return summary


def monthly(ctx: JobContext) -> dict[str, Any]:
    """A calendar month: 3201 per group over the month, the HIS's totals per day, and the days whose daily
    reconciliation (as journalled) was not 平."""
    first, last = _one_month(ctx.window)
    config = load_config(ctx.params.get("config"))
    rows = read_settlements(ctx.his, *ctx.window)
    run = _Run(ctx, config, resend=bool(ctx.params.get("resend")))
    period = f"{first:%Y-%m}"
    groups = [run.totals(key, g_rows, first, last, period) for key, g_rows in plan_groups(rows, config).items()]
    days = [run.day_status(day, [r for r in rows if r.setl_time.date() == day])
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))]
    write_report(monthly_report(first, ctx.fixmedins_code, config, groups, days), ctx.reports_dir)
    failed = sum(1 for g in groups if g.outcome == "failed")
    summary = {"month": period, "settlements": sum(g.totals.count for g in groups), "groups": len(groups),
               "balanced": sum(1 for g in groups if g.outcome == "balanced"),
               "unbalanced": sum(1 for g in groups if g.outcome == "unbalanced"),
               "refused": sum(1 for g in groups if g.outcome == "refused"), "failed": failed, "days": len(days),
               "days_not_balanced": sum(1 for d in days if d.status != "平")}
    log.info("hsa monthly reconciliation %s: %s", period, summary)
    if failed:
        raise ReconciliationIncomplete(f"医保月度对账 {period}：{failed} 个对账组因平台不可达未完成，将重试")
    return summary


def _one_day(window: tuple[datetime, datetime]) -> date:
    start, end = window
    if start.time() != datetime.min.time() or end - start != timedelta(days=1):
        raise ValueError(f"日对账的窗口须为一整天（00:00 至次日 00:00），而不是 {start} → {end}")
    return start.date()


def _one_month(window: tuple[datetime, datetime]) -> tuple[date, date]:
    start, end = window
    first = start.date()
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    if start.time() != datetime.min.time() or first.day != 1 or end != datetime.combine(following, start.time()):
        raise ValueError(f"月度对账的窗口须为一个自然月（1 日 00:00 至次月 1 日 00:00），而不是 {start} → {end}")
    return first, following - timedelta(days=1)


# -- one run's messages --------------------------------------------------------------------------------------------
class _Run:
    def __init__(self, ctx: JobContext, config: ReconConfig, *, resend: bool) -> None:
        self.ctx, self.config, self.resend = ctx, config, resend

    # 3201 ------------------------------------------------------------------------------------------------------
    def totals(self, key: GroupKey, rows: list[HisSettlement], begin: date, end: date, period: str) -> GroupResult:
        totals = Totals.of(rows)
        ref = "/".join(("3201", *key, period))
        try:
            sent = self.send("3201", ref, totals_body(key, begin, end, totals, self.config))
        except _Transient as exc:
            return GroupResult(key, totals, "failed", str(exc))
        if sent.refused is not None:
            log.warning("hsa reconciliation %s: refused%s", ref, " (journalled refusal)" if sent.reused else "")
            return GroupResult(key, totals, "refused", sent.refused)
        info = TotalsOutput.model_validate(dict(sent.output or {})).stmtinfo
        if info is None or not info.stmt_rslt:
            return GroupResult(key, totals, "refused", "平台应答中没有对账结果（stmtinfo.stmt_rslt）")
        outcome = "balanced" if info.stmt_rslt in self.config.balanced_codes else "unbalanced"
        log.info("hsa reconciliation %s: %s (%d settlements%s)", ref, outcome, totals.count,
                 ", journalled answer" if sent.reused else "")
        return GroupResult(key, totals, outcome, info.stmt_rslt_dscr or "")

    def day_status(self, day: date, rows: list[HisSettlement]) -> DayStatus:
        """What the journal says of ``day``'s daily 3201s for the HIS data as it is now (nothing is sent)."""
        problems = []
        for key, g_rows in plan_groups(rows, self.config).items():
            ref = "/".join(("3201", *key, day.isoformat()))
            body = totals_body(key, day, day, Totals.of(g_rows), self.config)
            group = "/".join(key)
            try:
                entry = self.journalled("3201", ref, validated(catalogue.get("3201"), body))
            except GatewayError as exc:  # the daily run could not have sent it either
                problems.append((group, "平台拒绝", _words(exc)))
                continue
            if entry is None:
                changed = any(e["operation"] == "3201" for e in self.entries(ref))
                problems.append((group, "HIS 数据已变更" if changed else "未对账", ""))
            elif entry["outcome"] == "rejected":
                problems.append((group, "平台拒绝", entry["err_msg"] or ""))
            else:
                info = TotalsOutput.model_validate(_output_of(entry)).stmtinfo
                if info is None or info.stmt_rslt not in self.config.balanced_codes:
                    problems.append((group, "不平", (info.stmt_rslt_dscr or "") if info else ""))
        order = ("不平", "平台拒绝", "HIS 数据已变更", "未对账")
        status = next((s for s in order if any(p[1] == s for p in problems)), "平")
        return DayStatus(day, Totals.of(r for r in rows if counts(r, self.config)), status, tuple(problems))

    # 9101 → 3202 → 9102 ----------------------------------------------------------------------------------------
    def details(self, scope: ScopeKey, lines: list[HisSettlement], by_id: Mapping[str, HisSettlement], begin: date,
                end: date, period: str) -> ScopeResult:
        totals = Totals.of(lines)
        name = detail_file_name(self.ctx.fixmedins_code, scope, begin, end)
        data = detail_file(lines, name, begin, self.config)
        tag = f"{scope[0]}/{scope[1]}/{period}"
        upload = {"in": data, "filename": f"{name}.zip", "fixmedins_code": self.ctx.fixmedins_code}
        try:
            up = self.send("9101", f"9101/{tag}", upload)
            if up.refused is not None:
                return ScopeResult(scope, totals, "refused", f"9101 文件上传被拒绝：{up.refused}", f"{name}.zip")
            file_qury_no = FileUploadOutput.model_validate(dict(up.output or {})).file_qury_no or ""
            det = self.send("3202", f"3202/{tag}", detail_body(scope, file_qury_no, begin, end, totals, self.config))
            if det.refused is not None and up.reused and not det.reused:
                # the file an earlier run uploaded may be past its dld_endtime: upload it again, once
                up = self.send("9101", f"9101/{tag}", upload, fresh=True)
                file_qury_no = FileUploadOutput.model_validate(dict(up.output or {})).file_qury_no or ""
                det = self.send("3202", f"3202/{tag}",
                                detail_body(scope, file_qury_no, begin, end, totals, self.config))
            if det.refused is not None:
                return ScopeResult(scope, totals, "refused", f"3202 明细对账被拒绝：{det.refused}", f"{name}.zip")
            info = DetailOutput.model_validate(dict(det.output or {})).fileinfo
            if info is None or not info.file_qury_no or not info.filename:
                return ScopeResult(scope, totals, "refused", "3202 应答中没有结果文件（fileinfo）", f"{name}.zip")
            got = self.download(f"9102/{tag}", info.file_qury_no, info.filename)
        except _Transient as exc:
            return ScopeResult(scope, totals, "failed", str(exc), f"{name}.zip")
        if got.refused is not None or got.data is None:
            return ScopeResult(scope, totals, "refused", f"9102 结果文件下载被拒绝：{got.refused}", f"{name}.zip")
        result = parse_result_file(got.data, self.config)
        findings = classify(scope, lines, result, self.config, by_id)
        log.info("hsa reconciliation 3202/%s: %d lines, %d result rows, %d differing", tag, len(lines),
                 len(result.rows), sum(1 for f in findings if f.kind != "match"))
        return ScopeResult(scope, totals, "done", "", f"{name}.zip", tuple(findings), tuple(result.problems))

    # the journal -----------------------------------------------------------------------------------------------
    def entries(self, ref: str) -> list[dict[str, Any]]:
        return self.ctx.ledger.journal_entries(platform=PLATFORM, business_ref=ref)

    def journalled(self, infno: str, ref: str, payload: Any) -> dict[str, Any] | None:
        """The latest answered (acknowledged or refused) ``infno`` call under ``ref`` whose input was ``payload``."""
        node = catalogue.get(infno).node
        want = _canonical(payload)
        for entry in self.entries(ref):
            if entry["operation"] != infno or entry["outcome"] not in ("acknowledged", "rejected"):
                continue
            request = orjson.loads(entry["request"] or "{}")
            sent = (request.get("input") or {}).get(node) if isinstance(request, dict) else None
            if sent is not None and _canonical(sent) == want:
                return entry
        return None

    def send(self, infno: str, ref: str, body: Mapping[str, Any], *, fresh: bool = False) -> _Sent:
        """``body`` through the gateway (journalled under ``ref``), unless the journal already has its answer."""
        try:
            payload = validated(catalogue.get(infno), body)
        except GatewayError as exc:  # our own declaration refuses it: nothing is sent
            return _Sent(refused=_words(exc))
        if not (fresh or self.resend) and (entry := self.journalled(infno, ref, payload)) is not None:
            if entry["outcome"] == "rejected":
                return _Sent(refused=entry["err_msg"] or "平台拒绝", reused=True)
            return _Sent(output=_output_of(entry), reused=True)
        try:
            answer = self.ctx.gateway.call(infno, dict(body), caller=self.ctx.actor, business_ref=ref)
        except GatewayError as exc:
            if exc.body.code in _REFUSALS:
                return _Sent(refused=_words(exc))
            log.error("hsa reconciliation %s: %s (msgid=%s)", ref, exc.body.code, exc.body.msgid)
            raise _Transient(f"{infno}：{exc.body.message}") from None
        return _Sent(output=answer.output or {})

    def download(self, ref: str, file_qury_no: str, filename: str) -> _Sent:
        """9102: the journalled file, or the file fetched now (the gateway carries envelopes, not files, so the
        call is journalled here, the file kept Base64 in ``response``)."""
        txn = catalogue.get(FILE_DOWNLOAD)
        payload = validated(txn, {"file_qury_no": file_qury_no, "filename": filename,
                                  "fixmedins_code": self.ctx.fixmedins_code})
        if not self.resend and (entry := self.journalled(FILE_DOWNLOAD, ref, payload)) is not None:
            if entry["outcome"] == "rejected":
                return _Sent(refused=entry["err_msg"] or "平台拒绝", reused=True)
            return _Sent(data=base64.b64decode(orjson.loads(entry["response"])["data_base64"]), reused=True)
        ledger, client = self.ctx.ledger, self.ctx.client
        msgid = client.next_msgid()
        entry_id = ledger.journal(JournalEntry(
            platform=PLATFORM, operation=FILE_DOWNLOAD, direction="out", outcome="in_flight",
            started_at=ledger.clock(), caller=self.ctx.actor, msgid=msgid, business_ref=ref,
            request=orjson.dumps({"infno": FILE_DOWNLOAD, "insuplc_admdvs": "", "input": {txn.node: payload}}).decode()))
        started = time.monotonic()

        def done(outcome: str, exc: HsaError | None = None, **values: Any) -> None:
            exchange = exc.exchange if exc is not None else None
            if exchange is not None:
                values |= {"request": exchange.request_text, "response": exchange.response_text,
                           "http_status": exchange.status}
            ledger.journal_update(entry_id, outcome=outcome, duration_ms=round((time.monotonic() - started) * 1000),
                                  **{k: v for k, v in values.items() if v is not None})

        try:
            answer = client.download(file_qury_no, filename, msgid=msgid)
        except Rejected as exc:
            done("rejected", exc, platform_code=str(exc.infcode), err_msg=exc.err_msg, msgid=exc.msgid)
            return _Sent(refused=exc.err_msg)
        except HsaError as exc:
            outcome = "not_sent" if isinstance(exc, NotSent) else (
                "refused_by_gateway" if isinstance(exc, GatewayRejected) else "unknown")
            done(outcome, exc, err_msg=str(exc), msgid=exc.msgid)
            log.error("hsa reconciliation %s: 9102 %s (msgid=%s)", ref, outcome, exc.msgid)
            raise _Transient(f"9102：结果文件下载失败（{type(exc).__name__}）") from None
        exchange = answer.exchange
        kept = {"filename": filename, "content_type": answer.content_type, "size": len(answer.data),
                "sha256": hashlib.sha256(answer.data).hexdigest(),
                "data_base64": base64.b64encode(answer.data).decode("ascii")}
        done("acknowledged", None, platform_code="0", response=orjson.dumps(kept).decode(),
             msgid=exchange.msgid if exchange else msgid, request=exchange.request_text if exchange else None,
             http_status=exchange.status if exchange else None)
        return _Sent(data=answer.data)


def _canonical(value: Any) -> bytes:
    """Comparable JSON: keys sorted, absent and ``None`` fields alike (the envelope never sends ``None``)."""
    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return orjson.dumps(clean(orjson.loads(orjson.dumps(value))), option=orjson.OPT_SORT_KEYS)


def _output_of(entry: Mapping[str, Any]) -> dict[str, Any]:
    answer = orjson.loads(entry["response"] or "{}")
    output = answer.get("output") if isinstance(answer, dict) else None
    return output if isinstance(output, dict) else {}


def _words(exc: GatewayError) -> str:
    body = exc.body
    if body.platform is not None and body.platform.err_msg:
        return body.platform.err_msg
    if body.fields:
        return body.message + "：" + "；".join(f"{p.field} {p.reason}" for p in body.fields)
    return body.message
