"""The 互认 page in a real headless Chromium, as a doctor uses it at a 1366×768 workstation: the HIS gets a link,
the page lists other hospitals' reports, a report is opened, 互认 / 不互认 / 撤销 / 引用 are clicked — and the
simulated platform (and the HIS-side quote tables) hold what each click must send. Every test also checks that the
page asked nothing of any host but its own server and logged no error in the browser console."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hisbridge.platforms.mutual.service import tickets
from hisbridge.platforms.mutual.service.quote_tables import quoted_report, quoted_result
from hisbridge.platforms.mutual.service.tickets import PageContext
from tests.browser.harness import VIEWPORT
from tests.integration.platforms.mutual.service_support import DOCTOR, ID_CARD, NAME, PATIENT, SECRET

OUR_ORG = "360102001"


# -- helpers ---------------------------------------------------------------------------------------------------
def lab_reports(station) -> list:
    """The lab reports the platform lists for the patient (queryReminders, 90 days), newest first."""
    since = (station.sim.state.now() - timedelta(days=90)).strftime("%Y-%m-%d %H:%M:%S")
    found = [r for r in station.sim.state.reports_of("01", ID_CARD)
             if r.item_type == "LIS" and r.mtu_rec_mark == "1" and r.org_code != OUR_ORG and r.report_time >= since]
    return sorted(found, key=lambda r: (r.report_time, r.report_id), reverse=True)


def named(station, item_name: str):
    [report] = [r for r in lab_reports(station) if r.item_name == item_name]
    return report


def open_page(watched, url: str):
    page = watched.page
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, answer and answer.status
    expect(page.locator("#list-status")).to_have_attribute("data-status", "ok")
    return page


def open_report(page, report_id: str) -> None:
    page.locator(f"#report-list tr.report-row[data-report-id='{report_id}']").click()
    expect(page.locator("#report-detail")).to_have_attribute("data-report-id", report_id)
    expect(page.locator("#mutual-message")).to_have_text("已打开报告（已记录调阅）")


def said(page, kind: str, text: str) -> None:
    message = page.locator("#mutual-message")
    expect(message).to_have_text(text)
    expect(message).to_have_attribute("data-kind", kind)


def row(page, report_id: str):
    return page.locator(f"#report-list tr.report-row[data-report-id='{report_id}']")


def assert_clean(watched, station) -> None:
    """Nothing but the app's own origin was asked, and the console stayed free of errors."""
    assert watched.requests, "the page made requests"
    assert watched.foreign_requests(station.url) == []
    assert watched.errors == []


# -- the tests -------------------------------------------------------------------------------------------------
def test_the_link_opens_a_page_listing_other_hospitals_lab_reports(station, watched, visit) -> None:
    unauthorised = httpx.post(f"{station.url}/mutual/api/v1/page-link", json={
        "patientId": PATIENT, "doctorId": DOCTOR, "visitId": visit, "type": "lab", "mode": "recognize"})
    assert unauthorised.status_code == 401, "a page link needs the caller's token"

    url = station.link(visit)
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == "/mutual/page" and query["GHId"] == [visit] and query["ticket"][0]
    page = open_page(watched, url)
    assert page.viewport_size == VIEWPORT
    expect(page).to_have_title("检查检验结果互认 · 检验报告")
    expect(page.locator("#patient-name")).to_have_text("张*丰")
    expect(page.locator("#patient-id")).to_have_text(PATIENT)
    expect(page.locator("#visit-id")).to_have_text(visit)
    expected = lab_reports(station)
    assert len(expected) >= 4, "the harness seeds several lab reports"
    expect(page.locator("#list-status")).to_have_text(f"外院有 {len(expected)} 份可互认的检验报告")

    rows = page.locator("#report-list tr.report-row")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.reportId)") == [r.report_id for r in expected]
    for n, report in enumerate(expected):
        cells = rows.nth(n)
        assert cells.locator(".col-item").inner_text() == report.item_name
        assert cells.locator(".col-org").inner_text() == report.org_name
        assert cells.locator(".col-time").inner_text() == report.report_time[:16]
        assert cells.locator(".col-summary").inner_text() == report.summary_text().strip()
        assert cells.locator(".col-decision").inner_text() == "未决定"
        assert cells.get_attribute("data-abnormal") == ("true" if report.is_abnormal() else "false")
    html = page.content()
    assert NAME not in html and ID_CARD not in html, "no name or ID number on the page"
    expect(page.locator("#report-detail")).to_be_hidden()
    assert_clean(watched, station)


def test_the_page_fits_a_1366x768_screen_with_the_decision_bar_in_reach(station, watched, visit) -> None:
    page = open_page(watched, station.link(visit))
    open_report(page, named(station, "生化全套").report_id)  # long enough to scroll the report's pane
    assert page.evaluate("() => { const d = document.getElementById('report-detail');"
                         " return d.scrollHeight > d.clientHeight; }"), "the hard case: the pane scrolls"
    overflow = page.evaluate("""() => [document.documentElement, document.getElementById('report-list-panel'),
        document.getElementById('report-detail')].map(e => e.scrollWidth - e.clientWidth)""")
    assert overflow == [0, 0, 0], "no horizontal scrollbar on the page or in its two panes"
    assert page.evaluate("() => [window.scrollX, window.scrollY]") == [0, 0]
    for target in ("#decision-bar", "#btn-recognise", "#reason-select", "#btn-reject", "#btn-revoke", "#btn-quote"):
        box = page.locator(target).bounding_box()
        assert box is not None, target
        assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], target
        assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], f"{target} visible without scrolling"
    assert_clean(watched, station)


def test_opening_a_report_shows_its_items_and_records_a_retrieval(station, watched, visit) -> None:
    report = named(station, "肝功能")
    page = open_page(watched, station.link(visit))
    open_report(page, report.report_id)
    expect(page.locator("#detail-title")).to_have_text(f"{report.report_name} · {report.org_name}")
    expect(page.locator("#detail-meta")).to_contain_text(f"报告单号 {report.report_no}")
    items = page.locator("#detail-items tr.detail-item")
    expect(items).to_have_count(len(report.items))
    shown = [[c.strip() for c in r] for r in items.evaluate_all(
        "rs => rs.map(r => Array.from(r.cells, c => c.textContent))")]
    assert shown == [[i["itemName"], i["result"], i.get("unit", ""), i.get("refRange", ""), i.get("abnormalFlag", "")]
                     for i in report.items]
    flagged = items.evaluate_all("rs => rs.map(r => r.dataset.abnormal)")
    assert flagged == ["false" if i.get("abnormalFlag", "N") == "N" else "true" for i in report.items]
    expect(page.locator("#detail-state")).to_have_text("未决定")

    [retrieval] = station.records("retrieval", GHId=visit)
    assert (retrieval.data["ReportId"], retrieval.data["DoctorId"], retrieval.data["patientId"]) == (
        report.report_id, DOCTOR, PATIENT)
    assert retrieval.data["reportOrgCode"] == report.org_code and retrieval.report_known
    assert_clean(watched, station)


def test_not_recognised_with_reason_07_is_recorded_on_the_platform(station, watched, visit) -> None:
    report = named(station, "血常规")
    page = open_page(watched, station.link(visit))
    open_report(page, report.report_id)
    page.select_option("#reason-select", "07")
    expect(page.locator("#diag-name")).to_be_hidden()
    page.click("#btn-reject")
    said(page, "ok", "已记录不互认（医师认为有必要复查），平台已接收")
    expect(row(page, report.report_id)).to_have_attribute("data-decision", "not_recognised")
    expect(row(page, report.report_id).locator(".col-decision")).to_have_text("不互认：医师认为有必要复查")
    expect(page.locator("#detail-state")).to_have_text("不互认：医师认为有必要复查")
    expect(page.locator("#btn-reject")).to_be_disabled()
    expect(page.locator("#btn-recognise")).to_be_disabled()
    expect(page.locator("#btn-revoke")).to_be_enabled()

    [record] = station.records("recognition", GHId=visit)
    assert (record.data["reportId"], record.data["reasonCode"], record.data["recognise"]) == (
        report.report_id, "07", "0")
    assert (record.data["reasonName"], record.data["DoctorId"], record.status) == ("医师认为有必要复查", DOCTOR, "live")

    page.reload()  # the decision is the service's, not the page's: it is still there
    expect(row(page, report.report_id).locator(".col-decision")).to_have_text("不互认：医师认为有必要复查")
    assert_clean(watched, station)


def test_revoking_a_non_recognition_is_recorded_and_shown(station, watched, visit) -> None:
    report = named(station, "糖化血红蛋白")
    page = open_page(watched, station.link(visit))
    open_report(page, report.report_id)
    page.select_option("#reason-select", "01")
    page.click("#btn-reject")
    said(page, "ok", "已记录不互认（病情变化、结果与临床不符），平台已接收")

    page.click("#btn-revoke")
    said(page, "ok", "已撤销不互认，平台已接收")
    expect(row(page, report.report_id)).to_have_attribute("data-decision", "revoked")
    expect(row(page, report.report_id).locator(".col-decision")).to_have_text("已撤销不互认")
    expect(page.locator("#detail-state")).to_have_text("已撤销不互认")
    expect(page.locator("#btn-revoke")).to_be_disabled()
    expect(page.locator("#btn-reject")).to_be_enabled()

    [record] = station.records("recognition", GHId=visit)
    assert record.status == "revoked" and record.revoked_at and record.data["reportId"] == report.report_id
    [revoke] = station.records("revoke", GHId=visit)
    assert (revoke.data["reportId"], revoke.data["doctorId"], revoke.data["clientType"]) == (
        report.report_id, DOCTOR, "2")
    assert_clean(watched, station)


def test_reason_99_without_a_disease_name_is_refused_in_chinese_and_sends_nothing(station, watched, visit) -> None:
    report = named(station, "血常规")
    page = open_page(watched, station.link(visit))
    open_report(page, report.report_id)
    page.select_option("#reason-select", "99")
    expect(page.locator("#diag-name")).to_be_visible()
    page.click("#btn-reject")
    said(page, "error", "原因 99（连续性监测需要）须填写疾病名称")
    page.fill("#diag-name", "   ")
    page.click("#btn-reject")
    said(page, "error", "原因 99（连续性监测需要）须填写疾病名称")
    assert not [u for u in watched.requests if "/reject" in u], "nothing sent to the service"
    assert station.records("recognition", GHId=visit) == []
    expect(row(page, report.report_id)).to_have_attribute("data-decision", "none")

    page.fill("#diag-name", "2型糖尿病")
    page.click("#btn-reject")
    said(page, "ok", "已记录不互认（连续性监测需要），平台已接收")
    expect(page.locator("#detail-state")).to_have_text("不互认：连续性监测需要（2型糖尿病）")
    [record] = station.records("recognition", GHId=visit)
    assert (record.data["reasonCode"], record.data["diagName"]) == ("99", "2型糖尿病")
    assert_clean(watched, station)


def test_recognised_is_a_retrieval_record(station, watched, visit) -> None:
    report = named(station, "血常规")
    page = open_page(watched, station.link(visit))
    open_report(page, report.report_id)
    page.click("#btn-recognise")
    said(page, "ok", "已记录互认，平台已接收")
    expect(row(page, report.report_id).locator(".col-decision")).to_have_text("互认")
    expect(page.locator("#btn-recognise")).to_be_disabled()

    records = station.records("retrieval", GHId=visit)
    assert [r.data["ReportId"] for r in records] == [report.report_id] * 2, "调阅 on opening, then 互认"
    assert len({r.key for r in records}) == 2
    assert station.records("recognition", GHId=visit) == []
    assert_clean(watched, station)


def test_quoting_a_lab_report_writes_the_his_tables_and_the_quote_log(station, watched, visit) -> None:
    report = named(station, "肝功能")
    page = open_page(watched, station.link(visit))
    open_report(page, report.report_id)
    page.click("#btn-quote")
    said(page, "ok", "已引用到本次就诊，引用记录平台已接收")
    expect(page.locator("#detail-state")).to_have_text("未决定 · 已引用")

    with station.his.connect() as conn:
        [quoted] = conn.execute(select(quoted_report).where(quoted_report.c.visit_id == visit)).mappings().all()
        lines = conn.execute(select(quoted_result).where(quoted_result.c.quote_id == quoted["quote_id"])
                             .order_by(quoted_result.c.line_no)).mappings().all()
    assert (quoted["patient_id"], quoted["report_id"], quoted["doctor_id"], quoted["report_org_code"]) == (
        PATIENT, report.report_id, DOCTOR, report.org_code)
    assert [(li["line_kind"], li["item_code"], li["result_value"]) for li in lines] == [
        ("item", i["itemCode"], i["result"]) for i in report.items]

    [log] = station.records("quote", GHId=visit)
    assert (log.key, log.data["reportId"], log.data["clientType"]) == (quoted["quote_id"], report.report_id, "2")
    assert_clean(watched, station)


def test_view_mode_shows_reports_without_a_decision_bar(station, watched, visit) -> None:
    report = named(station, "痰培养+药敏")
    page = open_page(watched, station.link(visit, mode="view"))
    expect(page.locator("#mutual-page")).to_have_attribute("data-mode", "view")
    expect(page.locator("#page-mode")).to_have_text("查看")
    open_report(page, report.report_id)
    expect(page.locator("#detail-bacteria")).to_be_visible()
    expect(page.locator("#detail-suscept tbody tr")).to_have_count(len(report.susceptibility))
    expect(page.locator("#decision-bar")).to_have_count(0)
    assert page.locator("button").count() == 0, "nothing to click that would decide"
    [retrieval] = station.records("retrieval", GHId=visit)  # viewing is a 调阅 too
    assert retrieval.data["ReportId"] == report.report_id
    assert_clean(watched, station)


@pytest.mark.parametrize("change", ["forged", "edited_patient", "expired"])
def test_a_bad_ticket_gets_a_chinese_refusal_page(station, watched, visit, change) -> None:
    url = station.link(visit)
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if change == "forged":
        params["ticket"] = params["ticket"][:-4] + ("AAAA" if not params["ticket"].endswith("AAAA") else "BBBB")
        words = "页面票据无效"
    elif change == "edited_patient":
        params["PatientID"] = "P0002"
        words = "页面票据与病人、医生或就诊不符"
    else:
        ctx = PageContext(PATIENT, DOCTOR, visit, "lab", "recognize")
        params["ticket"] = tickets.issue(ctx, SECRET, 60, now=lambda: time.time() - 3600)
        words = "页面票据已过期"
    page = watched.page
    answer = page.goto(f"{station.url}{parts.path}?{urlencode(params)}")
    assert answer is not None and answer.status == 403
    expect(page.locator("#mutual-message")).to_have_text(f"{words}：请从 HIS 重新打开互认页面")
    expect(page.locator("#mutual-message")).to_have_attribute("data-kind", "error")
    expect(page).to_have_title("检查检验结果互认")
    text = page.locator("body").inner_text()
    for leak in ("Traceback", "Internal Server Error", "detail", "Exception"):
        assert leak not in text
    expect(page.locator("#report-list")).to_have_count(0)
    assert station.records("retrieval", GHId=visit) == []
    assert watched.foreign_requests(station.url) == []
    # the browser reports the refused document itself (403) in its console; nothing else may be there
    assert [e for e in watched.errors if "status of 403" not in e] == []


def test_the_page_asks_only_its_own_server(station, watched, visit) -> None:
    """Everything the page needs — markup, style, script, data — comes from the app itself (no CDN, no fonts,
    no analytics), across a whole use: list, open, decide, revoke, quote."""
    report = named(station, "肝功能")
    page = open_page(watched, station.link(visit))
    open_report(page, report.report_id)
    page.select_option("#reason-select", "03")
    page.click("#btn-reject")
    said(page, "ok", "已记录不互认（对诊疗意义重大（手术、输血等前）），平台已接收")
    page.click("#btn-revoke")
    said(page, "ok", "已撤销不互认，平台已接收")
    page.click("#btn-quote")
    said(page, "ok", "已引用到本次就诊，引用记录平台已接收")

    assert watched.foreign_requests(station.url) == []
    paths = [urlsplit(u).path for u in watched.requests]
    assert paths[0] == "/mutual/page" and "/mutual/static/mutual-page.js" in paths
    assert {p.rsplit("/", 1)[-1] for p in paths if p.startswith("/mutual/api/v1/page/reports/")} == {
        report.report_id, "reject", "revoke", "quote"}
    assert watched.errors == []
    assert page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)"
                         ".filter(n => !n.startsWith(location.origin))") == []
    assert [r.data["reportId"] for r in station.records("quote", GHId=visit)] == [report.report_id]
