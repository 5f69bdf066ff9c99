"""The sample data: deterministic, realistic, and accepted by the simulator's own checks."""

from __future__ import annotations

from datetime import datetime, timedelta

from simulators.mutual import reports, samples
from simulators.mutual.state import SimState

NOW = datetime(2025, 6, 15, 10, 0, 0)
PERSONS = [("01", "360102199001010011", "测试甲"), samples.Person("01", "360103198505152024", "测试乙")]


def test_same_seed_same_reports_other_seed_other_reports() -> None:
    a = samples.foreign_reports(PERSONS, now=NOW, seed=1)
    assert a == samples.foreign_reports(PERSONS, now=NOW, seed=1)
    assert a != samples.foreign_reports(PERSONS, now=NOW, seed=2)
    # a person's reports do not depend on who else is in the list
    alone = samples.foreign_reports(PERSONS[:1], now=NOW, seed=1)
    assert alone == [r for r in a if r["idCardValue"] == PERSONS[0][1]]


def test_every_generated_report_is_a_valid_seeded_report() -> None:
    state = SimState()
    generated = samples.foreign_reports(PERSONS, now=NOW, seed=5, per_person=100)
    ids = state.add_reports(generated)
    assert len(ids) == len(set(ids)) == 200
    kinds = {r["itemCode"] for r in generated}
    assert kinds == set(samples.LIS_PANELS) | set(samples.PACS_EXAMS)  # 100 draws per person cover it


def test_reports_are_before_the_clock_recent_ones_first() -> None:
    for person_reports in (samples.foreign_reports([p], now=NOW, seed=s) for p in PERSONS for s in range(5)):
        times = [datetime.strptime(r["reportTime"], "%Y-%m-%d %H:%M:%S") for r in person_reports]
        assert all(NOW - timedelta(days=151) <= t <= NOW for t in times)
        assert [r["itemCode"] for r in person_reports[:2]] == ["L0001", "E0001"]
        assert all(NOW - t <= timedelta(days=31) for t in times[:2])
        assert all(r["mtuRecMark"] == "1" for r in person_reports[:2])
        assert all(r["reportOrgCode"] in {o.code for o in samples.ORGS} for r in person_reports)


def test_reports_look_real() -> None:
    generated = samples.foreign_reports(PERSONS, now=NOW, seed=11, per_person=30)
    cbc = next(r for r in generated if r["itemCode"] == "L0001")
    assert [i["itemCode"] for i in cbc["items"]] == ["WBC", "RBC", "HGB", "PLT", "NEUT%", "LYMPH%"]
    assert cbc["items"][0]["unit"] == "×10^9/L" and cbc["items"][0]["refRange"] == "3.50-9.50"
    for r in generated:
        for i in r["items"]:
            if i["abnormalFlag"] in ("H", "L") and "-" in i["refRange"]:
                low, high = (float(x) for x in i["refRange"].split("-"))
                value = float(i["result"])
                assert (value > high) if i["abnormalFlag"] == "H" else (value < low), i
            elif i["abnormalFlag"] == "N" and "-" in i["refRange"]:
                low, high = (float(x) for x in i["refRange"].split("-"))
                assert low <= float(i["result"]) <= high, i
    ct = next(r for r in generated if r["itemCode"] == "E0001")
    assert ct["itemType"] == "PACS" and ct["findings"] and ct["conclusion"]
    cultures = [r for r in generated if r["itemCode"] == "L0020"]
    assert cultures and all(r["bacteria"] for r in cultures)
    found = [r for r in cultures if r["bacteria"][0]["testResult"] == "检出"]
    assert all(r["susceptibility"] for r in found)
    assert any(r["mtuRecMark"] == "0" for r in generated)
    built = [reports.from_admin_json(r, default_id="x") for r in generated]
    assert any(b.is_abnormal() for b in built) and any(not b.is_abnormal() for b in built)


def test_orgs_and_catalogue_codes() -> None:
    codes = [o.code for o in (samples.OUR_ORG, *samples.ORGS)]
    assert len(codes) == len(set(codes)) and all(len(c) == 9 and c[:4] in ("3600", "3601") for c in codes)
    assert {"江西省人民医院", "南昌大学第一附属医院", "南昌大学第二附属医院", "江西省儿童医院",
            "南昌市洪都中医院"} <= set(samples.ORG_NAMES.values())  # fmt: skip
    assert all(c.startswith("L") for c in samples.LIS_PANELS) and all(c.startswith("E") for c in samples.PACS_EXAMS)
    for panel in samples.LIS_PANELS.values():
        assert len({i.code for i in panel.indicators}) == len(panel.indicators)


def test_sample_rows_and_records_are_fresh_copies() -> None:
    a = samples.row("uploadLabReport")
    a["PatientName"] = "改"
    assert samples.row("uploadLabReport")["PatientName"] == "测试甲"
    assert "WardName" not in samples.row("uploadLabReport", WardName=None)
