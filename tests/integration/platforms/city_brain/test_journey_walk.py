# ruff: noqa: F811 - fixtures are imported from the support modules and taken by name
"""The city brain's walk through the hospital API, end to end: the app under a real uvicorn on the PostgreSQL demo
HIS, called by the simulator's own caller (its own signing, its own reading of the docs). The planted 先诊疗后付费
journey and an inpatient's stay are walked through all 27 endpoints, ids taken from the answers, every answer
checked against the published tables; then every attack on every endpoint, and a flood of a slow caller."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hisbridge.ledger.store import Ledger
from hisbridge.platforms.city_brain.app import create_city_brain_app, mounted
from simulators.city_brain import __main__ as cli
from simulators.city_brain.caller import ATTACKS, CityBrainCaller, Reply
from simulators.city_brain.journey import WALK_ORDER, JourneyReport, flood_check, run_attacks, walk
from tests.integration.platforms.city_brain.api_support import SECRETS, SIGN_TYPES, make_service
from tests.integration.platforms.city_brain.demo_support import DAY, Demo, demo, demo_ledger  # noqa: F401
from tests.integration.platforms.city_brain.test_api_uvicorn import ApiServer

START, END = date(2026, 10, 25), DAY  # 31 days: the site's longest range, so one window per list
STAY_ENDPOINTS = ["inpatientOrders", "inpatientFees", "inpatientInvoices"]
#: the one known fault (reported, not fixed here): staff.role answers a value the docs do not list


@pytest.fixture(scope="module")
def server(demo: Demo, demo_ledger: Ledger) -> Iterator[ApiServer]:
    with ApiServer(mounted(create_city_brain_app(lambda: make_service(demo_ledger, demo.engine)))) as running:
        yield running


def caller(server: ApiServer, app_id: str) -> CityBrainCaller:
    return CityBrainCaller(server.url, app_id, SECRETS[app_id], sign_type=SIGN_TYPES[app_id])


@pytest.fixture(scope="module")
def inpatient(demo: Demo) -> dict[str, Any]:
    """A stay admitted in the range with orders, a discharge settlement, and more fee lines than one page."""
    return demo.one("""
        SELECT i.patient_id, i.adm_id,
               (SELECT COUNT(*) FROM fee_detail f WHERE f.mdtrt_id = i.mdtrt_id AND f.visit_kind = 'I') AS fees
        FROM inpatient_stay i
        WHERE i.adm_time >= :start AND i.adm_time < :end
          AND EXISTS (SELECT 1 FROM clinical_order o WHERE o.adm_id = i.adm_id)
          AND EXISTS (SELECT 1 FROM insu_settlement s WHERE s.adm_id = i.adm_id AND s.visit_kind = 'I')
        ORDER BY fees DESC, i.adm_id
        LIMIT 1""", start=START, end=date(2026, 11, 25))  # fmt: skip


@pytest.fixture(scope="module")
def journey(server: ApiServer, demo: Demo, inpatient: dict[str, Any]) -> JourneyReport:
    return walk(caller(server, "cb01"), demo.edge.journey_patient, start_date=START, end_date=END,
                inpatient_id=inpatient["patient_id"])  # fmt: skip


def test_the_walk_calls_all_27_endpoints_and_each_answers_code_0(journey: JourneyReport) -> None:
    assert list(journey.endpoints) == list(WALK_ORDER) and len(WALK_ORDER) == 27
    assert journey.missing == []
    assert all(c.status == 200 and c.code == "0" for c in journey.calls), [
        (c.endpoint, c.status, c.code, c.message) for c in journey.calls if c.code != "0"]


def test_every_answer_matches_the_published_tables_and_the_answers_before_it(journey: JourneyReport) -> None:
    assert journey.problems == []


def test_the_walk_found_the_planted_journeys_ids_in_the_answers(journey: JourneyReport, demo: Demo,
                                                               inpatient: dict[str, Any]) -> None:  # fmt: skip
    e, found = demo.edge, journey.found
    assert e.journey_registration in found["regId"]
    assert {e.journey_lab_apply, e.journey_exam_apply} <= found["applyNo"]
    assert {e.journey_lab_report, e.journey_exam_report} <= found["reportId"]
    assert e.journey_rx_no in found["rxNo"] and e.journey_rx_no in found["orderNo"]
    assert e.journey_bill in found["billNo"] and e.journey_refund in found["refundNo"]
    assert e.journey_note in found["recordId"] and e.journey_allergy in found["allergyId"]
    assert e.stop_today in found["stopId"]
    assert inpatient["adm_id"] in found["admId"]


def test_lists_are_read_to_their_last_page(journey: JourneyReport, inpatient: dict[str, Any]) -> None:
    staff = journey.endpoints["staff"]
    total = staff.calls[0].total
    assert total is not None and len(staff.calls) == math.ceil(total / 50) > 1 and staff.rows == total
    fees = [c for c in journey.endpoints["inpatientFees"].calls if "feeDate" not in c.params]
    assert inpatient["fees"] > 50 and len(fees) == math.ceil(inpatient["fees"] / 50)
    assert sum(c.rows for c in fees) == inpatient["fees"]
    assert any("feeDate" in c.params for c in journey.endpoints["inpatientFees"].calls)


class Tampering(CityBrainCaller):
    """The real answers, one endpoint's changed in place before the walk reads them."""

    def __init__(self, real: CityBrainCaller, changes: dict[str, Callable[[Any], None]]) -> None:
        super().__init__(real.base_url, real.app_id, real.secret, sign_type=real.sign_type)
        self.changes = changes

    def call(self, endpoint: str, biz: Any = None, **options: Any) -> Reply:
        reply = super().call(endpoint, biz, **options)
        if reply.ok and endpoint in self.changes:
            self.changes[endpoint](reply.data)
        return reply


def test_answers_that_disagree_with_each_other_are_caught(server: ApiServer, demo: Demo) -> None:
    def leak_phone(data: dict[str, Any]) -> None:
        data["advice"] = f"复诊请致电 {phone}"

    phone = demo.one("SELECT phone FROM patient WHERE patient_id = :p", p=demo.edge.journey_patient)["phone"]
    changes = {
        "queueInfo": lambda d: d.update(queueNo=d["queueNo"] + 1),
        "outpatientPaymentDetail": lambda d: d.update(selfAmount="0.01"),
        "labReports": lambda d: d["list"][0].update(reportId="JY-OTHER"),
        "prescriptions": lambda d: d["list"].clear() if d["total"] == 1 and len(d["list"]) == 1 else None,
        "allergies": lambda d: d["list"][0].update(patientId="SOMEONE-ELSE"),
        "medicalRecordDetail": leak_phone,
    }
    report = walk(Tampering(caller(server, "cb01"), changes), demo.edge.journey_patient, start_date=DAY, end_date=DAY)
    problems = {name: "\n".join(e.problems) for name, e in report.endpoints.items()}
    assert "queueInfo(" in problems["queueInfo"] and "的字段[queueNo]" in problems["queueInfo"]
    assert "的字段[selfAmount]为[0.01]，收费确认为[" in problems["outpatientPaymentDetail"]
    assert "与检查检验报告确认查询(reportKind 1)的" in problems["labReports"]
    assert "应有1条，实际0条" in problems["prescriptions"]
    assert "patientId[SOMEONE-ELSE]不是所查的病人" in problems["allergies"]
    assert "答复含病人的联系电话（phone）" in problems["medicalRecordDetail"] and phone not in problems["medicalRecordDetail"]
    untouched = set(WALK_ORDER) - set(changes) - {"staff", *STAY_ENDPOINTS}
    assert [p for name in untouched for p in report.endpoints[name].problems] == []


def test_the_report_prints_a_chinese_table(journey: JourneyReport) -> None:
    table = journey.table()
    assert all(name in table for name in WALK_ORDER) and "门诊缴费详情" in table
    assert "结论: " in table
    assert journey.to_json()["endpoints"]["outpatientPaymentDetail"]["codes"] == ["0"]


def test_a_patient_unknown_to_the_his_leaves_the_id_driven_endpoints_uncalled(server: ApiServer) -> None:
    report = walk(caller(server, "cb01"), "NOSUCH0001", start_date=DAY, end_date=DAY)
    assert report.endpoints["patientProfile"].codes == ["2004"]
    assert set(report.missing) == {"queueInfo", "outpatientOrders", "outpatientPaymentDetail", "medicalRecordDetail",
                                   *STAY_ENDPOINTS}  # fmt: skip
    assert not report.ok and "未调用 queueInfo: 挂号查询没有答复挂号ID" in report.table()


def test_the_walk_command_signs_with_hmac_and_says_what_it_could_not_call(
        server: ApiServer, demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("CITY_BRAIN_WALK_SECRET", SECRETS["cb02"])
    out = tmp_path / "walk.json"
    rc = cli.main(["walk", "--url", server.url, "--app-id", "cb02", "--sign-type", "HMAC-SHA256",
                   "--patient-id", demo.edge.journey_patient, "--start", "2026-10-01", "--end", END.isoformat(),
                   "--json", str(out)])  # fmt: skip
    report = json.loads(out.read_text(encoding="utf-8"))["walk"]
    assert rc == 1 and report["ok"] is False
    assert report["missing"] == STAY_ENDPOINTS  # the journey's patient was never admitted
    assert all(e["codes"] == ["0"] for e in report["endpoints"].values() if e["called"])
    assert len(report["endpoints"]["registrations"]["codes"]) == 1
    assert report["endpoints"]["registrations"]["calls"] == 2  # 55 days: two windows of at most 31
    printed = capsys.readouterr().out
    assert "未调用 inpatientOrders" in printed and SECRETS["cb02"] not in printed


def test_every_attack_is_refused_on_every_endpoint_with_its_code(server: ApiServer, journey: JourneyReport) -> None:
    report = run_attacks(caller(server, "cb01"), journey.sample_params())
    assert len(report.results) == len(WALK_ORDER) * (len(ATTACKS) + 1)
    assert [(r.endpoint, r.attack, r.status, r.code, r.problems) for r in report.failures] == []
    assert report.ok and "全部按预期拒绝" in report.table()


def test_a_flood_is_throttled_with_429_and_retry_after_and_nothing_else(server: ApiServer) -> None:
    slow = caller(server, "slow")  # 0.5 requests a second, a burst of 2
    flood = flood_check(slow, "health", n=30, concurrency=6)
    assert flood.problems == ()
    assert set(flood.result.histogram) <= {"200/0", "429/1007"}
    assert flood.throttled >= 20 and flood.result.count(code="0") >= 1
    refused = slow.call("health")  # the bucket is still empty
    assert (refused.status, refused.code) == (429, "1007") and int(refused.headers["Retry-After"]) >= 1
