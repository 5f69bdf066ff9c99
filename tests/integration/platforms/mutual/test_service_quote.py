# ruff: noqa: F811 - the rig's fixtures are imported from service_support and taken by name
"""获取引用检验报告: a quoted lab report is written into the HIS-side tables the EMR reads, once per visit and
report, and its quote log reaches the platform with the same quote id."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hisbridge.platforms.mutual.service.quote_tables import quoted_report, quoted_result

from .service_support import (  # noqa: F401 - fixtures
    DOCTOR,
    PATIENT,
    VISIT,
    anyio_backend,
    his_db,
    ledger,
    rig,
    sim,
)

pytestmark = pytest.mark.anyio


def _his_rows(rig) -> tuple[list[dict], list[dict]]:
    with rig.his.connect() as conn:
        reports = [dict(r._mapping) for r in conn.execute(select(quoted_report))]
        lines = [dict(r._mapping) for r in conn.execute(select(quoted_result).order_by(quoted_result.c.line_no))]
    return reports, lines


async def _lab(page, microbe: bool = False) -> dict:
    reports = [p["report"] for p in (await page.reports()).json()["reports"]]
    chosen = [r for r in reports if ("培养" in (r["itemName"] or "")) == microbe]
    assert chosen, "the simulator holds such a lab report of the patient"
    return chosen[0]


async def test_a_quoted_lab_report_is_written_for_the_emr_and_its_quote_log_uploaded(rig) -> None:
    page = rig.page(await rig.link())
    report = await _lab(page)
    detail = (await page.open(report["reportId"])).json()["report"]

    answer = await page.act(report["reportId"], "quote")
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "recorded" and body["written"] is True, body
    assert body["message"] == "已引用到本次就诊，引用记录平台已接收" and body["state"]["quoted"] is True

    [row], lines = _his_rows(rig)
    assert (row["quote_id"], row["patient_id"], row["visit_id"], row["report_id"], row["doctor_id"]) == (
        body["quoteId"], PATIENT, VISIT, report["reportId"], DOCTOR)
    assert (row["item_type"], row["item_code"], row["report_org_code"]) == (
        "LIS", report["itemCode"], report["reportOrgCode"])
    assert row["report_time"] is not None and row["microbe_flag"] == "0"
    assert [(line["line_kind"], line["item_code"], line["result_value"]) for line in lines] == [
        ("item", i["itemCode"], i["result"]) for i in detail["items"]]

    [log] = rig.records("quote", GHId=VISIT)
    assert log.key == body["quoteId"] and log.data["reportId"] == report["reportId"]
    assert (log.data["clientType"], log.data["microbiaMark"], log.data["idCardTypeCode"]) == ("2", "0", "01")


async def test_quoting_the_same_report_again_writes_nothing_new(rig) -> None:
    page = rig.page(await rig.link())
    rid = (await _lab(page))["reportId"]
    first = (await page.act(rid, "quote")).json()
    second = await page.act(rid, "quote")
    assert second.status_code == 200
    assert second.json()["quoteId"] == first["quoteId"] and second.json()["written"] is False
    assert second.json()["message"] == "该报告已引用到本次就诊"
    reports, _ = _his_rows(rig)
    assert len(reports) == 1 and len(rig.records("quote", GHId=VISIT)) == 1


async def test_a_quote_whose_log_never_left_is_logged_when_quoted_again(rig) -> None:
    page = rig.page(await rig.link())
    rid = (await _lab(page))["reportId"]
    rig.sim.faults.apply_json({"kind": "http_500_before", "op": "uploadQuoteLog"})
    first = (await page.act(rid, "quote")).json()
    assert first["status"] == "queued" and "稍后自动补传" in first["message"]
    assert not rig.records("quote")
    from datetime import UTC, datetime, timedelta

    from hisbridge.platforms.mutual.service.outbox import resend_pending_records

    assert resend_pending_records(rig.ledger, rig.service.client,
                                  clock=lambda: datetime.now(UTC) + timedelta(minutes=5)) == {"acknowledged": 1}
    [log] = rig.records("quote", GHId=VISIT)
    assert log.key == first["quoteId"]


async def test_a_microbiology_report_is_quoted_with_its_organisms_and_susceptibilities(rig) -> None:
    import random
    from datetime import timedelta

    from simulators.mutual import samples

    from .service_support import ID_CARD, NAME

    culture = samples.foreign_report(samples.Person("01", ID_CARD, NAME), "L0020", org=samples.ORGS[0],
                                     at=rig.sim.state.now() - timedelta(days=3), rng=random.Random(3), abnormal=True)
    rig.sim.state.add_reports([culture])
    page = rig.page(await rig.link())
    report = await _lab(page, microbe=True)
    detail = (await page.open(report["reportId"])).json()["report"]
    body = (await page.act(report["reportId"], "quote")).json()
    [row], lines = _his_rows(rig)
    kinds = [line["line_kind"] for line in lines]
    assert kinds == ["bacteria"] * len(detail["bacteria"]) + ["suscept"] * len(detail["susceptibility"])
    assert row["microbe_flag"] == "1"
    [log] = rig.records("quote", GHId=VISIT)
    assert log.key == body["quoteId"] and log.data["microbiaMark"] == "1"


async def test_exam_reports_are_not_quoted(rig) -> None:
    page = rig.page(await rig.link(type="exam"))
    rid = (await page.reports()).json()["reports"][0]["report"]["reportId"]
    refused = await page.act(rid, "quote")
    assert refused.status_code == 400 and refused.json()["error"]["message"] == "只有检验报告可以引用"
    assert _his_rows(rig) == ([], [])
