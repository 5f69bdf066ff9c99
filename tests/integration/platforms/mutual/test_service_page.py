# ruff: noqa: F811 - the rig's fixtures are imported from service_support and taken by name
"""The 互认 page and its API: links with signed tickets bound to patient, doctor and visit; the list of other
hospitals' reports; opening one (a retrieval record); 互认, 不互认 with a reason, 撤销 — each on the simulator."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from hisbridge.platforms.mutual.service import tickets
from hisbridge.platforms.mutual.service.tickets import PageContext

from .service_support import (  # noqa: F401 - fixtures
    DOCTOR,
    ID_CARD,
    NAME,
    PATIENT,
    SECRET,
    VISIT,
    anyio_backend,
    his_db,
    ledger,
    make_service,
    open_rig,
    rig,
    sim,
)

pytestmark = pytest.mark.anyio


async def _first_report(page) -> dict:
    listing = (await page.reports()).json()
    assert listing["status"] == "ok" and listing["reports"], listing
    return listing["reports"][0]["report"]


async def test_a_page_link_opens_the_page_with_the_lab_reports_and_the_masked_patient(rig) -> None:
    link = await rig.link()
    assert link.startswith("/mutual/page?") and "ticket=" in link
    query = parse_qs(urlparse(link).query)
    assert {k: v[0] for k, v in query.items() if k != "ticket"} == {
        "PatientID": PATIENT, "doctorId": DOCTOR, "GHId": VISIT, "type": "lab", "mode": "recognize"}
    page = await rig.http.get(link)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "张*丰" in text and NAME not in text and ID_CARD not in text
    rows = re.findall(r"<tr class=report-row [^>]*data-report-id='([^']+)'", text)
    assert rows and all(r.startswith("LIS-") for r in rows)
    assert "id=decision-bar" in text and "id=btn-quote" in text
    assert "/mutual/static/mutual-page.js" in text and "http" not in text.split("<script", 1)[1][:80]
    script = await rig.http.get("/mutual/static/mutual-page.js")
    assert script.status_code == 200 and "X-Page-Ticket" in script.text
    [given] = [e for e in rig.journal() if e["operation"] == "page-link"]
    assert (given["caller"], given["business_ref"], given["direction"]) == ("门诊医生工作站", VISIT, "in")


async def test_view_mode_and_exam_pages_show_what_they_may(rig) -> None:
    view = await rig.http.get(await rig.link(mode="view"))
    assert view.status_code == 200 and "id=decision-bar" not in view.text
    exam = await rig.http.get(await rig.link(type="exam"))
    assert "id=btn-quote" not in exam.text
    assert re.findall(r"data-report-id='(PACS-[^']+)'", exam.text)


@pytest.mark.parametrize("change", ["forged", "expired", "other_patient", "other_visit", "mode", "missing"])
async def test_the_page_and_its_api_refuse_a_bad_ticket(rig, change) -> None:
    link = await rig.link()
    params = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
    ctx = PageContext(PATIENT, DOCTOR, VISIT, "lab", "recognize")
    if change == "forged":
        params["ticket"] = params["ticket"][:-3] + ("AAA" if not params["ticket"].endswith("AAA") else "BBB")
    elif change == "expired":
        params["ticket"] = tickets.issue(ctx, SECRET, 60, now=lambda: time.time() - 3600)
    elif change == "other_patient":
        params["PatientID"] = "P0002"
    elif change == "other_visit":
        params["GHId"] = "GH-OTHER"
    elif change == "mode":
        view = {k: v[0] for k, v in parse_qs(urlparse(await rig.link(mode="view")).query).items()}
        params["ticket"] = view["ticket"]  # a view ticket on a recognise URL
    else:
        del params["ticket"]
    page = await rig.http.get("/mutual/page?" + urlencode(params))
    assert page.status_code == 403 and "请从 HIS 重新打开互认页面" in page.text
    ticket = params.pop("ticket", "")
    api = await rig.http.get("/mutual/api/v1/page/reports", params=params, headers={"X-Page-Ticket": ticket})
    assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
    assert "重新打开" in api.json()["error"]["message"]


async def test_a_site_without_tickets_opens_the_page_from_its_parameters(sim, his_db, ledger) -> None:
    service = make_service(ledger, his_db, sim.url, page_auth="none", ticket_secret=None)
    async for made in open_rig(service, sim, his_db, ledger):
        link = await made.link()
        assert "ticket=" not in link
        assert (await made.http.get(link)).status_code == 200
        assert (await made.page(link).reports()).json()["reports"]


async def test_opening_a_report_shows_its_results_and_records_a_retrieval(rig) -> None:
    page = rig.page(await rig.link())
    report = await _first_report(page)
    answer = await page.open(report["reportId"])
    assert answer.status_code == 200, answer.text
    detail = answer.json()
    assert detail["report"]["reportId"] == report["reportId"] and detail["report"]["items"]
    assert "patientName" not in detail["report"]
    assert detail["state"]["viewed"] is True and detail["state"]["decision"] == "none"
    [retrieval] = rig.records("retrieval", GHId=VISIT)
    assert retrieval.data["ReportId"] == report["reportId"] and retrieval.data["DoctorId"] == DOCTOR
    assert retrieval.data["idCardTypeCode"] == "01"


async def test_not_recognised_with_a_reason_then_revoked_is_recorded_on_the_platform(rig) -> None:
    page = rig.page(await rig.link())
    report = await _first_report(page)
    rid = report["reportId"]

    answer = await page.act(rid, "reject", {"reasonCode": "03"})
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "recorded", body
    assert body["message"] == "已记录不互认（对诊疗意义重大（手术、输血等前）），平台已接收"
    assert (body["state"]["decision"], body["state"]["reasonCode"]) == ("not_recognised", "03")
    [record] = rig.records("recognition", GHId=VISIT)
    assert (record.data["reportId"], record.data["reasonCode"], record.data["recognise"]) == (rid, "03", "0")
    assert record.status == "live"

    again = await page.act(rid, "reject", {"reasonCode": "01"})
    assert again.status_code == 409 and "先撤销" in again.json()["error"]["message"]
    listed = {p["report"]["reportId"]: p["state"] for p in (await page.reports()).json()["reports"]}
    assert listed[rid]["decision"] == "not_recognised", "the list shows the current decision"

    revoked = await page.act(rid, "revoke")
    assert revoked.status_code == 200 and revoked.json()["message"] == "已撤销不互认，平台已接收"
    assert revoked.json()["state"]["decision"] == "revoked"
    [record] = rig.records("recognition", GHId=VISIT)
    assert record.status == "revoked"
    [revoke] = rig.records("revoke", GHId=VISIT)
    assert revoke.data["reportId"] == rid and revoke.data["clientType"] == "2"
    assert (await page.act(rid, "revoke")).status_code == 409


async def test_reason_99_needs_a_disease_name(rig) -> None:
    page = rig.page(await rig.link())
    rid = (await _first_report(page))["reportId"]
    refused = await page.act(rid, "reject", {"reasonCode": "99"})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "不互认原因 99（连续性监测需要）须填写疾病名称"
    assert not rig.records("recognition")
    unknown = await page.act(rid, "reject", {"reasonCode": "42"})
    assert unknown.status_code == 422 and "01–08、98 或 99" in unknown.json()["error"]["message"]

    done = await page.act(rid, "reject", {"reasonCode": "99", "diagName": "2型糖尿病"})
    assert done.status_code == 200 and done.json()["state"]["diagName"] == "2型糖尿病"
    [record] = rig.records("recognition", GHId=VISIT)
    assert (record.data["reasonCode"], record.data["diagName"]) == ("99", "2型糖尿病")


async def test_recognised_is_a_retrieval_record_and_not_after_a_live_non_recognition(rig) -> None:
    page = rig.page(await rig.link())
    reports = (await page.reports()).json()["reports"]
    first, second = reports[0]["report"]["reportId"], reports[-1]["report"]["reportId"]
    answer = await page.act(first, "recognise")
    assert answer.status_code == 200 and answer.json()["message"] == "已记录互认，平台已接收"
    assert answer.json()["state"]["decision"] == "recognised"
    assert [r.data["ReportId"] for r in rig.records("retrieval", GHId=VISIT)] == [first]
    assert (await page.act(first, "recognise")).json()["message"] == "该报告已记录互认"
    assert len(rig.records("retrieval", GHId=VISIT)) == 1, "not recorded twice"

    if second != first:
        await page.act(second, "reject", {"reasonCode": "07"})
        refused = await page.act(second, "recognise")
        assert refused.status_code == 409 and "请先撤销不互认" in refused.json()["error"]["message"]


async def test_a_decision_the_platform_cannot_take_now_is_kept_and_queued(rig) -> None:
    page = rig.page(await rig.link())
    rid = (await _first_report(page))["reportId"]
    rig.sim.faults.apply_json({"kind": "http_500_before", "op": "uploadRecognitionRecord"})
    answer = await page.act(rid, "reject", {"reasonCode": "01"})
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "queued"
    assert "稍后自动补传" in body["message"] and body["state"]["decision"] == "not_recognised"


async def test_a_decision_the_platform_refuses_is_not_kept(rig) -> None:
    page = rig.page(await rig.link())
    rid = (await _first_report(page))["reportId"]
    rig.sim.faults.apply_json({"kind": "refuse", "op": "uploadRecognitionRecord", "code": "A0400",
                               "msg": "报告不可不互认"})
    answer = await page.act(rid, "reject", {"reasonCode": "01"})
    assert answer.status_code == 409 and "报告不可不互认" in answer.json()["error"]["message"]
    listed = {p["report"]["reportId"]: p["state"] for p in (await page.reports()).json()["reports"]}
    assert listed[rid]["decision"] == "none"


async def test_view_mode_cannot_decide_and_a_report_of_another_visit_cannot_be_reached(rig) -> None:
    view = rig.page(await rig.link(mode="view"))
    rid = (await _first_report(view))["reportId"]
    assert (await view.open(rid)).status_code == 200
    refused = await view.act(rid, "recognise")
    assert refused.status_code == 403 and refused.json()["error"]["message"] == "查看模式下不能记录互认决定"

    other = rig.page(await rig.link(visit="GH-NEVER-LISTED"))
    missing = await other.open(rid)
    assert missing.status_code == 404 and "请刷新列表" in missing.json()["error"]["message"]


async def test_the_page_lists_what_the_visit_saw_when_the_platform_is_down(rig) -> None:
    page = rig.page(await rig.link())
    listed = (await page.reports()).json()["reports"]
    rig.sim.faults.configure(down=True, down_mode="503")
    answer = (await page.reports()).json()
    assert answer["status"] == "unavailable" and "互认平台暂不可用" in answer["message"]
    assert [p["report"]["reportId"] for p in answer["reports"]] == [p["report"]["reportId"] for p in listed]
    html = await rig.http.get(page.link)
    assert html.status_code == 200 and "data-status=unavailable" in html.text


async def test_nothing_is_sent_when_the_ledger_cannot_journal_the_decision(rig, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    page = rig.page(await rig.link())
    rid = (await _first_report(page))["reportId"]

    def down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(rig.ledger, "journal", down)
    answer = await page.act(rid, "reject", {"reasonCode": "01"})
    assert answer.status_code == 503 and "未记录" in answer.json()["error"]["message"]
    assert not rig.sim.state.record_list("recognition")
