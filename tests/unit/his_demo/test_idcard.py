from __future__ import annotations

from datetime import date

import pytest

from demo.his import idcard


def test_check_character_of_the_standard_example() -> None:
    # the worked example of GB 11643-1999
    assert idcard.check_char("11010519491231002") == "X"
    assert idcard.is_valid("11010519491231002X")


def test_made_number_is_valid_and_carries_birth_date_and_gender() -> None:
    no = idcard.make_id_card_no("360102", date(1980, 2, 29), 123)
    assert len(no) == 18 and no.startswith("36010219800229123")
    assert idcard.is_valid(no)
    assert idcard.birth_date_of(no) == date(1980, 2, 29)
    assert idcard.gender_of(no) == "1"
    assert idcard.gender_of(idcard.make_id_card_no("360102", date(1980, 2, 29), 124)) == "2"


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002x",  # lower-case x
        "110105194912310021",  # wrong check digit
        "11010519490230002X",  # 30 February
        "1101051949123100",  # too short
        "",
        None,
    ],
)
def test_invalid_numbers_are_refused(value) -> None:
    assert not idcard.is_valid(value)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        idcard.make_id_card_no("3601", date(1980, 1, 1), 1)
    with pytest.raises(ValueError):
        idcard.make_id_card_no("360102", date(1980, 1, 1), 1000)


def test_nanchang_areas_are_3601xx() -> None:
    assert idcard.NANCHANG_AREAS and all(a.startswith("3601") and len(a) == 6 for a in idcard.NANCHANG_AREAS)
