"""Row models of the 前置库 tables: built from the declarations, refusing what the declaration forbids with
reasons that name the column and never the value."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hisbridge.pipeline.validate import model_errors
from hisbridge.platforms.regional.datasets import datasets
from hisbridge.platforms.regional.models import db_row, model_for, pii_columns

D = datasets().get("discharge")
GOOD = {"adm_no": "ZY001", "org_code": "360102001", "patient_id": "P1", "patient_name": "张三", "gender": "1",
        "birth_date": datetime(1980, 1, 1), "id_card_type": "01", "id_card_no": "36010219800101001X",
        "adm_time": "2026-11-20T08:00:00", "dscg_time": datetime(2026, 11, 24, 10, 30, 15, 999)}


def test_a_row_dumps_to_wire_text_and_back_to_typed_values() -> None:
    body = model_for(D).model_validate(GOOD).model_dump(mode="json", exclude_none=True)
    assert body["dscg_time"] == "2026-11-24 10:30:15" and body["adm_time"] == "2026-11-20 08:00:00"
    assert body["birth_date"] == "1980-01-01" and "dscg_way" not in body
    row = db_row(D, body)
    assert row["dscg_time"] == datetime(2026, 11, 24, 10, 30, 15) and row["birth_date"] == date(1980, 1, 1)
    assert row["dscg_way"] is None  # every column, so a re-send replaces the whole row


def test_numbers_become_text_and_ints_stay_ints() -> None:
    rx = datasets().get("prescription")
    body = model_for(rx).model_validate({
        "rx_no": 123, "org_code": "360102001", "patient_id": "P1", "patient_name": "张三", "rx_time": "2026-11-24",
        "dept_code": Decimal("7"), "line_count": Decimal("3")}).model_dump(mode="json", exclude_none=True)
    assert body["rx_no"] == "123" and body["dept_code"] == "7" and body["line_count"] == 3


@pytest.mark.parametrize(("change", "column"), [
    ({"patient_name": "  "}, "patient_name"),
    ({"adm_no": None}, "adm_no"),
    ({"id_card_no": "3" * 19}, "id_card_no"),
    ({"dscg_time": "24/11/2026"}, "dscg_time"),
    ({"unknown_field": "x"}, "unknown_field"),
])
def test_a_bad_row_is_refused_naming_the_column_not_the_value(change: dict, column: str) -> None:
    with pytest.raises(ValidationError) as caught:
        model_for(D).model_validate({**GOOD, **change})
    reasons = model_errors(caught.value)
    assert any(r.startswith(f"{column}：") for r in reasons), reasons
    assert not any("3333" in r or "24/11" in r for r in reasons)


def test_personal_columns_are_flagged() -> None:
    assert pii_columns(D) == ("patient_name", "id_card_no")
