"""What the workstation service does, with no web framework in it: reminders within a time budget, the 互认
page's reports and decisions, and quoting a lab report into the visit.

**Reminders never block the doctor.** :meth:`WorkstationService.visit_reminders` and :meth:`order_reminders` read
the patient's identity from the HIS and ask the platform within the budget (:mod:`.budget`); a slow, down or
refusing platform (or HIS) gives ``status: "unavailable"`` with a Chinese sentence, never an error. The reminders
shown are recorded on the platform (``uploadReminderRecords``) after the answer has been returned, by a thread of
the record pool, through the outbox (:mod:`.outbox`).

**The page** lists the visit's other-hospital reports of its type (``queryReminders`` searchType 1) and keeps
each listed report in the ledger's ``recognition_decision`` (:class:`~hisbridge.ledger.store.Ledger`): a report
may only be opened or decided for the visit that listed it (a ticket for one patient cannot reach another's
report by guessing ids), a decision's record repeats the summary as the doctor saw it, and the page shows the
current decision without asking the platform. Opening a report (``getReport``) records a retrieval (调阅);
互认 is a retrieval record, 不互认 a recognition record with its reason, 撤销 ``revokeNonRecognition``. A decision
is kept when the platform cannot be reached (the outbox re-sends it) and not kept when the platform refuses it.

**Quoting** (引用, lab reports only) writes the report into the HIS-side tables (:mod:`.quote_tables`), once per
visit and report, then uploads the quote log with the same quote id.

Logs carry operations, ids of visits and reports, outcomes and timings — never a name or an ID number.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, select

from hisbridge.ledger import schema as s
from hisbridge.ledger.store import JournalEntry, Ledger
from hisbridge.platforms.mutual.codes import NEEDS_DIAG_NAME, REASONS
from hisbridge.platforms.mutual.models import (
    QuoteLog,
    RecognitionRecord,
    ReminderQuery,
    ReminderRecord,
    ReportDetail,
    ReportSummary,
    RetrievalRecord,
    RevokeNonRecognition,
)
from hisbridge.platforms.mutual.service import quote_tables
from hisbridge.platforms.mutual.service.budget import Budget, OverBudget, within
from hisbridge.platforms.mutual.service.identity import Identity, PatientDirectory
from hisbridge.platforms.mutual.service.items import ItemMap
from hisbridge.platforms.mutual.service.outbox import PLATFORM, Outbox, Posted
from hisbridge.platforms.mutual.service.privacy import masked
from hisbridge.platforms.mutual.service.schemas import (
    UNAVAILABLE,
    Decision,
    DecisionAnswer,
    OrderMatch,
    OrderReminderAnswer,
    OrderReminderRequest,
    PageDetailAnswer,
    PageReport,
    PageReportDetail,
    PageReportsAnswer,
    QuoteAnswer,
    VisitReminderAnswer,
    VisitReminderRequest,
)
from hisbridge.platforms.mutual.service.settings import WorkstationSettings
from hisbridge.platforms.mutual.service.tickets import PageContext

log = logging.getLogger("hisbridge.mutual.service")

SHANGHAI = ZoneInfo("Asia/Shanghai")
DECISION_NAMES = {"none": "未决定", "recognised": "互认", "not_recognised": "不互认", "revoked": "已撤销不互认"}


class ServiceError(Exception):
    """A request the service answers with an error: HTTP ``status``, a code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class WorkstationService:
    SERVICE = "mutual"

    def __init__(self, *, ledger: Ledger, client: Any, settings: WorkstationSettings, patients: PatientDirectory,
                 items: ItemMap, quote_engine: Engine | Callable[[], Engine] | None = None,
                 query_timeout_s: float = 0.5, query_threads: int = 32, record_threads: int = 4,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.ledger = ledger
        self.client = client
        self.settings = settings
        self.patients = patients
        self.items = items
        self._quote_engine = quote_engine
        self.query_timeout_s = query_timeout_s
        self.clock = clock
        self.outbox = Outbox(ledger, client, clock=clock)
        # the bulkhead of the reminders (see budget.py) and the pool that records what was shown
        self.queries = ThreadPoolExecutor(query_threads, thread_name_prefix="mutual-query")
        self.records = ThreadPoolExecutor(record_threads, thread_name_prefix="mutual-record")
        self._background: set[Future] = set()
        self._lock = threading.Lock()

    # -- life ------------------------------------------------------------------------------------------------
    def drain(self, timeout_s: float = 30) -> bool:
        """Wait for the background record uploads and journal writes; ``True`` when all are done."""
        with self._lock:
            pending = list(self._background)
        done, not_done = wait_futures(pending, timeout=timeout_s)
        return not not_done

    def close(self) -> None:
        self.drain(10)
        self.queries.shutdown(wait=False, cancel_futures=True)
        self.records.shutdown(wait=True)
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    def _later(self, work: Callable[[], Any]) -> None:
        """Run ``work`` in the record pool after the answer; a failure is logged, never raised to the doctor."""

        def run() -> None:
            try:
                work()
            except Exception:
                log.exception("mutual workstation: background work failed")

        future = self.records.submit(run)
        with self._lock:
            self._background.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._background.discard(future)

    @property
    def quote_engine(self) -> Engine:
        if self._quote_engine is None:
            raise ServiceError(503, "quote_unavailable", "未配置引用报告写入的数据库（连接 mutual_quote_db 或 his_db）")
        if not isinstance(self._quote_engine, Engine):
            self._quote_engine = self._quote_engine()
        return self._quote_engine

    # -- reminders -------------------------------------------------------------------------------------------
    async def visit_reminders(self, req: VisitReminderRequest, caller: str) -> VisitReminderAnswer:
        """接诊提醒: the visit's recognisable reports from other hospitals, within the budget."""
        budget = Budget(self.settings.budget_s)
        started_at = self.clock()
        found = await self._ask(budget, req, search_type=1, item_type="", data_codes=[])
        if isinstance(found, str):
            answer = VisitReminderAnswer(status="unavailable", message=found, elapsedMs=budget.elapsed_ms())
        else:
            message = f"外院有 {len(found)} 份可互认的报告" if found else "未发现可互认的外院报告"
            answer = VisitReminderAnswer(status="ok", message=message, reminders=found, elapsedMs=budget.elapsed_ms())
            if found:
                self._later(lambda: self._record_reminders(req, "1", [(r, None) for r in found], caller))
        self._later(lambda: self._journal_call("reminders/visit", caller, req, answer, started_at))
        return answer

    async def order_reminders(self, req: OrderReminderRequest, caller: str) -> OrderReminderAnswer:
        """开单提醒: for the items being ordered, recognisable reports of the same platform item elsewhere."""
        budget = Budget(self.settings.budget_s)
        started_at = self.clock()
        mapped: list[tuple[Any, str, str | None]] = []
        unmapped: list[str] = []
        for item in req.items:
            target = self.items.lookup(item.hisItemCode, item.itemType)
            if target is None:
                unmapped.append(item.hisItemCode)
            else:
                mapped.append((item, *target))
        if not mapped:
            answer = OrderReminderAnswer(status="ok", message="所开项目均未对照平台项目代码，未查询外院报告",
                                         unmapped=unmapped, elapsedMs=budget.elapsed_ms())
            self._later(lambda: self._journal_call("reminders/order", caller, req, answer, started_at))
            return answer
        kinds = {item.itemType for item, _, _ in mapped}
        codes = list(dict.fromkeys(code for _, code, _ in mapped))
        found = await self._ask(budget, req, search_type=2, item_type=kinds.pop() if len(kinds) == 1 else "",
                                data_codes=codes)
        if isinstance(found, str):
            answer = OrderReminderAnswer(status="unavailable", message=found, unmapped=unmapped,
                                         elapsedMs=budget.elapsed_ms())
        else:
            matches, shown = [], []
            for item, code, name in mapped:
                reports = [r for r in found if r.itemCode == code and r.itemType == item.itemType]
                if reports:
                    matches.append(OrderMatch(hisItemCode=item.hisItemCode, dataCode=code,
                                              dataName=name or reports[0].itemName, reports=reports))
                    shown += [(r, item.orderId) for r in reports]
            message = (f"{len(matches)} 个所开项目在外院有可互认的报告" if matches
                       else "所开项目在外院没有可互认的报告")
            answer = OrderReminderAnswer(status="ok", message=message, matches=matches, unmapped=unmapped,
                                         elapsedMs=budget.elapsed_ms())
            if shown:
                self._later(lambda: self._record_reminders(req, "2", shown, caller))
        self._later(lambda: self._journal_call("reminders/order", caller, req, answer, started_at))
        return answer

    async def _ask(self, budget: Budget, req: VisitReminderRequest, *, search_type: int, item_type: str,
                   data_codes: list[str]) -> list[ReportSummary] | str:
        """The platform's reminders, or the sentence saying why there are none this time."""
        try:
            identity = await within(budget, lambda: self.patients.lookup(req.patientId), self.queries)
        except OverBudget:
            log.warning("mutual reminders visit=%s: HIS identity look-up over budget", req.visitId)
            return "HIS 病人信息读取超时，本次无提醒"
        except Exception as exc:  # noqa: BLE001 - the HIS down must not block ordering
            log.warning("mutual reminders visit=%s: HIS identity look-up failed (%s)", req.visitId,
                        type(exc).__name__)
            return "HIS 病人信息暂不可读，本次无提醒"
        if identity is None:
            return "HIS 中没有该病人，本次无提醒"
        if not identity.matchable:
            return "病人没有证件号码，无法查询外院报告"
        timeout = budget.platform_timeout(self.query_timeout_s)
        if timeout is None:
            return UNAVAILABLE
        query = self._query(identity, req.visitId, req.doctorId, search_type, item_type, data_codes)

        def ask() -> list[ReportSummary]:
            return self.client.query_reminders(query, timeout_s=timeout)

        try:
            return await within(budget, ask, self.queries)
        except OverBudget:
            log.warning("mutual reminders visit=%s: platform over the %d ms budget", req.visitId,
                        self.settings.reminder_budget_ms)
        except Exception as exc:  # noqa: BLE001 - slow, down or refusing: no reminder this time
            log.warning("mutual reminders visit=%s: platform unavailable (%s)", req.visitId, type(exc).__name__)
        return UNAVAILABLE

    def _query(self, identity: Identity, visit_id: str, doctor_id: str, search_type: int, item_type: str,
               data_codes: list[str]) -> ReminderQuery:
        return ReminderQuery(patientId=identity.patient_id, idCardTypeCode=identity.id_card_type_code,
                             idCardValue=identity.id_card_value, GHId=visit_id, doctorId=doctor_id,
                             searchType=search_type, itemType=item_type, dataCodes=data_codes,
                             lookbackDays=self.settings.lookback_days)

    def _record_reminders(self, req: VisitReminderRequest, search_type: str,
                          shown: Sequence[tuple[ReportSummary, str | None]], caller: str) -> Posted | None:
        now = self.clock()
        rows = []
        for report, order_id in shown:
            try:
                rows.append(ReminderRecord.model_validate({
                    **_report_ref(report, req.patientId, req.visitId), "operateTime": now,
                    "searchType": search_type, "reportId": report.reportId, "DoctorId": req.doctorId,
                    "OrderId": order_id}))
            except ValidationError as exc:  # the platform's summary lacks what a record needs
                log.error("mutual reminder record for report %s not built: %s", report.reportId,
                          "; ".join(str(e["loc"][0]) for e in exc.errors()))
        size = int(getattr(getattr(self.client, "settings", None), "max_batch", 50))
        posted = None
        for start in range(0, len(rows), size):  # the platform takes a bounded array per call
            posted = self.outbox.post("uploadReminderRecords", rows[start : start + size], caller=caller,
                                      business_ref=req.visitId)
        return posted

    def _journal_call(self, operation: str, caller: str, req: BaseModel, answer: BaseModel,
                      started_at: datetime) -> None:
        """One journal entry for the workstation's call (direction ``in``): what it asked and what it was told;
        the reports by id only."""
        data = answer.model_dump(mode="json")
        summary = {k: v for k, v in data.items() if k not in ("reminders", "matches")}
        if "reminders" in data:
            summary["reportIds"] = [r["reportId"] for r in data["reminders"]]
        if "matches" in data:
            summary["matches"] = {m["hisItemCode"]: [r["reportId"] for r in m["reports"]] for m in data["matches"]}
        self.ledger.journal(JournalEntry(
            platform=PLATFORM, operation=operation, direction="in", outcome=data["status"], started_at=started_at,
            caller=caller, business_ref=getattr(req, "visitId", None),
            request=orjson.dumps(masked(req.model_dump(mode="json"))).decode(),
            response=orjson.dumps(summary).decode(), duration_ms=data.get("elapsedMs")))

    def journal_link(self, caller: str, ctx: PageContext) -> None:
        """Who was given a page link for which patient and visit (after the answer: the link is not delayed)."""
        request = {"patientId": ctx.patient_id, "visitId": ctx.visit_id, "doctorId": ctx.doctor_id, "type": ctx.type,
                   "mode": ctx.mode}
        self._later(lambda: self.ledger.journal(JournalEntry(
            platform=PLATFORM, operation="page-link", direction="in", outcome="ok", started_at=self.clock(),
            caller=caller, business_ref=ctx.visit_id, request=orjson.dumps(request).decode())))

    # -- the page --------------------------------------------------------------------------------------------
    def identity(self, patient_id: str) -> Identity | None:
        try:
            return self.patients.lookup(patient_id)
        except Exception as exc:  # noqa: BLE001 - the page still opens; the header says so
            log.warning("mutual page: HIS identity look-up failed (%s)", type(exc).__name__)
            return None

    def list_reports(self, ctx: PageContext) -> PageReportsAnswer:
        """The visit's other-hospital reports of the page's type, with this visit's decisions."""
        identity = self.identity(ctx.patient_id)
        reports: list[ReportSummary] | None = None
        message = ""
        if identity is None:
            message = "HIS 中没有该病人或病人信息暂不可读"
        elif not identity.matchable:
            message = "病人没有证件号码，无法查询外院报告"
        else:
            query = self._query(identity, ctx.visit_id, ctx.doctor_id, 1, ctx.item_type, [])
            try:
                reports = self.client.query_reminders(query, timeout_s=self.settings.page_timeout_s)
            except Exception as exc:  # noqa: BLE001 - shown as unavailable, with what the visit listed before
                log.warning("mutual page visit=%s: report list unavailable (%s)", ctx.visit_id, type(exc).__name__)
                message = "互认平台暂不可用，以下为本次就诊已列出的报告"
        if reports is not None:
            reports = [r for r in reports if r.itemType == ctx.item_type]
            self.ledger.remember_listed_reports(ctx.visit_id, ctx.patient_id, [
                (r.reportId, r.itemType, orjson.dumps(r.model_dump(mode="json")).decode()) for r in reports])
            rows = self.ledger.recognition_decisions(ctx.visit_id, [r.reportId for r in reports])
            listed = [PageReport(report=r, state=_state(rows.get(r.reportId))) for r in reports]
            kind = "检验" if ctx.type == "lab" else "检查"
            message = (f"外院有 {len(listed)} 份可互认的{kind}报告" if listed else f"未发现可互认的外院{kind}报告")
            return PageReportsAnswer(status="ok", message=message, reports=listed)
        rows = self.ledger.recognition_decisions(ctx.visit_id)
        earlier = [PageReport(report=ReportSummary.model_validate_json(r["summary"]), state=_state(r))
                   for r in rows.values() if r["patient_id"] == ctx.patient_id and r["item_type"] == ctx.item_type]
        earlier.sort(key=lambda p: p.report.reportTime or datetime.min, reverse=True)
        return PageReportsAnswer(status="unavailable", message=message, reports=earlier)

    def open_report(self, ctx: PageContext, report_id: str) -> PageDetailAnswer:
        """A listed report in full (``getReport``); records the retrieval (调阅) after answering."""
        row, summary = self._listed(ctx, report_id)
        detail = self._detail(report_id, ctx.item_type)
        viewed = self.clock()
        self.ledger.update_recognition_decision(ctx.visit_id, report_id, viewed_at=viewed)
        row["viewed_at"] = viewed
        self._later(lambda: self._retrieval(ctx, summary, viewed))
        return PageDetailAnswer(report=PageReportDetail.model_validate(detail.model_dump(exclude={"patientName"})),
                                state=_state(row))

    def decide(self, ctx: PageContext, report_id: str, decision: str, *, reason_code: str | None = None,
               diag_name: str | None = None) -> DecisionAnswer:
        """互认 (``recognised``), 不互认 (``not_recognised`` with a reason) or 撤销 (``revoked``)."""
        self._writable(ctx)
        row, summary = self._listed(ctx, report_id)
        current = row["decision"]
        if decision == "recognised":
            if current == "recognised":
                return DecisionAnswer(status="recorded", message="该报告已记录互认", state=_state(row))
            if current == "not_recognised":
                raise ServiceError(409, "conflict", "该报告已记录不互认，如需改为互认请先撤销不互认")
            identity = self._identity_for_record(ctx)
            now = self.clock()
            record = _build(RetrievalRecord, {
                **_report_ref(summary, ctx.patient_id, ctx.visit_id), "viewTime": row["viewed_at"] or now,
                "operateTime": now, "idCardTypeCode": identity.id_card_type_code, "SearchType": "1",
                "businessNo": summary.reportNo, "DoctorId": ctx.doctor_id, "ReportId": report_id})
            posted = self.outbox.post("uploadRetrievalRecord", [record], caller=_caller(ctx),
                                      business_ref=ctx.visit_id)
            values = {"record_guid": record.reviewId, "reason_code": None, "reason_name": None, "diag_name": None}
            done = "已记录互认"
        elif decision == "not_recognised":
            reason_code = (reason_code or "").strip()
            diag_name = (diag_name or "").strip() or None
            if reason_code not in REASONS:
                raise ServiceError(422, "invalid_input", "请选择不互认原因（01–08、98 或 99）")
            if reason_code in NEEDS_DIAG_NAME and not diag_name:
                raise ServiceError(422, "invalid_input",
                                   f"不互认原因 {reason_code}（{REASONS[reason_code]}）须填写疾病名称")
            if current == "not_recognised":
                raise ServiceError(409, "conflict", "该报告已记录不互认；如需更改原因请先撤销不互认")
            identity = self._identity_for_record(ctx)
            record = _build(RecognitionRecord, {
                **_report_ref(summary, ctx.patient_id, ctx.visit_id), "idCardTypeCode": identity.id_card_type_code,
                "operateTime": self.clock(), "reasonCode": reason_code, "diagName": diag_name,
                "reportId": report_id, "DoctorId": ctx.doctor_id})
            posted = self.outbox.post("uploadRecognitionRecord", [record], caller=_caller(ctx),
                                      business_ref=ctx.visit_id)
            values = {"record_guid": record.mrId, "reason_code": reason_code, "reason_name": REASONS[reason_code],
                      "diag_name": diag_name}
            done = f"已记录不互认（{REASONS[reason_code]}）"
        elif decision == "revoked":
            if current != "not_recognised":
                raise ServiceError(409, "conflict", "该报告没有生效的不互认记录，无需撤销")
            identity = self._identity_for_record(ctx)
            ref = _report_ref(summary, ctx.patient_id, ctx.visit_id)
            record = _build(RevokeNonRecognition, {
                "patientId": ctx.patient_id, "GHId": ctx.visit_id, "reportId": report_id, "itemType": ref["itemType"],
                "itemCode": ref["itemCode"], "idCardTypeCode": identity.id_card_type_code,
                "doctorId": ctx.doctor_id})
            posted = self.outbox.post("revokeNonRecognition", record, caller=_caller(ctx),
                                      business_ref=ctx.visit_id)
            values = {"record_guid": None}
            done = "已撤销不互认"
        else:  # pragma: no cover - the routes name the decisions
            raise ValueError(decision)
        if posted.refused:
            raise ServiceError(409, "platform_refused", posted.message)
        values |= {"decision": decision, "doctor_id": ctx.doctor_id, "decided_at": self.clock(),
                   "outbox_id": posted.entry_id}
        self.ledger.update_recognition_decision(ctx.visit_id, report_id, **values)
        row |= values
        log.info("mutual page visit=%s report=%s: %s (%s)", ctx.visit_id, report_id, decision, posted.outcome)
        if posted.delivered:
            return DecisionAnswer(status="recorded", message=f"{done}，平台已接收", state=_state(row))
        return DecisionAnswer(status="queued", message=f"{done}。{posted.message}", state=_state(row))

    def quote(self, ctx: PageContext, report_id: str) -> QuoteAnswer:
        """引用: write a lab report into the HIS-side tables for this visit, then upload the quote log."""
        self._writable(ctx)
        if ctx.type != "lab":
            raise ServiceError(400, "invalid_input", "只有检验报告可以引用")
        row, summary = self._listed(ctx, report_id)
        identity = self._identity_for_record(ctx)
        detail = self._detail(report_id, ctx.item_type)
        now = self.clock()
        quote = _quoted(detail, summary, ctx, quote_id=row.get("quote_id") or _guid(),
                        quoted_at=now.astimezone(SHANGHAI).replace(tzinfo=None))
        try:
            quote_id, written = quote_tables.write_quote(self.quote_engine, quote)
        except ServiceError:
            raise
        except Exception as exc:
            log.error("mutual quote visit=%s report=%s: HIS-side write failed (%s)", ctx.visit_id, report_id,
                      type(exc).__name__)
            raise ServiceError(500, "quote_failed", "引用报告写入 HIS 失败，请联系信息科（建表脚本："
                               "python -m hisbridge mutual ddl）") from None
        self.ledger.update_recognition_decision(ctx.visit_id, report_id, quote_id=quote_id, quoted_at=now)
        row |= {"quote_id": quote_id, "quoted_at": now}
        if not written and self._quote_logged(quote_id):
            return QuoteAnswer(status="recorded", message="该报告已引用到本次就诊", quoteId=quote_id, written=False,
                               state=_state(row))
        log_row = _build(QuoteLog, {
            "patientId": ctx.patient_id, "GHId": ctx.visit_id, "reportId": report_id, "itemType": ctx.item_type,
            "itemCode": summary.itemCode, "idCardTypeCode": identity.id_card_type_code, "doctorId": ctx.doctor_id,
            "quoteId": quote_id, "reportOrgCode": summary.reportOrgCode,
            "reportOrgName": summary.reportOrgName or summary.reportOrgCode,
            "reportName": summary.reportName or summary.itemName, "reportTime": summary.reportTime,
            "businessNo": summary.reportNo, "operateTime": now, "reportNo": summary.reportNo or report_id,
            "microbiaMark": "1" if detail.bacteria else "0"})
        posted = self.outbox.post("uploadQuoteLog", log_row, caller=_caller(ctx), business_ref=ctx.visit_id)
        words = "已引用到本次就诊" if written else "该报告已引用到本次就诊"
        if posted.delivered:
            return QuoteAnswer(status="recorded", message=f"{words}，引用记录平台已接收", quoteId=quote_id,
                               written=written, state=_state(row))
        if posted.refused:
            return QuoteAnswer(status="recorded", message=f"{words}；{posted.message}", quoteId=quote_id,
                               written=written, state=_state(row))
        return QuoteAnswer(status="queued", message=f"{words}。{posted.message}", quoteId=quote_id, written=written,
                           state=_state(row))

    # -- page helpers ----------------------------------------------------------------------------------------
    @staticmethod
    def _writable(ctx: PageContext) -> None:
        if ctx.mode != "recognize":
            raise ServiceError(403, "forbidden", "查看模式下不能记录互认决定")

    def _listed(self, ctx: PageContext, report_id: str) -> tuple[dict, ReportSummary]:
        row = self.ledger.recognition_decisions(ctx.visit_id, [report_id]).get(report_id)
        if row is None or row["patient_id"] != ctx.patient_id or row["item_type"] != ctx.item_type:
            raise ServiceError(404, "not_found", "本次就诊的报告列表中没有该报告，请刷新列表")
        return row, ReportSummary.model_validate_json(row["summary"])

    def _detail(self, report_id: str, item_type: str) -> ReportDetail:
        from hisbridge.platforms.mutual.errors import MutualError, NotFound

        try:
            return self.client.get_report(report_id, item_type, timeout_s=self.settings.page_timeout_s)
        except NotFound:
            raise ServiceError(404, "not_found", "平台上已没有该报告（可能已被出具机构撤回）") from None
        except MutualError as exc:
            log.warning("mutual page report=%s: getReport failed (%s)", report_id, type(exc).__name__)
            raise ServiceError(503, "unavailable", "互认平台暂不可用，请稍后再试") from None

    def _identity_for_record(self, ctx: PageContext) -> Identity:
        identity = self.identity(ctx.patient_id)
        if identity is None or not identity.matchable:
            raise ServiceError(503, "unavailable", "HIS 病人证件信息暂不可读，暂不能记录，请稍后再试")
        return identity

    def _retrieval(self, ctx: PageContext, summary: ReportSummary, viewed: datetime) -> Posted | None:
        identity = self.identity(ctx.patient_id)
        if identity is None or not identity.matchable:
            log.warning("mutual retrieval visit=%s report=%s: no identity, not recorded", ctx.visit_id,
                        summary.reportId)
            return None
        try:
            record = _build(RetrievalRecord, {
                **_report_ref(summary, ctx.patient_id, ctx.visit_id), "viewTime": viewed, "operateTime": viewed,
                "idCardTypeCode": identity.id_card_type_code, "SearchType": "1", "businessNo": summary.reportNo,
                "DoctorId": ctx.doctor_id, "ReportId": summary.reportId})
        except ServiceError:
            log.error("mutual retrieval report=%s: the summary lacks a record's fields", summary.reportId)
            return None
        return self.outbox.post("uploadRetrievalRecord", [record], caller=_caller(ctx), business_ref=ctx.visit_id)

    def _quote_logged(self, quote_id: str) -> bool:
        j = s.call_journal
        with self.ledger.engine.connect() as conn:
            return conn.execute(select(j.c.id).where(j.c.msgid == quote_id, j.c.platform == PLATFORM,
                                                     j.c.operation == "uploadQuoteLog").limit(1)).first() is not None


# -- helpers ---------------------------------------------------------------------------------------------------
def _caller(ctx: PageContext) -> str:
    return f"互认页面 {ctx.doctor_id}"


def _guid() -> str:
    import uuid

    return str(uuid.uuid4())


def _report_ref(report: ReportSummary, patient_id: str, visit_id: str) -> dict[str, Any]:
    """The report fields every record repeats, from the summary the doctor saw (names fall back to codes)."""
    return {"patientId": patient_id, "GHId": visit_id, "itemType": report.itemType, "itemCode": report.itemCode,
            "reportOrgCode": report.reportOrgCode, "reportOrgName": report.reportOrgName or report.reportOrgCode,
            "reportNo": report.reportNo or report.reportId, "reportName": report.reportName or report.itemName,
            "reportTime": report.reportTime}


def _build(model: type[BaseModel], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fields = "、".join(str(e["loc"][0]) for e in exc.errors() if e["loc"]) or model.__name__
        log.error("mutual %s not built: %s", model.__name__, fields)
        raise ServiceError(502, "platform_data", f"平台的报告摘要缺少记录所需的字段（{fields}），无法记录") from None


def _state(row: dict | None) -> Decision:
    if row is None:
        return Decision()
    return Decision(decision=row["decision"], decisionName=DECISION_NAMES.get(row["decision"], row["decision"]),
                    reasonCode=row.get("reason_code"), reasonName=row.get("reason_name"),
                    diagName=row.get("diag_name"), decidedAt=row.get("decided_at"),
                    viewed=row.get("viewed_at") is not None, quoted=row.get("quoted_at") is not None)


def _quoted(detail: ReportDetail, summary: ReportSummary, ctx: PageContext, *, quote_id: str,
            quoted_at: datetime) -> quote_tables.QuotedReport:
    lines = [quote_tables.QuotedLine("item", item_code=i.itemCode, item_name=i.itemName, result_value=i.result,
                                     unit=i.unit, ref_range=i.refRange, abnormal_flag=i.abnormalFlag)
             for i in detail.items]
    lines += [quote_tables.QuotedLine("bacteria", item_name=b.bacteriaName, bacteria_name=b.bacteriaName,
                                      result_value=b.testResult, colony_count=b.colonyCount) for b in detail.bacteria]
    lines += [quote_tables.QuotedLine("suscept", item_name=x.drugName, bacteria_name=x.bacteriaName,
                                      drug_name=x.drugName, result_value=x.result, mic=x.mic)
              for x in detail.susceptibility]
    return quote_tables.QuotedReport(
        quote_id=quote_id, patient_id=ctx.patient_id, visit_id=ctx.visit_id, report_id=summary.reportId,
        item_type=ctx.item_type, report_org_code=detail.reportOrgCode or summary.reportOrgCode or "",
        doctor_id=ctx.doctor_id, quoted_at=quoted_at, microbe_flag="1" if detail.bacteria else "0",
        item_code=detail.itemCode or summary.itemCode, item_name=detail.itemName or summary.itemName,
        report_org_name=detail.reportOrgName or summary.reportOrgName, report_no=detail.reportNo or summary.reportNo,
        report_name=detail.reportName or summary.reportName, report_time=detail.reportTime or summary.reportTime,
        specimen_name=detail.specimenName, diag_name=detail.diagName,
        result_summary=detail.resultSummary or summary.resultSummary,
        abnormal_flag="1" if (detail.abnormal or summary.abnormal) else "0", findings=detail.findings,
        conclusion=detail.conclusion, lines=lines)
