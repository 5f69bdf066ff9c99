"""The dictionary sync's decisions, as a table of cases without a database (platforms/jiulonghu/plan.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hisbridge.platforms.jiulonghu.catalogue import DEPT, DRUG
from hisbridge.platforms.jiulonghu.plan import (
    GONE,
    OVERRULED,
    Action,
    Prior,
    decide,
    normalise,
    plan,
    row_hash,
)

W, W2, C, C2, T = "want", "want2", "campus", "campus-edited", "target"

# active, source hash, target hash, campus hash, prior (source, campus) → action
CASES = [
    ("new row", True, W, W, None, None, Action.INSERT),
    ("new row, inactive at the source", False, W, None, None, None, Action.UNCHANGED),
    ("gone at the source, no campus row", False, GONE, None, None, (W, W), Action.UNCHANGED),
    ("deleted on the campus: written again", True, W, W, None, (W, W), Action.INSERT),
    ("unchanged on both sides", True, W, W, W, (W, W), Action.UNCHANGED),
    ("campus equal, ledger does not know it yet (adopt)", True, W, W, W, None, Action.UNCHANGED),
    ("source changed, campus as we wrote it", True, W2, W2, W, (W, W), Action.UPDATE),
    ("source inactive, campus as we wrote it", False, W2, T, W, (W, W), Action.DEACTIVATE),
    ("source gone, campus as we wrote it", False, GONE, T, W, (W, W), Action.DEACTIVATE),
    ("source gone, campus already inactive", False, GONE, C, C, (W, W), Action.UNCHANGED),
    ("campus edited, source unchanged", True, W, W, C2, (W, W), Action.CONFLICT),
    ("campus edited, source changed too", True, W2, W2, C2, (W, W), Action.CONFLICT),
    ("campus edited, source gone", False, GONE, T, C2, (W, W), Action.CONFLICT),
    ("campus row we never wrote, different", True, W, W, C, None, Action.CONFLICT),
    ("campus version kept by a decision", True, W, W, C2, (W, C2), Action.UNCHANGED),
    ("kept campus version, then the source changes", True, W2, W2, C2, (W, C2), Action.UPDATE),
    ("keep-main decision: overwrite next time", True, W, W, C2, (OVERRULED, C2), Action.UPDATE),
]


@pytest.mark.parametrize(("case", "active", "source", "target", "campus", "prior", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_decide(case, active, source, target, campus, prior, expected) -> None:
    p = Prior("k", *prior) if prior else None
    assert decide(active=active, source_hash=source, target_hash=target, campus_hash=campus, prior=p) is expected


def test_normalise_makes_a_price_read_back_equal_to_the_price_written() -> None:
    assert normalise(Decimal("12.500000")) == normalise(12.5) == normalise(Decimal("12.5")) == "12.5"
    assert normalise(Decimal("100.000000")) == "100"
    assert normalise(Decimal("0E-6")) == "0"
    assert normalise(10) == normalise("10")
    assert normalise(None) is None


def _dept(code: str, name: str, flag: str = "0") -> dict:
    return {"ksdm": code, "zyks": code, "ksmc": name, "kslb": "01", "ybksbm": code, "ybkb": "A03", "pym": "X",
            "tybz": flag}


def test_plan_covers_every_row_and_writes_only_what_changed() -> None:
    cols = DEPT.campus_columns
    steady, changed, campus_edit, gone = _dept("0101", "内科"), _dept("0102", "外科"), _dept("0103", "儿科"), \
        _dept("0104", "眼科")
    campus = {"0101": {**steady, "bbh": 1}, "0102": {**changed, "bbh": 1}, "0103": {**campus_edit, "ksmc": "儿科（院区）",
              "bbh": 2}, "0104": {**gone, "bbh": 1}}
    priors = {k: Prior(c, row_hash(r, cols), row_hash(r, cols))
              for k, c, r in (("1010", "0101", steady), ("1020", "0102", changed), ("1030", "0103", campus_edit),
                              ("1040", "0104", gone))}
    wanted = [("1010", steady, None), ("1020", {**changed, "ksmc": "普通外科"}, None), ("1030", campus_edit, None),
              ("1050", _dept("0105", "新科室"), None), ("5090", None, "科室 5090：没有院区对照")]
    result = plan(DEPT, wanted, campus, priors)
    by_key = {s.key: s for s in result.steps}
    assert {k: s.action for k, s in by_key.items()} == {
        "1010": Action.UNCHANGED, "1020": Action.UPDATE, "1030": Action.CONFLICT, "1040": Action.DEACTIVATE,
        "1050": Action.INSERT, "5090": Action.QUARANTINE}
    assert result.counts == {"selected": 5, "inserted": 1, "updated": 1, "deactivated": 1, "unchanged": 1,
                             "conflicts": 1, "quarantined": 1}
    assert by_key["1020"].changed == ("ksmc",) and by_key["1020"].values["ksmc"] == "普通外科"
    assert by_key["1040"].values == {"ksdm": "0104", "tybz": "1"}  # only the flag: never a DELETE
    assert by_key["1030"].changed == ("ksmc",)  # what the campus changed, reported, not written
    assert by_key["1030"].values is None
    assert not by_key["1010"].record and by_key["1020"].record and by_key["1050"].record
    assert by_key["5090"].reason == "科室 5090：没有院区对照"


def test_plan_quarantines_duplicate_keys_and_campus_code_collisions() -> None:
    row = _dept("0101", "内科")
    result = plan(DEPT, [("1010", row, None), ("1010", row, None), ("1011", {**row}, None)], {}, {})
    actions = [(s.key, s.action) for s in result.steps]
    assert actions == [("1010", Action.INSERT), ("1010", Action.QUARANTINE), ("1011", Action.QUARANTINE)]
    assert "主键重复" in result.steps[1].reason and "对照重复" in result.steps[2].reason


def test_unchanged_rows_need_no_ledger_write_once_known() -> None:
    cols = DRUG.campus_columns
    row = {c: None for c in cols} | {"ypdm": "YP1", "ypmc": "阿司匹林", "lsj": Decimal("1.5"), "tybz": "0"}
    read_back = {**row, "lsj": Decimal("1.500000"), "bbh": 3}
    h = row_hash(row, cols)
    first = plan(DRUG, [("YP1", row, None)], {"YP1": read_back}, {})
    assert first.steps[0].action is Action.UNCHANGED and first.steps[0].record  # adopted once
    again = plan(DRUG, [("YP1", row, None)], {"YP1": read_back}, {"YP1": Prior("YP1", h, h)})
    assert again.steps[0].action is Action.UNCHANGED and not again.steps[0].record
