"""The fund self-check's derived columns, money and detail texts, without a database (the extracts as frames)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest

from hisbridge.platforms.hsa import self_check

SPEC = self_check.load_spec()


def _line(fee_id: str, fee_time: str, **values) -> dict:
    row = {c: None for c in self_check.SQL_COLUMNS}
    row.update(fee_id=fee_id, setl_id="S1", mdtrt_id="M1", patient_id="P1", visit_kind="O", item_kind="drug",
               item_code="D1", item_name="药", fee_time=fee_time, qty=1, unit_price=10, amount=10, gender="1",
               gender_name="男", birth_date="1980-01-01")
    row.update(values)
    return row


def _frame(lines: list[dict], diags: list[dict] = (), stays: list[dict] = ()) -> pd.DataFrame:
    fees = self_check._typed(pd.DataFrame(lines, columns=list(self_check.SQL_COLUMNS)))
    d = self_check._typed(pd.DataFrame(list(diags), columns=["setl_id", "diag_code"]))
    s = self_check._typed(pd.DataFrame(list(stays), columns=["adm_id", "patient_id", "adm_time", "dscg_time"]))
    return self_check.enrich(fees, d, s, SPEC).set_index("fee_id")


@pytest.mark.parametrize(("birth", "fee_time", "age"), [
    ("2008-11-25", "2026-11-24 23:59:59", 17),  # the day before the 18th birthday
    ("2008-11-24", "2026-11-24 00:00:00", 18),  # on the birthday
    ("2008-02-29", "2026-02-28 12:00:00", 17),  # born on 29 February: a year older on 1 March
    ("2008-02-29", "2026-03-01 12:00:00", 18),
    (None, "2026-11-24 12:00:00", None),
])
def test_age_is_full_years_at_the_fee(birth, fee_time, age) -> None:
    got = _frame([_line("F", fee_time, birth_date=birth)]).loc["F", "age"]
    assert (pd.isna(got) and age is None) or got == age


def test_lines_of_a_patient_item_and_day_are_ranked_and_summed_in_time_order() -> None:
    frame = _frame([
        _line("F3", "2026-11-24 18:00:00", qty=0.2),
        _line("F1", "2026-11-24 08:00:00", qty=0.1),
        _line("F2", "2026-11-24 08:00:00", qty=0.2),  # same time as F1: fee id breaks the tie
        _line("F4", "2026-11-25 08:00:00", qty=5),  # another day
        _line("F5", "2026-11-24 09:00:00", qty=1, patient_id="P2"),  # another patient
    ])
    assert frame.loc[["F1", "F2", "F3", "F4", "F5"], "day_seq"].tolist() == [1, 2, 3, 1, 1]
    assert frame.loc["F3", "day_lines"] == 3 and frame.loc["F3", "day_qty"] == 0.5
    assert frame.loc["F2", "day_qty_running"] == 0.3  # not 0.30000000000000004
    assert frame.loc["F2", "day_qty_before"] == 0.1


def test_once_per_day_comes_from_charge_type_daily_limit_one_or_the_item_list() -> None:
    spec = self_check.parse_spec({**SPEC.model_dump(exclude_none=True), "once_per_day": {
        "charge_types": ["01"], "items": [{"item_kind": "item", "item_code": "HL1"}]}})
    fees = self_check._typed(pd.DataFrame([
        _line("BED", "2026-11-24 08:00:00", item_kind="item", item_code="B", chrgitm_type="01"),
        _line("NURSE", "2026-11-24 08:00:00", item_kind="item", item_code="N", chrgitm_type="07"),
        _line("LISTED", "2026-11-24 08:00:00", item_kind="item", item_code="HL1"),
        _line("LIMIT1", "2026-11-24 08:00:00", daily_max_qty=1),
        _line("LIMIT2", "2026-11-24 08:00:00", item_code="D2", daily_max_qty=2),
    ], columns=list(self_check.SQL_COLUMNS)))
    empty = pd.DataFrame(columns=["setl_id", "diag_code"])
    stays = pd.DataFrame(columns=["adm_id", "patient_id", "adm_time", "dscg_time"])
    frame = self_check.enrich(fees, empty, stays, spec).set_index("fee_id")
    assert frame["once_per_day"].to_dict() == {"BED": True, "NURSE": False, "LISTED": True, "LIMIT1": True,
                                               "LIMIT2": False}


def test_diagnoses_are_the_main_one_then_the_stay_s_without_repeats() -> None:
    frame = _frame([_line("F", "2026-11-24 08:00:00", main_diag_code="I10")],
                   diags=[{"setl_id": "S1", "diag_code": "I10"}, {"setl_id": "S1", "diag_code": "E11.900"}])
    assert frame.loc["F", "diag_codes"] == ("I10", "E11.900")
    assert frame.loc["F", "diag_text"] == "I10、E11.900"
    assert _frame([_line("F", "2026-11-24 08:00:00")]).loc["F", "diag_text"] == "无"


def test_a_stay_covers_its_days_from_admission_to_discharge_but_not_the_line_s_own_stay() -> None:
    stays = [
        {"adm_id": "OLD", "patient_id": "P1", "adm_time": "2026-11-01 08:00:00", "dscg_time": "2026-11-23 23:00:00"},
        {"adm_id": "NOW", "patient_id": "P1", "adm_time": "2026-11-24 16:00:00", "dscg_time": None},
    ]
    frame = _frame([
        _line("MORNING", "2026-11-24 09:00:00"),  # the afternoon's admission covers the whole day
        _line("BEFORE", "2026-11-23 23:30:00"),  # OLD's discharge day
        _line("GAP", "2026-10-31 23:59:00"),
        _line("OWN", "2026-11-25 09:00:00", visit_kind="I", adm_id="NOW"),
    ], stays=stays)
    assert frame["covering_stay_id"].to_dict() == {"MORNING": "NOW", "BEFORE": "OLD", "GAP": None, "OWN": None}
    assert frame.loc["MORNING", "covering_adm_time"] == datetime(2026, 11, 24, 16)
    assert pd.isna(frame.loc["MORNING", "covering_dscg_time"])


def test_starts_with_any_ignores_case_spaces_and_chinese_commas() -> None:
    codes = pd.Series([("I10", "e11.9"), ("I10",), (), ("E11",)])
    prefixes = pd.Series(["E11", "E11， E10", "E11", None])
    assert self_check.starts_with_any(codes, prefixes).tolist() == [True, False, False, False]


@pytest.mark.parametrize(("value", "cents"), [
    (31, "31.00"), (6.67, "6.67"), (2 * 3.335, "6.67"), (0.125, "0.13"), (3 * 1.1, "3.30"),
    (Decimal("12.345"), "12.35"), (None, "0.00"), (float("nan"), "0.00"),
])
def test_money_is_cents_half_up(value, cents) -> None:
    assert self_check.money(value) == Decimal(cents)


def test_detail_prints_blanks_as_a_dash_and_whole_numbers_without_decimals() -> None:
    row = {"min_age": float("nan"), "max_age": 14.0, "age": 15.0, "qty": 2.5, "dscg_time": pd.NaT,
           "fee_day": pd.Timestamp("2026-11-24"), "codes": ("A", "B")}
    text = "{min_age}～{max_age} 岁 {age} {qty} {dscg_time:%Y-%m-%d} {fee_day:%Y-%m-%d} {codes}"
    assert self_check.render_detail(text, row) == "—～14 岁 15 2.5 — 2026-11-24 A、B"


def test_period_is_the_day_for_a_calendar_day_window() -> None:
    assert self_check.period_of((datetime(2026, 11, 24), datetime(2026, 11, 25))) == "2026-11-24"
    assert self_check.period_of((datetime(2026, 11, 24), datetime(2026, 11, 26))) == "20261124T0000-20261126T0000"
