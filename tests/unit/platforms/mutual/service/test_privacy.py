"""What the service shows and keeps of a person: a masked name, masked identifiers in journalled text."""

from __future__ import annotations

import pytest

from hisbridge.platforms.mutual.service.privacy import masked, masked_id, masked_name


@pytest.mark.parametrize(("name", "shown"), [("张三", "张*"), ("张三丰", "张*丰"), ("欧阳娜娜", "欧**娜"), ("", ""),
                                             (None, ""), (" 李四 ", "李*")])
def test_names_keep_their_first_and_last_character(name, shown) -> None:
    assert masked_name(name) == shown


@pytest.mark.parametrize(("value", "shown"), [("360102199001010011", "360*************11"),
                                              ("E12345678", "E12****78"), ("123", "***"), ("", ""), (None, "")])
def test_id_numbers_keep_only_their_ends(value, shown) -> None:
    assert masked_id(value) == shown


def test_personal_values_are_masked_at_any_depth_and_nothing_else_changes() -> None:
    body = {"patientId": "P0001", "idCardValue": "360102199001010011", "GHId": "GH1",
            "rows": [{"PatientName": "张三丰", "IdCardValue": "360102199001010011", "DataCode": "L0001"}]}
    out = masked(body)
    assert out == {"patientId": "P0001", "idCardValue": "360*************11", "GHId": "GH1",
                   "rows": [{"PatientName": "张*丰", "IdCardValue": "360*************11", "DataCode": "L0001"}]}
    assert body["idCardValue"] == "360102199001010011", "the input is not changed"
