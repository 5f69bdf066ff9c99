"""queryReminders and getReport: who sees what, over which window, in which order, with which summary."""

from __future__ import annotations

from typing import Any

import pytest

from simulators.mutual.samples import SAMPLE_REPORT, row
from simulators.mutual.server import MutualSimulatorServer
from tests.simulators.mutual._support import PERSON, Client

US, OTHER = "360102001", "360000009"


def _report(rid: str, *, org: str = "360000001", code: str = "L0001", at: str = "2025-06-10 09:00:00",
            item_type: str = "LIS", person: tuple[str, str, str] = PERSON, **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"reportId": rid, "itemType": item_type, "itemCode": code, "itemName": f"项目{code}",
            "reportOrgCode": org, "reportOrgName": f"医院{org}", "reportNo": f"NO-{rid}", "reportTime": at,
            "idCardTypeCode": person[0], "idCardValue": person[1], "patientName": person[2], **extra}  # fmt: skip


def _ids(found: list[dict]) -> list[str]:
    return [r["reportId"] for r in found]


def test_reports_of_the_same_person_from_other_orgs(sim: MutualSimulatorServer, client: Client) -> None:
    sim.state.add_reports([
        _report("A", org="360000001"), _report("B", org=US), _report("C", person=("01", "360102199001010029", "乙")),
        _report("D", person=("03", PERSON[1], PERSON[2])),  # same number, another document type: another person
    ])  # fmt: skip
    assert _ids(client.reminders(US)) == ["A"]
    assert _ids(client.reminders("360000001")) == ["B"]  # the caller's own reports are never reminders
    assert _ids(client.reminders(OTHER)) == ["B", "A"]  # same time: by reportId, descending


def test_summary_fields_of_a_reminder(sim: MutualSimulatorServer, client: Client, seeded_report: str) -> None:
    (found,) = client.reminders(US)
    assert found == {
        "reportId": seeded_report, "itemType": "LIS", "itemCode": "L0001", "itemName": "血常规",
        "reportOrgCode": "360000001", "reportOrgName": "江西省人民医院", "reportNo": "JY20250601000123",
        "reportName": "血常规", "reportTime": "2025-06-01 09:30:00", "resultSummary": "白细胞计数 11.20 ×10^9/L↑",
        "abnormal": True, "mtuRecMark": "1", "mtuRecLimitMark": "1",
    }  # fmt: skip


def test_lookback_counts_from_the_simulators_clock(sim: MutualSimulatorServer, client: Client) -> None:
    # the clock is 2025-06-15 10:00:00: 90 days back is 2025-03-17 10:00:00
    sim.state.add_reports([_report("IN", at="2025-03-17 10:00:00"), _report("OUT", at="2025-03-17 09:59:59"),
                           _report("RECENT", at="2025-06-01 08:00:00")])  # fmt: skip
    assert _ids(client.reminders(US)) == ["RECENT", "IN"]
    assert _ids(client.reminders(US, lookbackDays=30)) == ["RECENT"]
    assert _ids(client.reminders(US, lookbackDays=100)) == ["RECENT", "IN", "OUT"]
    sim.state.set_clock("2025-06-30 10:00:00")
    assert _ids(client.reminders(US)) == ["RECENT"]


def test_only_mutually_recognised_items_are_reminded(sim: MutualSimulatorServer, client: Client) -> None:
    sim.state.add_reports([_report("YES"), _report("NO", mtuRecMark="0")])
    assert _ids(client.reminders(US)) == ["YES"]


def test_newest_first(sim: MutualSimulatorServer, client: Client) -> None:
    sim.state.add_reports([_report("MID", at="2025-05-01 08:00:00"), _report("NEW", at="2025-06-14 08:00:00"),
                           _report("OLD", at="2025-04-01 08:00:00")])  # fmt: skip
    assert _ids(client.reminders(US)) == ["NEW", "MID", "OLD"]


def test_order_reminder_only_lists_the_items_being_ordered(sim: MutualSimulatorServer, client: Client) -> None:
    sim.state.add_reports([_report("CBC", code="L0001"), _report("LIVER", code="L0002"),
                           _report("CT", code="E0001", item_type="PACS")])  # fmt: skip
    assert _ids(client.reminders(US, search_type=2, dataCodes=["L0002", "E0001"])) == ["LIVER", "CT"]
    assert _ids(client.reminders(US, search_type=2, dataCodes=["JY0099"])) == []
    # dataCodes are ignored by the visit reminder
    assert len(client.reminders(US, search_type=1, dataCodes=["JY0099"])) == 3


def test_item_type_narrows(sim: MutualSimulatorServer, client: Client) -> None:
    sim.state.add_reports([_report("LAB"), _report("CT", code="E0001", item_type="PACS")])
    assert _ids(client.reminders(US, itemType="PACS")) == ["CT"]
    assert _ids(client.reminders(US, itemType="LIS")) == ["LAB"]
    assert len(client.reminders(US, itemType="")) == 2


def test_our_uploads_become_reports_for_other_callers(client: Client) -> None:
    client.upload("uploadLabReport", row("uploadLabReport"))
    client.upload("uploadLabIndicator", row("uploadLabIndicator"),
                  row("uploadLabIndicator", BusinessNo="LI0002", ExamItemCode="HGB", ExamItemName="血红蛋白",
                      TestIndexResult="150", TestIndexUnit="g/L", NormalRefLimit="130-175", AnomalyCode="N"))
    client.upload("uploadExamReport", row("uploadExamReport"))
    assert client.reminders(US) == []
    lab, exam = sorted(client.reminders(OTHER), key=lambda r: r["itemType"])
    assert lab["reportId"] == "LIS-360102001-LR0001" and lab["reportNo"] == "JY202506140001"
    assert (lab["reportOrgCode"], lab["reportOrgName"], lab["reportTime"]) == (US, "南昌市第一医院",
                                                                               "2025-06-14 10:00:00")  # fmt: skip
    assert (lab["itemCode"], lab["abnormal"], lab["resultSummary"]) == ("L0001", True, "白细胞计数 12.60 ×10^9/L↑")
    assert exam["reportId"] == "PACS-360102001-ER0001" and exam["itemCode"] == "E0001"
    assert exam["abnormal"] is True and exam["resultSummary"] == "右肺上叶磨玻璃结节，建议随访。"


def test_an_uploaded_report_follows_its_corrections_and_withdrawal(client: Client) -> None:
    client.upload("uploadExamReport", row("uploadExamReport"))
    client.upload("uploadExamReport", row("uploadExamReport", CheckResSub="未见明显异常。", CheckResCode="1"))
    (exam,) = client.reminders(OTHER)
    assert (exam["resultSummary"], exam["abnormal"]) == ("未见明显异常。", False)
    client.upload("uploadExamReport", row("uploadExamReport", MtuRecMark="0"))
    assert client.reminders(OTHER) == []
    client.upload("uploadExamReport", row("uploadExamReport"))
    client.call("deleteData", {"orgCode": US, "dataType": "examReport", "businessNos": ["ER0001"]})
    assert client.reminders(OTHER) == []


def test_normal_lab_report_summary(client: Client) -> None:
    client.upload("uploadLabReport", row("uploadLabReport"))
    client.upload("uploadLabIndicator", row("uploadLabIndicator", TestIndexResult="6.10", AnomalyCode="N"))
    (lab,) = client.reminders(OTHER)
    assert (lab["resultSummary"], lab["abnormal"]) == ("1项指标均在参考范围内", False)


@pytest.mark.parametrize(("extra", "words"), [
    ({"searchType": "1"}, "[searchType]"), ({"searchType": 3}, "[searchType]"),
    ({"searchType": 2}, "[dataCodes]"), ({"searchType": 2, "dataCodes": []}, "[dataCodes]"),
    ({"itemType": "RIS"}, "[itemType]"), ({"lookbackDays": "90"}, "[lookbackDays]"),
    ({"lookbackDays": 0}, "[lookbackDays]"), ({"idCardValue": "abc"}, "[idCardValue]"),
    ({"idCardTypeCode": None}, "[idCardTypeCode]"), ({"orgCode": ""}, "[orgCode]"), ({"name": "x"}, "未知字段[name]"),
])  # fmt: skip
def test_malformed_query_is_refused(client: Client, extra: dict, words: str) -> None:
    body = {"orgCode": US, "patientId": "P1", "idCardTypeCode": PERSON[0], "idCardValue": PERSON[1], "GHId": "G1",
            "doctorId": "D1", "searchType": 1, **extra}  # fmt: skip
    body = {k: v for k, v in body.items() if v is not None}
    answer = client.call("queryReminders", body)
    assert answer["code"] == "A0400" and words in answer["msg"], answer
    assert answer["data"] and all(set(p) == {"field", "msg"} for p in answer["data"])


def test_minimal_query_uses_the_defaults(sim: MutualSimulatorServer, client: Client, seeded_report: str) -> None:
    body = {"orgCode": US, "idCardTypeCode": PERSON[0], "idCardValue": PERSON[1], "searchType": 1}
    assert _ids(client.call("queryReminders", body)["data"]) == [seeded_report]


# ------------------------------------------------------------------------------------------------ getReport


def test_get_report_of_a_seeded_report(client: Client, seeded_report: str) -> None:
    answer = client.call("getReport", {"orgCode": US, "reportId": seeded_report, "itemType": "LIS"})
    assert answer["code"] == "00000"
    detail = answer["data"]
    assert detail["reportId"] == seeded_report and detail["patientName"] == "测试甲"
    assert (detail["specimenName"], detail["diagName"]) == ("全血", "上呼吸道感染")
    assert detail["items"] == SAMPLE_REPORT["items"]
    assert detail["bacteria"] == [] and detail["susceptibility"] == []
    assert set(detail) >= {"findings", "conclusion", "resultSummary", "abnormal", "mtuRecMark"}


def test_get_report_of_an_uploaded_lab_report_with_microbiology(client: Client) -> None:
    client.upload("uploadLabReport", row("uploadLabReport", MicrobeTestMark="1", DataCode="L0020",
                                         DataName="痰培养+药敏", SpecimenName="痰液"))  # fmt: skip
    client.upload("uploadMicrobeBacteria", row("uploadMicrobeBacteria"))
    client.upload("uploadMicrobeSuscept", row("uploadMicrobeSuscept"),
                  row("uploadMicrobeSuscept", BusinessNo="MS0002", DrugSusceptibleNo="IPM",
                      DrugSusceptibleName="亚胺培南", DrugSusceptibilityCode="S", DrugSusceptibilityName="敏感",
                      BacteriostaticConcentrate="≤0.25"))  # fmt: skip
    detail = client.call("getReport", {"orgCode": OTHER, "reportId": "LIS-360102001-LR0001", "itemType": "LIS"})["data"]
    assert detail["bacteria"] == [{"bacteriaName": "肺炎克雷伯菌", "colonyCount": "10^5 CFU/ml", "testResult": "检出"}]
    assert detail["susceptibility"] == [
        {"bacteriaName": "肺炎克雷伯菌", "drugName": "头孢曲松", "result": "R", "mic": "≥64"},
        {"bacteriaName": "肺炎克雷伯菌", "drugName": "亚胺培南", "result": "S", "mic": "≤0.25"}]  # fmt: skip
    assert detail["resultSummary"].startswith("检出: 肺炎克雷伯菌") and detail["abnormal"] is True
    assert (detail["itemName"], detail["specimenName"]) == ("痰培养+药敏", "痰液")


def test_get_report_of_an_uploaded_exam(client: Client) -> None:
    client.upload("uploadExamReport", row("uploadExamReport"))
    detail = client.call("getReport", {"orgCode": OTHER, "reportId": "PACS-360102001-ER0001", "itemType": "PACS"})["data"]
    assert detail["findings"] == row("uploadExamReport")["CheckResObj"]
    assert detail["conclusion"] == row("uploadExamReport")["CheckResSub"] and detail["items"] == []


@pytest.mark.parametrize("body", [
    {"orgCode": US, "reportId": "LIS-360000001-NOPE", "itemType": "LIS"},
    {"orgCode": US, "reportId": "LIS-360102001-LR0001", "itemType": "LIS"},  # never uploaded
    {"orgCode": US, "reportId": "LIS-360000001-JY20250601000123", "itemType": "PACS"},  # wrong item type
    {"orgCode": US, "reportId": "garbage", "itemType": "LIS"},
])  # fmt: skip
def test_get_report_of_an_unknown_report_is_a0404(client: Client, seeded_report: str, body: dict) -> None:
    answer = client.call("getReport", body)
    assert (answer["code"], answer["data"]) == ("A0404", None) and "数据不存在" in answer["msg"]


def test_get_report_of_a_withdrawn_upload_is_a0404(client: Client) -> None:
    client.upload("uploadExamReport", row("uploadExamReport"))
    client.call("deleteData", {"orgCode": US, "dataType": "examReport", "businessNos": ["ER0001"]})
    answer = client.call("getReport", {"orgCode": OTHER, "reportId": "PACS-360102001-ER0001", "itemType": "PACS"})
    assert answer["code"] == "A0404"


def test_malformed_get_report_is_refused(client: Client) -> None:
    answer = client.call("getReport", {"orgCode": US, "reportId": "X"})
    assert answer["code"] == "A0400" and "[itemType]" in answer["msg"]
