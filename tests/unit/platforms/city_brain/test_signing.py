"""Signatures: the SM3 of ``cryptography`` against the standard's vectors, the sign string exactly as the docs
say, each algorithm against an independent computation, and the docs' worked example."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from hisbridge.platforms.city_brain import doc, signing
from hisbridge.platforms.city_brain.envelope import signed_request

SECRET = "demo-secret-0123456789abcdef"
EXAMPLE = {"appId": "cb01", "timestamp": "1764000000000", "nonce": "a1b2c3d4e5f6a7b8c9d0", "signType": "SM3",
           "bizContent": {"patientId": "P0001", "startDate": "2026-11-01", "endDate": "2026-11-24", "pageNo": 1,
                          "pageSize": 50}}


@pytest.mark.parametrize(("data", "digest"), [
    # GB/T 32905-2016 appendix A, examples 1 and 2
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    (b"", "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
])
def test_sm3_matches_the_standards_vectors(data: bytes, digest: str) -> None:
    assert signing.sm3_hex(data) == digest


def test_the_sign_string_sorts_keys_omits_empty_values_and_the_sign() -> None:
    envelope = {"timestamp": "1764000000000", "appId": "cb01", "nonce": "n" * 16, "signType": "SM3",
                "sign": "ff" * 32, "version": "", "extra": None,
                "bizContent": {"b": "名字", "a": {"z": 1, "y": [2, 1]}, "c": None}}
    assert signing.sign_string(envelope) == (
        'appId=cb01&bizContent={"a":{"y":[2,1],"z":1},"b":"名字","c":null}&nonce=nnnnnnnnnnnnnnnn&signType=SM3'
        "&timestamp=1764000000000")


@pytest.mark.parametrize(("value", "text"), [
    ({}, "bizContent={}&"),  # an empty object is not an empty value: signed
    (1764000000000, None),  # a number as its JSON text
])
def test_non_string_values_are_signed_as_canonical_json(value: object, text: str | None) -> None:
    built = signing.sign_string({"appId": "a", "bizContent": value, "nonce": "x"})
    assert built == f"appId=a&bizContent={signing.canonical_json(value)}&nonce=x"
    if text:
        assert text in built


def test_the_signature_of_each_algorithm_matches_an_independent_computation() -> None:
    text = signing.sign_string(EXAMPLE)
    salted = f"{text}&key={SECRET}".encode()
    assert signing.signature(text, SECRET, "SHA256") == hashlib.sha256(salted).hexdigest()
    assert signing.signature(text, SECRET, "HMAC-SHA256") == hmac.new(SECRET.encode(), text.encode(),
                                                                       hashlib.sha256).hexdigest()
    assert signing.signature(text, SECRET, "SM3") == signing.sm3_hex(salted)
    with pytest.raises(ValueError, match="MD5"):
        signing.signature(text, SECRET, "MD5")  # type: ignore[arg-type]


@pytest.mark.parametrize("sign_type", signing.SIGN_TYPES)
def test_verify_accepts_the_signature_in_either_case_and_nothing_else(sign_type) -> None:
    envelope = signed_request("cb01", SECRET, {"patientId": "P0001", "名": "值"}, sign_type=sign_type)
    assert signing.verify(envelope, SECRET, sign_type)
    assert signing.verify({**envelope, "sign": envelope["sign"].upper()}, SECRET, sign_type)
    assert not signing.verify(envelope, SECRET + "x", sign_type)
    assert not signing.verify({**envelope, "bizContent": {"patientId": "P0002", "名": "值"}}, SECRET, sign_type)
    assert not signing.verify({**envelope, "sign": envelope["sign"][:-2]}, SECRET, sign_type)
    assert not signing.verify({**envelope, "sign": ""}, SECRET, sign_type)
    assert not signing.verify({k: v for k, v in envelope.items() if k != "sign"}, SECRET, sign_type)


def test_the_docs_worked_example_is_right() -> None:
    text = doc.DOC.read_text(encoding="utf-8")
    assert signing.sign_string(EXAMPLE) in text
    assert f'"sign": "{signing.sign(EXAMPLE, SECRET, "SM3")}"' in text
    assert f"密钥为 `{SECRET}`" in text
