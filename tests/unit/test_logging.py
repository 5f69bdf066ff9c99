"""PII never reaches a log line: patterns, keys, registered names, tracebacks — and no over-masking of the
identifiers ops need (msgids, 20-digit traceability codes, business keys)."""

from __future__ import annotations

import logging

import pytest

from hisbridge import logging as pii


@pytest.fixture(autouse=True)
def _installed():
    pii.install()


def test_id_numbers_and_mobiles_are_masked_wherever_they_appear() -> None:
    text = pii.mask_text("证件36010219800101001X，电话13812345678。")
    assert "36010219800101001X" not in text and "13812345678" not in text
    assert "360" in text and "138****5678" in text


def test_values_after_pii_keys_are_masked() -> None:
    text = pii.mask_text('{"psn_name": "欧阳明", "certno": "A1234567", "phone": "0791-8888"} name=王五')
    assert "欧阳明" not in text and "A1234567" not in text and "王五" not in text and "0791-8888" not in text


def test_registered_names_are_masked_inside_running_text() -> None:
    pii.register_pii(["司马相如", "李四"])
    text = pii.mask_text("患者司马相如取药，陪同李四")
    assert "司马相如" not in text and "李四" not in text and "患者" in text and "取药" in text


def test_operational_identifiers_are_left_alone() -> None:
    line = "msgid=H36010000001202611240930000001 code=81234567890123456789 key=FY202611240000079 bchno=B1"
    assert pii.mask_text(line) == line


def test_every_log_record_is_masked_even_through_a_foreign_handler(caplog) -> None:
    pii.register_pii(["诸葛孔明"])
    with caplog.at_level(logging.INFO, logger="anything.else"):
        logging.getLogger("anything.else").info("patient %s id %s", "诸葛孔明", "360102198001010012")
    assert "诸葛孔明" not in caplog.text and "360102198001010012" not in caplog.text


def test_traceback_text_is_masked(caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="hisbridge.test"):
        try:
            raise ValueError("bad certno 360102198001010012")
        except ValueError:
            logging.getLogger("hisbridge.test").exception("failed")
    assert "360102198001010012" not in caplog.text and "ValueError" in caplog.text


def test_old_fifteen_digit_id_numbers_are_masked_but_other_15_digit_numbers_stay() -> None:
    assert "360102800101123" not in pii.mask_text("旧身份证 360102800101123")
    assert pii.mask_text("serial 360102801399123") == "serial 360102801399123"  # month 13: not a birth date


def test_platform_error_text_uses_the_same_masking() -> None:
    from hisbridge.platforms.hsa.errors import scrub

    text = scrub("证件号36010219800101001X重复，联系13812345678，psn_name=王小明", ["某某"])
    assert "36010219800101001X" not in text and "13812345678" not in text and "王小明" not in text


# The key rule: a key's value is masked when it is quoted, follows "=", or contains a digit or a CJK character.
MASKED_AFTER_KEY = [
    ("certno=360102198001010012", "certno=***"),
    ('"psn_name": "张三"', '"psn_name": "***"'),
    ("psn_name='李四'", "psn_name='***'"),
    ("phone: 13912345678", "phone: ***"),
    ("name=王五", "name=***"),
    ("phar_certno=A1234567", "phar_certno=***"),
    ('{"psn_name": "Zhang San", "age": 3}', '{"psn_name": "***", "age": 3}'),
    ("{'prsc_dr_name': '司马懿'}", "{'prsc_dr_name': '***'}"),
    ("psn_no: 36010000000000000001", "psn_no: ***"),
    ("addr: 南昌市东湖区", "addr: ***"),
    ("psn_name：欧阳明", "psn_name：***"),
    ('psn_name: "张三 (message cut here', 'psn_name: "***'),
]

MESSAGE_WORDS_KEPT = [
    "psn_name: String should have at most 50 characters",
    "phar_name: field has no value",
    "psn_name: Field required",
    "certno: value is not a valid ID number",
    "prsc_dr_name: Input should be a valid string",
    'psn_name="" is empty',
    "feed name: hsa_trace_sale",
    "psn_name: None",
]


@pytest.mark.parametrize(("text", "expected"), MASKED_AFTER_KEY, ids=[c[0] for c in MASKED_AFTER_KEY])
def test_a_value_after_a_pii_key_is_masked(text: str, expected: str) -> None:
    assert pii.mask_text(text) == expected


@pytest.mark.parametrize("text", MESSAGE_WORDS_KEPT)
def test_the_words_of_a_message_about_a_pii_field_are_kept(text: str) -> None:
    assert pii.mask_text(text) == text


def test_a_quarantine_reason_keeps_its_words_and_loses_its_values() -> None:
    reasons = "phar_name: field has no value; psn_name: String should have at most 50 characters; certno=360102198001010012"
    assert pii.mask_text(reasons) == (
        "phar_name: field has no value; psn_name: String should have at most 50 characters; certno=***"
    )


@pytest.mark.parametrize(("name", "personal"), [
    ("certno", True), ("phar_certno", True), ("psn_name", True), ("sel_retn_opter_name", True), ("phone", True),
    ("med_list_codg", False), ("drug_trac_codg", False), ("fixmedins_hilist_name", False), ("rxno", False),
])
def test_is_pii_key_names_the_fields_whose_values_are_personal(name: str, personal: bool) -> None:
    assert pii.is_pii_key(name) is personal
