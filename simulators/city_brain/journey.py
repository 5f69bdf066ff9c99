"""A patient's whole 先诊疗后付费 journey through the hospital's API, walked as the city brain walks it: every
endpoint in the order the city brain needs them, each id of a later call taken from an earlier answer, every list
read to its last page, every answer checked against the published tables (:mod:`simulators.city_brain.responses`)
and against the answers before it.

    caller = CityBrainCaller("http://127.0.0.1:8098", "cb01", secret, sign_type="SM3")
    report = walk(caller, "0050000001", start_date="2026-11-20", end_date="2026-11-24", inpatient_id="0030000013")
    report.ok, report.missing, report.found["billNo"]; print(report.table())
    attacks = run_attacks(caller, report.sample_params())      # every ATTACKS entry and a replay, on every endpoint
    flood = flood_check(caller, "health", n=40)                 # only 200/0 and 429/1007 (with Retry-After)

The order: health → departments, staff → patientProfile → registrations → queueInfo(regId) → selfCheckins →
visitRegistrations → outpatientOrders(regId) → medtechRegistrations → reportConfirmations → labReports,
examReports → prescriptions (by patient, and by each regId) → chargeConfirmations → outpatientPaymentDetail(billNo)
→ refunds → outpatientInvoices → medicalRecords → medicalRecordDetail(recordType, recordId) → allergies →
cancelledRegistrations → scheduleStops → admissions (the patient's, and the inpatient's) → inpatientOrders,
inpatientFees (all, and one feeDate), inpatientInvoices (admId). A date range longer than ``max_days`` is walked
in windows.

Cross-answer checks (cheap, and each follows from the docs): every row's patientId is the patient asked about;
an answer for an id (queueInfo, outpatientOrders, outpatientPaymentDetail, medicalRecordDetail, the inpatient
lists) is about that id; queueInfo agrees with the registration; a bill's detail agrees with its charge
confirmation (amounts, status, item count); a refund's lines are marked with it in its bill's detail; an invoice
agrees with its bill; labReports and examReports hold exactly the reportConfirmations of their kind; the
prescriptions of a visit are its outpatientOrders of kind 1/2; a medical record's detail agrees with its list row;
a list keeps its total while paged and no row comes twice; the patient's name, ID number, phone, address and
health card number (from patientProfile) appear in no other answer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from simulators.city_brain import responses, spec
from simulators.city_brain.caller import ATTACKS, CityBrainCaller, FloodResult, Reply

#: every endpoint, in the order of the walk
WALK_ORDER: tuple[str, ...] = (
    "health", "departments", "staff", "patientProfile", "registrations", "queueInfo", "selfCheckins",
    "visitRegistrations", "outpatientOrders", "medtechRegistrations", "reportConfirmations", "labReports",
    "examReports", "prescriptions", "chargeConfirmations", "outpatientPaymentDetail", "refunds", "outpatientInvoices",
    "medicalRecords", "medicalRecordDetail", "allergies", "cancelledRegistrations", "scheduleStops", "admissions",
    "inpatientOrders", "inpatientFees", "inpatientInvoices",
)  # fmt: skip
MAX_PAGES = 100  # a list longer than this many pages is not walked further (said so)
#: profile fields whose values must not appear in any other answer (substring), and the name (see _identity)
IDENTITY_FIELDS = ("idCardNo", "phone", "address", "healthCardNo")
#: the ids a walk collects from the answers: kind → the answer field
#: what names a row uniquely where the row's key alone may not (ids of two HIS tables side by side)
UNIQUE: dict[str, tuple[str, ...]] = {"medicalRecords": ("recordType", "recordId"),
                                      "reportConfirmations": ("reportKind", "reportId"),
                                      "outpatientOrders": ("orderKind", "orderNo")}  # fmt: skip
FOUND_KINDS = ("regId", "admId", "orderNo", "applyNo", "reportId", "rxNo", "billNo", "refundNo", "invoiceNo",
               "recordId", "allergyId", "stopId")  # fmt: skip


@dataclass
class Call:
    """One request of the walk and what came back."""

    endpoint: str
    params: dict[str, Any]
    status: int | None
    code: str | None
    message: str | None
    request_id: str | None
    rows: int  # list items (1 for an object answer, 0 for a refusal)
    total: int | None  # a list's total
    elapsed_ms: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.code == spec.OK and not self.problems


@dataclass
class EndpointReport:
    endpoint: str
    title: str
    calls: list[Call] = field(default_factory=list)
    cross: list[str] = field(default_factory=list)  # problems found by comparing with other answers
    skipped: str | None = None  # why the walk never called it

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def codes(self) -> list[str]:
        return sorted({c.code or f"HTTP {c.status}" for c in self.calls})

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.calls)

    @property
    def elapsed_ms(self) -> float:
        return sum(c.elapsed_ms for c in self.calls)

    @property
    def problems(self) -> list[str]:
        found = [f"{_short(c.params)}: {p}" for c in self.calls for p in c.problems]
        found += [f"{_short(c.params)}: 答复 {c.status}/{c.code} {c.message or ''}".rstrip()
                  for c in self.calls if c.code != spec.OK or c.status != 200]  # fmt: skip
        return found + self.cross

    @property
    def ok(self) -> bool:
        return self.called and not self.problems


@dataclass
class JourneyReport:
    patient_id: str
    start_date: date
    end_date: date
    inpatient_id: str | None
    caller: str  # appId and sign type (never the secret)
    endpoints: dict[str, EndpointReport]
    found: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in FOUND_KINDS})

    @property
    def missing(self) -> list[str]:
        """Endpoints never called (no id to call them with was found in the answers)."""
        return [name for name, e in self.endpoints.items() if not e.called]

    @property
    def problems(self) -> list[str]:
        return [f"[{name}] {p}" for name, e in self.endpoints.items() for p in e.problems]

    @property
    def calls(self) -> list[Call]:
        return [c for e in self.endpoints.values() for c in e.calls]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.problems

    def sample_params(self) -> dict[str, dict[str, Any]]:
        """Per endpoint, the bizContent of its first call (or a well-formed stand-in): the attacks' payloads."""
        return {name: (e.calls[0].params if e.calls else _stand_in(name, self)) for name, e in self.endpoints.items()}

    def table(self) -> str:
        head = (f"城市大脑·先诊疗后付费 就诊旅程: 病人 {self.patient_id}，{self.start_date} 至 {self.end_date}"
                + (f"，住院病人 {self.inpatient_id}" if self.inpatient_id else "") + f"（{self.caller}）")  # fmt: skip
        rows = [("接口", "名称", "调用", "代码", "条数", "问题", "用时ms")]
        for name, e in self.endpoints.items():
            rows.append((name, e.title, str(len(e.calls)), ",".join(e.codes) or "—", str(e.rows),
                         str(len(e.problems)), f"{e.elapsed_ms:.0f}"))  # fmt: skip
        lines = [head, *_columns(rows)]
        for name, e in self.endpoints.items():
            if e.skipped and not e.called:
                lines.append(f"未调用 {name}: {e.skipped}")
        lines += [f"问题 {p}" for p in self.problems]
        found = "，".join(f"{k} {len(v)}" for k, v in self.found.items() if v)
        lines.append(f"取得的ID: {found or '无'}")
        verdict = "通过" if self.ok else f"未通过（{len(self.problems)} 处问题，{len(self.missing)} 个接口未调用）"
        lines.append(f"结论: {verdict}；共 {len(self.calls)} 次调用")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"patientId": self.patient_id, "startDate": self.start_date.isoformat(),
                "endDate": self.end_date.isoformat(), "inpatientId": self.inpatient_id, "ok": self.ok,
                "missing": self.missing, "found": {k: sorted(v) for k, v in self.found.items()},
                "endpoints": {name: {"called": e.called, "calls": len(e.calls), "codes": e.codes, "rows": e.rows,
                                     "elapsedMs": round(e.elapsed_ms, 1), "problems": e.problems,
                                     "skipped": e.skipped} for name, e in self.endpoints.items()}}  # fmt: skip


# ------------------------------------------------------------------------------------------------ the walk


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def windows(start: date, end: date, max_days: int) -> Iterator[tuple[date, date]]:
    """``[start, end]`` in consecutive windows of at most ``max_days`` days (both ends counted)."""
    if end < start:
        raise ValueError(f"end date {end} is before start date {start}")
    while start <= end:
        last = min(end, start + timedelta(days=max_days - 1))
        yield start, last
        start = last + timedelta(days=1)


def _short(params: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in params.items() if k not in ("pageSize", "idCardNo")}
    return "{" + ",".join(f"{k}={v}" for k, v in shown.items()) + "}"


class _Walk:
    def __init__(self, caller: CityBrainCaller, report: JourneyReport, *, page_size: int, max_days: int,
                 max_ids: int) -> None:  # fmt: skip
        self.caller = caller
        self.report = report
        self.page_size = page_size
        self.max_days = max_days
        self.max_ids = max_ids
        self.identity: dict[str, str] = {}

    # ---- plumbing

    def _cross(self, endpoint: str, problem: str) -> None:
        self.report.endpoints[endpoint].cross.append(problem)

    def _skip(self, endpoint: str, why: str) -> None:
        self.report.endpoints[endpoint].skipped = why

    def _send(self, endpoint: str, params: dict[str, Any], patient: str | None) -> tuple[Call, Any]:
        reply: Reply = self.caller.call(endpoint, params)
        problems = list(reply.problems())
        data = reply.data
        if reply.ok:
            problems += responses.check(endpoint, data, params)
            problems += self._foreign_patient(endpoint, data, patient)
            problems += self._identity_leaks(endpoint, data)
        for secret in self.identity.values():  # a wrong value quoted in a problem may be the patient's
            problems = [p.replace(secret, "(个人信息)") for p in problems]
        many = responses.ENDPOINTS[endpoint].many
        rows = (len(data["list"]) if many and isinstance(data, Mapping) and isinstance(data.get("list"), list)
                else int(reply.ok and data is not None))  # fmt: skip
        total = data.get("total") if many and isinstance(data, Mapping) else None
        call = Call(endpoint, params, reply.status, reply.code, reply.message if not reply.ok else None,
                    reply.request_id, rows, total if isinstance(total, int) else None, reply.elapsed_ms, problems)  # fmt: skip
        self.report.endpoints[endpoint].calls.append(call)
        return call, data if reply.ok else None

    def _foreign_patient(self, endpoint: str, data: Any, patient: str | None) -> list[str]:
        if patient is None:
            return []
        items = data.get("list") if responses.ENDPOINTS[endpoint].many and isinstance(data, Mapping) else [data]
        return [f"第{i + 1}条: patientId[{row.get('patientId')}]不是所查的病人[{patient}]"
                for i, row in enumerate(items or []) if isinstance(row, Mapping)
                and "patientId" in row and row.get("patientId") != patient]  # fmt: skip

    def _identity_leaks(self, endpoint: str, data: Any) -> list[str]:
        if endpoint == "patientProfile" or not self.identity:
            return []
        found: set[str] = set()
        for key, value in _strings(data):
            for name, secret in self.identity.items():
                if name == "patientName":  # a staff, department or item name may well share it
                    if not key.endswith("Name") and secret in value:
                        found.add(name)
                elif secret in value:
                    found.add(name)
        return [f"答复含病人的{responses.ENDPOINTS['patientProfile'].answer.field(n).cn}（{n}），该接口不应有病人身份信息"
                for n in sorted(found)]  # fmt: skip

    def one(self, endpoint: str, patient: str | None = None, **values: Any) -> Any:
        """An object answer (``None`` when refused)."""
        return self._send(endpoint, responses.request(endpoint, **values), patient)[1]

    def rows(self, endpoint: str, patient: str | None = None, **values: Any) -> list[Mapping[str, Any]]:
        """Every row of a list, each date window of a range and each page of a window."""
        ranged = "startDate" in values and "endDate" in values
        spans = list(windows(values["startDate"], values["endDate"], self.max_days)) if ranged else [(None, None)]
        found: list[Mapping[str, Any]] = []
        for first, last in spans:
            if ranged:
                values = {**values, "startDate": first, "endDate": last}
            found += self._pages(endpoint, patient, responses.request(endpoint, **values))
        names = UNIQUE.get(endpoint) or (responses.ENDPOINTS[endpoint].answer.key,)
        if names != (None,):
            seen: set[tuple[Any, ...]] = set()
            for row in found:
                key = tuple(row.get(n) for n in names)
                if key in seen:
                    self._cross(endpoint, f"{'+'.join(names)}[{'/'.join(map(str, key))}]在两页(或两个日期窗口)中重复")  # type: ignore[arg-type]
                seen.add(key)
        return found

    def _pages(self, endpoint: str, patient: str | None, biz: dict[str, Any]) -> list[Mapping[str, Any]]:
        paged = responses.ENDPOINTS[endpoint].paged
        found: list[Mapping[str, Any]] = []
        first_total: int | None = None
        for page_no in range(1, MAX_PAGES + 1):
            params = {**biz, "pageNo": page_no, "pageSize": self.page_size} if paged else biz
            call, data = self._send(endpoint, params, patient)
            if not isinstance(data, Mapping) or not isinstance(data.get("list"), list):
                return found
            page = [r for r in data["list"] if isinstance(r, Mapping)]
            order = responses.ENDPOINTS[endpoint].order
            if found and page and order and str(page[0].get(order)) < str(found[-1].get(order)):
                call.problems.append(f"第{page_no}页首条的{order}[{page[0].get(order)}]早于上一页末条"
                                     f"[{found[-1].get(order)}]，翻页未按{order}排序")  # fmt: skip
            found += page
            if first_total is None:
                first_total = call.total
            elif call.total != first_total:
                call.problems.append(f"翻页期间total由{first_total}变为{call.total}")
            if not paged or not page or first_total is None or len(found) >= first_total:
                break
        else:
            self._cross(endpoint, f"超过{MAX_PAGES}页未取完，不再翻页")
            return found
        if paged and first_total is not None and len(found) != first_total:
            self._cross(endpoint, f"各页合计{len(found)}条，与total {first_total}不符")
        return found

    def collect(self, kind: str, rows: Sequence[Mapping[str, Any]], name: str | None = None) -> list[str]:
        """The non-empty values of ``name`` (default: ``kind``) in ``rows``, kept in the report; in order, once."""
        values = list(dict.fromkeys(str(r[name or kind]) for r in rows if r.get(name or kind) not in (None, "")))
        self.report.found.setdefault(kind, set()).update(values)
        return values

    def capped(self, endpoint: str, ids: list[Any]) -> list[Any]:
        if len(ids) > self.max_ids:
            self._cross(endpoint, f"共{len(ids)}个ID，只查了前{self.max_ids}个（max_ids）")
        return ids[: self.max_ids]


def _strings(data: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, Mapping):
        for k, v in data.items():
            yield from _strings(v, str(k))
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v, key)
    elif isinstance(data, str):
        yield key, data


def _same(w: _Walk, endpoint: str, what: str, got: Mapping[str, Any], source: str, expected: Mapping[str, Any],
          names: Sequence[str]) -> None:  # fmt: skip
    """Cross-answer: ``got`` (the answer of ``endpoint`` about ``what``) agrees with ``source``'s row on ``names``."""
    for name in names:
        if got.get(name) != expected.get(name):
            w._cross(endpoint, f"{what}的字段[{name}]为[{got.get(name)}]，{source}为[{expected.get(name)}]")


def walk(caller: CityBrainCaller, patient_id: str, *, start_date: date | str, end_date: date | str,
         inpatient_id: str | None = None, page_size: int = 50, max_days: int = 31, max_ids: int = 20) -> JourneyReport:  # fmt: skip
    """Walk ``patient_id``'s journey from ``start_date`` to ``end_date`` (and ``inpatient_id``'s stays, admitted in
    that range) through every endpoint; never raises on a bad answer — the report says what was wrong."""
    start, end = _as_date(start_date), _as_date(end_date)
    report = JourneyReport(patient_id, start, end, inpatient_id, f"{caller.app_id}, {caller.sign_type}",
                           {n: EndpointReport(n, responses.ENDPOINTS[n].title) for n in WALK_ORDER})  # fmt: skip
    w = _Walk(caller, report, page_size=page_size, max_days=max_days, max_ids=max_ids)
    span = {"startDate": start, "endDate": end}
    p = patient_id

    w.one("health")
    w.rows("departments")
    w.rows("staff")
    profile = w.one("patientProfile", p, patientId=p)
    if isinstance(profile, Mapping):
        names = ("patientName", *IDENTITY_FIELDS)
        w.identity = {n: str(profile[n]) for n in names if isinstance(profile.get(n), str) and len(profile[n]) >= 2}

    registrations = w.rows("registrations", p, patientId=p, **span)
    reg_ids = w.collect("regId", registrations)
    by_reg = {r.get("regId"): r for r in registrations}
    for reg_id in w.capped("queueInfo", reg_ids):
        queue = w.one("queueInfo", p, regId=reg_id)
        if isinstance(queue, Mapping):
            _same(w, "queueInfo", f"queueInfo({reg_id})", queue, "挂号查询", by_reg[reg_id],
                  ("regId", "visitDate", "timeSlot", "queueNo", "deptCode", "regStatus"))  # fmt: skip
    if not reg_ids:
        w._skip("queueInfo", "挂号查询没有答复挂号ID")

    w.rows("selfCheckins", p, patientId=p, **span)
    visits = w.rows("visitRegistrations", p, patientId=p, **span)
    reg_ids = list(dict.fromkeys([*reg_ids, *w.collect("regId", visits)]))
    adm_ids = w.collect("admId", visits)

    orders_by_reg: dict[str, list[Mapping[str, Any]]] = {}
    for reg_id in w.capped("outpatientOrders", reg_ids):
        orders_by_reg[reg_id] = w.rows("outpatientOrders", p, regId=reg_id)
        for row in orders_by_reg[reg_id]:
            if row.get("regId") != reg_id:
                w._cross("outpatientOrders", f"outpatientOrders({reg_id})答复了挂号[{row.get('regId')}]的单据")
        w.collect("orderNo", orders_by_reg[reg_id])
    if not reg_ids:
        w._skip("outpatientOrders", "挂号查询与就诊登记查询没有答复挂号ID")

    w.collect("applyNo", w.rows("medtechRegistrations", p, patientId=p, **span))
    confirmations = w.rows("reportConfirmations", p, patientId=p, **span)
    labs = w.rows("labReports", p, patientId=p, **span)
    exams = w.rows("examReports", p, patientId=p, **span)
    for endpoint, kind, rows in (("labReports", "1", labs), ("examReports", "2", exams)):
        confirmed = {r.get("reportId") for r in confirmations if r.get("reportKind") == kind}
        answered = set(w.collect("reportId", rows))
        if confirmed != answered:
            w._cross(endpoint, f"报告ID{sorted(answered)}与检查检验报告确认查询(reportKind {kind})的"
                               f"{sorted(map(str, confirmed))}不一致")  # fmt: skip

    w.collect("rxNo", w.rows("prescriptions", p, patientId=p, **span))
    for reg_id, orders in orders_by_reg.items():
        of_visit = set(w.collect("rxNo", w.rows("prescriptions", p, regId=reg_id)))
        ordered = {str(o["orderNo"]) for o in orders if o.get("orderKind") in ("1", "2")}
        if of_visit != ordered:
            w._cross("prescriptions", f"prescriptions(regId={reg_id})的处方{sorted(of_visit)}与门诊就诊开单查询的"
                                      f"处方{sorted(ordered)}不一致")  # fmt: skip

    charges = w.rows("chargeConfirmations", p, patientId=p, **span)
    by_bill = {r.get("billNo"): r for r in charges}
    details: dict[str, Mapping[str, Any]] = {}
    for bill_no in w.capped("outpatientPaymentDetail", w.collect("billNo", charges)):
        detail = w.one("outpatientPaymentDetail", p, billNo=bill_no)
        if isinstance(detail, Mapping):
            details[bill_no] = detail
            _same(w, "outpatientPaymentDetail", f"缴费详情({bill_no})", detail, "收费确认", by_bill[bill_no],
                  ("billNo", "paidAt", "totalAmount", "insuranceAmount", "selfAmount", "refundedAmount", "billStatus",
                   "itemCount", "payType", "payChannel", "invoiceNo"))  # fmt: skip
    if not by_bill:
        w._skip("outpatientPaymentDetail", "收费确认查询没有答复收费单号")

    for refund in w.rows("refunds", p, patientId=p, **span):
        refund_no, bill_no = refund.get("refundNo"), refund.get("billNo")
        w.collect("refundNo", [refund])
        paid = str(refund.get("paidAt") or "")[:10]
        if start.isoformat() <= paid <= end.isoformat() and bill_no not in by_bill:
            w._cross("refunds", f"退费[{refund_no}]的原收费单[{bill_no}]收费于范围内，但收费确认查询没有它")
        if bill_no in details:
            marked = [ln for ln in details[bill_no].get("lines") or [] if ln.get("refundNo") == refund_no]
            if len(marked) != len(refund.get("lines") or []):
                w._cross("refunds", f"退费[{refund_no}]有{len(refund.get('lines') or [])}条明细，但缴费详情"
                                    f"({bill_no})中标记为该退费的明细有{len(marked)}条")  # fmt: skip

    for invoice in w.rows("outpatientInvoices", p, patientId=p, **span):
        w.collect("invoiceNo", [invoice])
        bill = by_bill.get(invoice.get("billNo"))
        if bill is None:
            w._cross("outpatientInvoices", f"发票[{invoice.get('invoiceNo')}]的收费单[{invoice.get('billNo')}]"
                                           "不在收费确认查询的答复中")  # fmt: skip
        else:
            _same(w, "outpatientInvoices", f"发票({invoice.get('invoiceNo')})", invoice, "收费确认",
                  {**bill, "invoiceTime": bill.get("paidAt")},
                  ("invoiceTime", "totalAmount", "insuranceAmount", "selfAmount", "refundedAmount", "payType"))  # fmt: skip

    records = w.rows("medicalRecords", p, patientId=p, **span)
    w.collect("recordId", records)
    for record in w.capped("medicalRecordDetail", records):
        detail = w.one("medicalRecordDetail", p, recordType=record.get("recordType"), recordId=record.get("recordId"))
        if isinstance(detail, Mapping):
            _same(w, "medicalRecordDetail", f"病历详情({record.get('recordId')})", detail, "病历列表", record,
                  ("recordType", "recordId", "visitType", "visitId", "recordTime", "recordStatus", "revision"))  # fmt: skip
    if not records:
        w._skip("medicalRecordDetail", "病历列表没有答复病历")

    w.collect("allergyId", w.rows("allergies", p, patientId=p))
    for row in w.rows("cancelledRegistrations", p, patientId=p, **span):
        if row.get("regId") in by_reg:
            _same(w, "cancelledRegistrations", f"退号({row.get('regId')})", row, "挂号查询", by_reg[row["regId"]],
                  ("regStatus", "cancelTime", "queueNo", "visitDate"))  # fmt: skip
    w.collect("stopId", w.rows("scheduleStops", **span))

    stays = dict.fromkeys(adm_ids, p)  # admId → whose stay
    for who in dict.fromkeys(x for x in (p, inpatient_id) if x):
        for adm_id in w.collect("admId", w.rows("admissions", who, patientId=who, **span)):
            stays.setdefault(adm_id, who)
    _walk_stays(w, stays)
    return report


def _walk_stays(w: _Walk, stays: Mapping[str, str]) -> None:
    if not stays:
        for endpoint in ("inpatientOrders", "inpatientFees", "inpatientInvoices"):
            w._skip(endpoint, "入科登记与就诊登记查询没有答复住院号")
        return
    for adm_id in w.capped("inpatientOrders", list(stays)):
        who = stays[adm_id]
        answers = [("inpatientOrders", w.rows("inpatientOrders", who, admId=adm_id)),
                   ("inpatientFees", fees := w.rows("inpatientFees", who, admId=adm_id)),
                   ("inpatientInvoices", w.rows("inpatientInvoices", who, admId=adm_id))]  # fmt: skip
        days = sorted({str(f.get("feeTime"))[:10] for f in fees if f.get("feeTime")})
        if days:  # one day's fees: the day's rows, no others (checked by responses.check's range)
            day = w.rows("inpatientFees", who, admId=adm_id, feeDate=days[0])
            expected = sum(1 for f in fees if str(f.get("feeTime"))[:10] == days[0])
            if len(day) != expected:
                w._cross("inpatientFees", f"inpatientFees({adm_id}, feeDate={days[0]})答复{len(day)}条，"
                                          f"全部费用中该日有{expected}条")  # fmt: skip
        for endpoint, rows in answers:
            for row in rows:
                if row.get("admId") != adm_id:
                    w._cross(endpoint, f"{endpoint}({adm_id})答复了住院号[{row.get('admId')}]的记录")


# ------------------------------------------------------------------------------------------------ attacks, flood


def _stand_in(endpoint: str, report: JourneyReport) -> dict[str, Any]:
    """A well-formed bizContent for an endpoint the walk never reached (ids that need not exist)."""
    values = {"patientId": report.patient_id, "startDate": report.start_date, "endDate": report.end_date,
              "regId": "0", "admId": "0", "billNo": "0", "recordType": "01", "recordId": "0"}  # fmt: skip
    spec_ = responses.ENDPOINTS[endpoint]
    return responses.request(endpoint, **{p.name: values[p.name] for p in spec_.params if p.required})


@dataclass(frozen=True)
class AttackResult:
    endpoint: str
    attack: str  # a key of caller.ATTACKS, or "replay"
    title: str
    expected: str
    status: int | None
    code: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.code == self.expected and not self.problems


@dataclass
class AttackReport:
    results: list[AttackResult]

    @property
    def failures(self) -> list[AttackResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return bool(self.results) and not self.failures

    def table(self) -> str:
        endpoints = len({r.endpoint for r in self.results})
        lines = [f"攻击: {len(self.results)} 次（{endpoints} 个接口 × {len(self.results) // max(endpoints, 1)} 种）"]
        for r in self.failures:
            lines.append(f"未按预期拒绝 [{r.endpoint}] {r.title}: 应答复 {r.expected}，实际 {r.status}/{r.code}"
                         + (f"；{'；'.join(r.problems)}" if r.problems else ""))  # fmt: skip
        lines.append("结论: 全部按预期拒绝" if self.ok else f"结论: {len(self.failures)} 次未按预期拒绝")
        return "\n".join(lines)


def run_attacks(caller: CityBrainCaller, params: Mapping[str, Mapping[str, Any]], *,
                endpoints: Sequence[str] | None = None, replay: bool = True) -> AttackReport:  # fmt: skip
    """Every entry of :data:`caller.ATTACKS` (and, with ``replay``, one envelope sent twice: the second must be
    1004) against every endpoint, each with ``params[endpoint]`` as its bizContent."""
    results = []
    for endpoint in endpoints or WALK_ORDER:
        biz = dict(params.get(endpoint) or {})
        for name, attack in ATTACKS.items():
            reply = caller.attack(name, endpoint, biz)
            results.append(AttackResult(endpoint, name, attack.title, attack.code, reply.status, reply.code,
                                        tuple(reply.problems())))  # fmt: skip
        if replay:
            first, second = caller.replay(endpoint, biz)
            problems = tuple(second.problems()) + (("第一次就答复了1004",) if first.code == spec.REPLAY else ())
            results.append(AttackResult(endpoint, "replay", "同一请求重放", spec.REPLAY, second.status, second.code,
                                        problems))  # fmt: skip
    return AttackReport(results)


@dataclass(frozen=True)
class FloodCheck:
    result: FloodResult
    problems: tuple[str, ...]

    @property
    def throttled(self) -> int:
        return self.result.count(code=spec.TOO_MANY, status=429)

    @property
    def ok(self) -> bool:
        return not self.problems


def flood_check(caller: CityBrainCaller, endpoint: str = "health", biz: Mapping[str, Any] | None = None, *,
                n: int = 40, concurrency: int = 8) -> FloodCheck:  # fmt: skip
    """``n`` calls at once: every answer must be ``200/0`` or ``429/1007`` with ``Retry-After`` (nothing else)."""
    result = caller.flood(endpoint, dict(biz or {}), n=n, concurrency=concurrency)
    unexpected = [f"{key}: {count}次" for key, count in result.histogram.items() if key not in ("200/0", "429/1007")]
    return FloodCheck(result, tuple(f"意外的答复 {u}" for u in unexpected) + tuple(result.problems))


# ------------------------------------------------------------------------------------------------ the table


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(r)).rstrip() for r in rows]
