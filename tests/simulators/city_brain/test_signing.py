"""The sign string and the three algorithms, against vectors computed by hand."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from simulators.city_brain import signing

ENVELOPE = {"appId": "app1", "timestamp": "1718409600000", "nonce": "abcdef0123456789", "signType": "SM3",
            "bizContent": {"visitId": "R1", "orgCode": "360102001", "summary": "已挂号", "n": {"b": 1, "a": [2, 1]}}}  # fmt: skip
SIGN_STRING = ('appId=app1&bizContent={"n":{"a":[2,1],"b":1},"orgCode":"360102001","summary":"已挂号","visitId":"R1"}'
               "&nonce=abcdef0123456789&signType=SM3&timestamp=1718409600000")  # fmt: skip
#: ``printf '%s' "$SIGN_STRING&key=k3y" | openssl dgst -sm3`` — an implementation other than ours
PINNED_SM3 = "aa999ecbc3e040a2e29955af82c65d8c8a6ca9f36478192343d883dd98ee88bb"


def test_sm3_of_abc_is_the_standard_vector() -> None:
    assert signing.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sign_string_sorts_keys_and_writes_biz_content_as_canonical_json() -> None:
    assert signing.sign_string(ENVELOPE) == SIGN_STRING
    assert signing.sign_string({**ENVELOPE, "sign": "ff" * 32}) == SIGN_STRING  # sign itself is never signed


def test_sign_string_leaves_out_null_and_empty_but_keeps_an_empty_biz_content() -> None:
    envelope = {"appId": "a", "timestamp": "1", "nonce": "", "signType": None, "bizContent": {}}
    assert signing.sign_string(envelope) == "appId=a&bizContent={}&timestamp=1"


def test_sign_string_keeps_chinese_as_utf8_not_escapes() -> None:
    text = signing.sign_string({"bizContent": {"deptName": "心血管内科"}})
    assert text == 'bizContent={"deptName":"心血管内科"}' and "\\u" not in text


@pytest.mark.parametrize(("sign_type", "expected"), [
    ("SM3", lambda s: signing.sm3_hex(f"{s}&key=k3y".encode())),
    ("SHA256", lambda s: hashlib.sha256(f"{s}&key=k3y".encode()).hexdigest()),
    ("HMAC-SHA256", lambda s: hmac.new(b"k3y", s.encode(), hashlib.sha256).hexdigest()),
])  # fmt: skip
def test_each_algorithm_signs_the_sign_string(sign_type: str, expected) -> None:
    envelope = {**ENVELOPE, "signType": sign_type}
    want = expected(SIGN_STRING.replace("signType=SM3", f"signType={sign_type}"))
    assert signing.sign(envelope, "k3y") == want
    assert len(want) == 64 and want == want.lower()


def test_a_pinned_sm3_signature() -> None:
    assert signing.sign(ENVELOPE, "k3y") == PINNED_SM3
    assert signing.sign(ENVELOPE, "k3y", "SHA256") != PINNED_SM3  # a claimed type can be overridden


def test_signed_envelope_is_complete_and_fresh() -> None:
    a = signing.signed_envelope("app", "s", {"x": "1"}, sign_type="HMAC-SHA256")
    b = signing.signed_envelope("app", "s", {"x": "1"}, sign_type="HMAC-SHA256")
    assert set(a) == set(signing.ENVELOPE_FIELDS) and a["nonce"] != b["nonce"]
    assert len(a["timestamp"]) == 13 and a["sign"] == signing.sign(a, "s")


def test_unknown_sign_type_is_an_error() -> None:
    with pytest.raises(ValueError):
        signing.digest("x", "s", "MD5")
