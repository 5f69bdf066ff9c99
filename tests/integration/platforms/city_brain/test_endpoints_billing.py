# ruff: noqa: F811 - fixtures are imported from the support modules and taken by name
"""收费、退费、发票与费用清单 on the PostgreSQL demo HIS: each endpoint's SQL on its own (rows valid for the answer's
model; the journey paid once after the visit and was refunded one drug; every visit of the demo days paid, a 医保
bill being its settlement, a cancelled settlement a whole refund; invoices and fee lists adding up by 医疗收费项目类别),
then through the app: a good call, paging, a range over the limit (2002), unknown ids (2004 / empty lists)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.integration.platforms.city_brain.demo_support import (  # noqa: F401 - fixtures by name
    DAY,
    PREV,
    TOO_LONG,
    Demo,
    anyio_backend,
    day_range,
    demo,
    demo_ledger,
    demo_rig,
    ok,
    refused,
    sql_items,
    wire_time,
)

anyio = pytest.mark.anyio
DAYS = day_range(PREV, DAY)
JOURNEY_LINES = [  # (fee category, amount, line status)
    ("02", Decimal("20.00"), "1"), ("04", Decimal("25.00"), "1"), ("03", Decimal("70.00"), "1"),
    ("09", Decimal("15.20"), "1"), ("09", Decimal("19.80"), "1"), ("11", Decimal("14.80"), "2")]


# -- the SQL ------------------------------------------------------------------------------------------------------
def test_the_journey_paid_once_after_the_visit(demo: Demo) -> None:
    e = demo.edge
    [bill] = sql_items(demo, "chargeConfirmations", {"patientId": e.journey_patient, **day_range()})
    assert (bill.bill_no, bill.reg_id, bill.paid_at, bill.pay_type, bill.pay_channel_name) == (
        e.journey_bill, e.journey_registration, e.journey_times[8], "2", "银行卡")
    assert (bill.total_amount, bill.insurance_amount, bill.self_amount, bill.refunded_amount) == (
        Decimal("164.80"), Decimal("0.00"), Decimal("164.80"), Decimal("14.80"))
    assert (bill.bill_status, bill.item_count, bill.setl_id, bill.invoice_no is not None) == ("2", 6, None, True)
    assert bill.paid_at > max(e.journey_times[:8])  # after everything the visit had: 先诊疗后付费
    [detail] = sql_items(demo, "outpatientPaymentDetail", {"billNo": e.journey_bill})
    assert [(x.fee_cat, x.amount, x.line_status) for x in detail.lines] == JOURNEY_LINES
    assert [x.source_no for x in detail.lines] == [e.journey_registration, e.journey_lab_apply, e.journey_exam_apply,
                                                   e.journey_rx_no, e.journey_rx_no, e.journey_rx_no]
    refunded = detail.lines[-1]
    assert (f"{e.journey_bill}-{refunded.line_no:02d}", refunded.refund_no, refunded.item_name,
            refunded.fee_cat_name) == (
        e.journey_refunded_line, e.journey_refund, "连花清瘟胶囊", "中成药费")


def test_the_journeys_refund_and_invoice(demo: Demo) -> None:
    e = demo.edge
    [refund] = sql_items(demo, "refunds", {"patientId": e.journey_patient, **day_range()})
    assert (refund.refund_no, refund.bill_no, refund.refund_time, refund.refund_amount) == (
        e.journey_refund, e.journey_bill, e.journey_times[9], Decimal("14.80"))
    assert (refund.insurance_amount, refund.self_amount, refund.refund_channel, refund.pay_type) == (
        Decimal("0.00"), Decimal("14.80"), "card", "2")
    assert refund.reason == "患者放弃取药，申请退费" and refund.red_invoice_no and refund.cancel_setl_id is None
    assert [(x.item_name, x.amount) for x in refund.lines] == [("连花清瘟胶囊", Decimal("14.80"))]
    [invoice] = sql_items(demo, "outpatientInvoices", {"patientId": e.journey_patient, **day_range()})
    assert (invoice.bill_no, invoice.void_flag, invoice.refunded_amount, invoice.invoice_time) == (
        e.journey_bill, "2", Decimal("14.80"), e.journey_times[8])
    assert [(c.fee_cat, c.fee_cat_name, c.amount) for c in invoice.fee_cats] == [
        ("02", "诊察费", Decimal("20.00")), ("03", "检查费", Decimal("70.00")), ("04", "化验费", Decimal("25.00")),
        ("09", "西药费", Decimal("35.00")), ("11", "中成药费", Decimal("14.80"))]


def test_every_visit_of_the_demo_days_paid_and_every_bill_adds_up(demo: Demo) -> None:
    visits = demo.rows("SELECT reg_id, patient_id FROM registration WHERE status = 'normal' "
                       "AND visit_status IN ('called', 'done') AND visit_date IN (:p, :d) ORDER BY reg_id", p=PREV, d=DAY)
    bills = [b for p in sorted({v["patient_id"] for v in visits})
             for b in sql_items(demo, "chargeConfirmations", {"patientId": p, **DAYS})]
    assert {v["reg_id"] for v in visits} == {b.reg_id for b in bills}
    for bill in bills:
        assert bill.total_amount == bill.insurance_amount + bill.self_amount
        [detail] = sql_items(demo, "outpatientPaymentDetail", {"billNo": bill.bill_no})
        assert sum(x.amount for x in detail.lines) == bill.total_amount and len(detail.lines) == bill.item_count
        assert bill.refunded_amount == sum((x.amount for x in detail.lines if x.line_status == "2"), Decimal(0))
    credit = Counter(b.reg_id for b in bills if b.pay_type != "0")
    assert credit and set(credit.values()) == {1}, "a signed-up patient pays once a visit"
    assert {b.pay_channel for b in bills} >= {"wechat", "alipay", "card", "cash", "none"}


def test_a_medicare_bill_is_its_settlement_and_its_cancellation_a_whole_refund(demo: Demo) -> None:
    settlements = demo.rows("SELECT setl_id, patient_id, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, "
                            "bill_no FROM insu_settlement WHERE visit_kind = 'O' AND refd_setl_flag = '0' "
                            "ORDER BY setl_id")
    bills = {b.setl_id: b for p in sorted({s["patient_id"] for s in settlements})
             for b in sql_items(demo, "chargeConfirmations", {"patientId": p, **DAYS}) if b.setl_id}
    assert set(bills) == {s["setl_id"] for s in settlements}
    for s in settlements:
        b = bills[s["setl_id"]]
        assert (b.total_amount, b.insurance_amount, b.self_amount, b.invoice_no) == (
            s["medfee_sumamt"], s["fund_pay_sumamt"] + s["acct_pay"], s["psn_cash_pay"], s["bill_no"])
    cancelled = bills[demo.insurance.settlement_cancelled]
    assert (cancelled.bill_no, cancelled.bill_status) == (demo.edge.settlement_bill, "3")
    [refund] = [r for r in sql_items(demo, "refunds", {"patientId": cancelled.patient_id, **DAYS})
                if r.bill_no == cancelled.bill_no]
    assert (refund.refund_no, refund.refund_amount, refund.insurance_amount) == (
        demo.edge.settlement_refund, cancelled.total_amount, cancelled.insurance_amount)
    assert refund.cancel_setl_id == demo.insurance.settlement_cancellation
    assert len(refund.lines) == cancelled.item_count


def test_inpatient_invoices_add_up_by_fee_category(demo: Demo) -> None:
    cancelled = demo.one("SELECT adm_id, patient_id FROM insu_settlement WHERE setl_id = :s",
                         s=demo.insurance.setl_list_cancelled)
    [invoice] = sql_items(demo, "inpatientInvoices", {"admId": cancelled["adm_id"]})
    assert (invoice.setl_id, invoice.void_flag, invoice.void_time.date()) == (
        demo.insurance.setl_list_cancelled, "1", DAY)
    assert sum(c.amount for c in invoice.fee_cats) == invoice.total_amount
    assert invoice.fund_amount + invoice.account_amount + invoice.self_amount == invoice.total_amount
    assert {c.fee_cat for c in invoice.fee_cats} >= {"01", "07"}  # 床位费, 护理费
    mine = sql_items(demo, "inpatientInvoices", {"patientId": cancelled["patient_id"]})
    assert invoice.setl_id in [i.setl_id for i in mine] and all(i.patient_id == cancelled["patient_id"] for i in mine)
    valid = demo.insurance.setl_list_valid[0]
    adm = demo.one("SELECT adm_id FROM insu_settlement WHERE setl_id = :s", s=valid)["adm_id"]
    [ok_invoice] = sql_items(demo, "inpatientInvoices", {"admId": adm})
    assert (ok_invoice.void_flag, ok_invoice.void_time) == ("0", None)


def test_inpatient_fees_all_or_of_one_day(demo: Demo) -> None:
    stay = demo.one("SELECT adm_id, mdtrt_id FROM insu_settlement WHERE setl_id = :s",
                    s=demo.insurance.setl_list_valid_on_day[0])
    lines = demo.one("SELECT COUNT(*) AS n, SUM(amount) AS amount FROM fee_detail WHERE mdtrt_id = :m "
                     "AND visit_kind = 'I'", m=stay["mdtrt_id"])
    fees = sql_items(demo, "inpatientFees", {"admId": stay["adm_id"]})
    assert (len(fees), sum(f.amount for f in fees)) == (lines["n"], lines["amount"])
    assert all(f.adm_id == stay["adm_id"] and f.fee_cat_name for f in fees)
    assert [f.fee_time for f in fees] == sorted(f.fee_time for f in fees)
    today = sql_items(demo, "inpatientFees", {"admId": stay["adm_id"], "feeDate": DAY.isoformat()})
    assert today and {f.fee_id for f in today} == {f.fee_id for f in fees if f.fee_time.date() == DAY}
    assert {f.settled_flag for f in today} == {"1"}


# -- through the app ----------------------------------------------------------------------------------------------
@anyio
async def test_the_journeys_payment_through_the_app(demo_rig, demo: Demo) -> None:
    e = demo.edge
    data = ok(await demo_rig.call("chargeConfirmations", {"patientId": e.journey_patient, **day_range()}))
    [bill] = data["list"]
    assert (bill["billNo"], bill["paidAt"], bill["totalAmount"], bill["refundedAmount"], bill["payType"]) == (
        e.journey_bill, wire_time(e.journey_times[8]), "164.80", "14.80", "2")
    detail = ok(await demo_rig.call("outpatientPaymentDetail", {"billNo": e.journey_bill}))
    assert detail["billNo"] == e.journey_bill and [x["feeCat"] for x in detail["lines"]] == [
        c for c, _, _ in JOURNEY_LINES]
    assert detail["lines"][-1] | {"execDeptName": None} == {
        "lineNo": 6, "itemKind": "drug", "itemCode": detail["lines"][-1]["itemCode"], "itemName": "连花清瘟胶囊",
        "spec": detail["lines"][-1]["spec"], "unit": "盒", "feeCat": "11", "feeCatName": "中成药费", "qty": "1",
        "unitPrice": "14.80", "amount": "14.80", "execDeptCode": "3010", "execDeptName": None,
        "sourceNo": e.journey_rx_no, "lineStatus": "2", "refundNo": e.journey_refund}
    refunds = ok(await demo_rig.call("refunds", {"patientId": e.journey_patient, **day_range()}))
    assert [(r["refundNo"], r["refundAmount"], len(r["lines"])) for r in refunds["list"]] == [
        (e.journey_refund, "14.80", 1)]
    invoices = ok(await demo_rig.call("outpatientInvoices", {"patientId": e.journey_patient, **day_range()}))
    assert [c["amount"] for c in invoices["list"][0]["feeCats"]] == ["20.00", "70.00", "25.00", "35.00", "14.80"]


@anyio
async def test_inpatient_fees_and_invoices_through_the_app(demo_rig, demo: Demo) -> None:
    stay = demo.one("SELECT adm_id, patient_id FROM insu_settlement WHERE setl_id = :s",
                    s=demo.insurance.setl_list_valid_on_day[0])
    everything = ok(await demo_rig.call("inpatientFees", {"admId": stay["adm_id"], "pageSize": 200}))
    first = ok(await demo_rig.call("inpatientFees", {"admId": stay["adm_id"], "pageSize": 3}))
    second = ok(await demo_rig.call("inpatientFees", {"admId": stay["adm_id"], "pageNo": 2, "pageSize": 3}))
    assert everything["total"] == first["total"] == second["total"] >= 6
    assert first["list"] + second["list"] == everything["list"][:6]
    one_day = ok(await demo_rig.call("inpatientFees", {"admId": stay["adm_id"], "feeDate": DAY.isoformat()}))
    assert 0 < one_day["total"] < everything["total"]
    assert all(f["feeTime"].startswith(DAY.isoformat()) for f in one_day["list"])
    invoices = ok(await demo_rig.call("inpatientInvoices", {"admId": stay["adm_id"]}))
    assert invoices["total"] == 1 and invoices["list"][0]["feeCats"]


@anyio
@pytest.mark.parametrize("path", ["chargeConfirmations", "refunds", "outpatientInvoices"])
async def test_a_range_over_the_limit_is_2002(demo_rig, demo: Demo, path: str) -> None:
    demo_rig.counter.reset()
    assert refused(await demo_rig.call(path, {"patientId": demo.edge.journey_patient, **TOO_LONG})) == "2002"
    assert demo_rig.counter.count == 0


@anyio
async def test_bills_of_a_busy_patient_page_in_payment_order(demo_rig, demo: Demo) -> None:
    patient = demo.rows("SELECT patient_id FROM charge_bill GROUP BY patient_id ORDER BY COUNT(*) DESC, patient_id"
                        )[0]["patient_id"]
    everything = ok(await demo_rig.call("chargeConfirmations", {"patientId": patient, **DAYS, "pageSize": 200}))
    assert everything["total"] >= 2
    first = ok(await demo_rig.call("chargeConfirmations", {"patientId": patient, **DAYS, "pageSize": 1}))
    second = ok(await demo_rig.call("chargeConfirmations", {"patientId": patient, **DAYS, "pageNo": 2,
                                                           "pageSize": 1}))
    assert first["list"] + second["list"] == everything["list"][:2]


@anyio
async def test_unknown_ids(demo_rig) -> None:
    answer = await demo_rig.call("outpatientPaymentDetail", {"billNo": "SF-NO-SUCH"})
    assert refused(answer) == "2004" and "门诊缴费详情" in answer.json()["message"]
    for path, biz in (("inpatientFees", {"admId": "ZY-NO-SUCH"}), ("inpatientInvoices", {"admId": "ZY-NO-SUCH"}),
                      ("chargeConfirmations", {"patientId": "NO-SUCH", **DAYS}),
                      ("refunds", {"patientId": "NO-SUCH", **DAYS})):
        data = ok(await demo_rig.call(path, biz))
        assert (data["total"], data["list"]) == (0, []), path
    answer = await demo_rig.call("inpatientInvoices", {})
    assert refused(answer) == "2001" and "admId" in answer.json()["message"]
    answer = await demo_rig.call("inpatientFees", {"admId": "ZY1", "feeDate": "2026/11/24"})
    assert refused(answer) == "2001" and "feeDate" in answer.json()["message"]


@anyio
async def test_the_day_before_and_after_have_no_journey(demo_rig, demo: Demo) -> None:
    for first, last in ((PREV, PREV), (DAY + timedelta(days=1), DAY + timedelta(days=1))):
        data = ok(await demo_rig.call("chargeConfirmations", {"patientId": demo.edge.journey_patient,
                                                              **day_range(first, last)}))
        assert data["total"] == 0


@anyio
async def test_the_planted_journey_end_to_end_as_the_city_brain_walks_it(demo_rig, demo: Demo) -> None:
    """先诊疗后付费, step by step: each call asks with what the answers before it gave."""
    patient = demo.edge.journey_patient
    today = {"patientId": patient, **day_range()}
    calls: list[str] = []

    async def data(path: str, biz: dict) -> dict:
        answer = await demo_rig.call(path, biz)
        calls.append(answer.headers["x-request-id"])
        return ok(answer)

    [reg] = (await data("registrations", today))["list"]
    reg_id = reg["regId"]
    queue = await data("queueInfo", {"regId": reg_id})
    [checkin] = (await data("selfCheckins", today))["list"]
    [visit] = (await data("visitRegistrations", today))["list"]
    assert queue["queueNo"] == checkin["queueNo"] == reg["queueNo"] and visit["visitId"] == reg_id
    assert reg["regTime"] < checkin["checkinTime"] == visit["visitTime"]

    orders = (await data("outpatientOrders", {"regId": reg_id}))["list"]
    tests = {o["orderNo"]: o for o in orders if o["orderKind"] in ("3", "4")}
    [rx_order] = [o for o in orders if o["orderKind"] == "1"]
    registered = (await data("medtechRegistrations", today))["list"]
    assert {m["applyNo"] for m in registered} == set(tests)
    ready = (await data("reportConfirmations", today))["list"]
    labs = (await data("labReports", today))["list"]
    exams = (await data("examReports", today))["list"]
    assert {r["reportId"] for r in ready} == {m["reportId"] for m in registered} == {
        x["reportId"] for x in labs + exams}
    assert {x["applyNo"] for x in labs + exams} == set(tests)
    assert all(checkin["checkinTime"] < o["orderTime"] < r["reportTime"] for o in tests.values() for r in ready)
    [rx] = (await data("prescriptions", {"regId": reg_id}))["list"]
    assert rx["rxNo"] == rx_order["orderNo"] and rx["rxTime"] > max(r["reportTime"] for r in ready)

    [bill] = (await data("chargeConfirmations", today))["list"]
    assert bill["payType"] == reg["payType"] == visit["payType"] == "2" and bill["regId"] == reg_id
    assert bill["paidAt"] > rx["rxTime"] and bill["billStatus"] == "2"
    detail = await data("outpatientPaymentDetail", {"billNo": bill["billNo"]})
    assert {x["sourceNo"] for x in detail["lines"]} == {reg_id, *tests, rx["rxNo"]}
    [refund] = (await data("refunds", today))["list"]
    assert refund["billNo"] == bill["billNo"] and refund["refundTime"] > bill["paidAt"]
    assert [x["lineNo"] for x in refund["lines"]] == [x["lineNo"] for x in detail["lines"] if x["lineStatus"] == "2"]
    assert refund["refundAmount"] == bill["refundedAmount"]
    [invoice] = (await data("outpatientInvoices", today))["list"]
    assert invoice["invoiceNo"] == bill["invoiceNo"] == refund["invoiceNo"]
    assert sum(Decimal(c["amount"]) for c in invoice["feeCats"]) == Decimal(bill["totalAmount"])

    [record] = (await data("medicalRecords", today))["list"]
    note = await data("medicalRecordDetail", {"recordType": record["recordType"], "recordId": record["recordId"]})
    [allergy] = (await data("allergies", {"patientId": patient}))["list"]
    assert record["visitId"] == reg_id and allergy["allergenName"] in note["allergyHis"]

    assert len(calls) == 17
    entry = demo_rig.journal(calls[-1])
    assert (entry["operation"], entry["outcome"], entry["caller"]) == ("allergies", "ok", "cb01")
