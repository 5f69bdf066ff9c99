"""The envelope checks on their own (no HTTP): each refusal's code and message, the order, the nonce ledger."""

from __future__ import annotations

from typing import Any

import pytest

from simulators.city_brain import signing
from simulators.city_brain.verify import Hospital, Verifier

NOW = 1_750_000_000.0  # the verifier's (injected) real clock
APP, SECRET = "hosp", "k3y"


class Clock:
    """The verifier's real clock, moved by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def _verifier(clock: Clock | None = None, **hospital: Any) -> Verifier:
    return Verifier({APP: Hospital(SECRET, **hospital)}, clock=clock or Clock())


def _envelope(biz: Any = None, *, skew_s: float = 0, app_id: str = APP, secret: str = SECRET,
              sign_type: str = "SM3") -> dict[str, Any]:  # fmt: skip
    return signing.signed_envelope(app_id, secret, biz or {"a": "1"}, sign_type=sign_type,
                                   timestamp=str(int((NOW + skew_s) * 1000)))  # fmt: skip


def test_a_good_envelope_passes_once() -> None:
    v = _verifier()
    envelope = _envelope()
    assert v.check(envelope, "127.0.0.1") is None
    refusal = v.check(envelope, "127.0.0.1")
    assert refusal is not None and refusal.code == "1004" and envelope["nonce"] in refusal.message


@pytest.mark.parametrize("field", ["appId", "timestamp", "nonce", "signType", "sign"])
def test_each_missing_signature_parameter_is_1001_naming_it(field: str) -> None:
    for empty in (None, "", ...):
        envelope = _envelope()
        if empty is ...:
            envelope.pop(field)
        else:
            envelope[field] = empty
        refusal = _verifier().check(envelope)
        assert refusal is not None and refusal.code == "1001" and f"[{field}]" in refusal.message


@pytest.mark.parametrize(("field", "value"), [
    ("timestamp", 1750000000000), ("timestamp", "1750000000"), ("timestamp", "17500000000000"),
    ("nonce", "short"), ("nonce", "x" * 65), ("nonce", "abc-def-0123456789"), ("signType", "MD5"),
    ("appId", 7),
])  # fmt: skip
def test_malformed_signature_parameters_are_1001(field: str, value: Any) -> None:
    refusal = _verifier().check({**_envelope(), field: value})
    assert refusal is not None and refusal.code == "1001" and f"[{field}]" in refusal.message


def test_not_an_object_is_2001() -> None:
    assert _verifier().check(["not", "an", "envelope"]).code == "2001"  # type: ignore[union-attr]


def test_unknown_or_disabled_app_id_is_1005() -> None:
    assert _verifier().check(_envelope(app_id="other")).code == "1005"  # type: ignore[union-attr]
    refusal = _verifier(enabled=False).check(_envelope())
    assert refusal is not None and refusal.code == "1005" and "已停用" in refusal.message


def test_source_ip_outside_the_allow_list_is_1006() -> None:
    v = _verifier(ips=("10.0.0.0/8", "127.0.0.1"))
    assert v.check(_envelope(), "10.1.2.3") is None
    assert v.check(_envelope(), "127.0.0.1") is None
    for ip in ("127.0.0.2", "192.168.1.1", None, "garbage"):
        refusal = v.check(_envelope(), ip)
        assert refusal is not None and refusal.code == "1006", ip


@pytest.mark.parametrize(("skew_s", "code"), [(-301, "1003"), (301, "1003"), (-299, None), (299, None)])
def test_the_timestamp_window_is_300_seconds_either_way(skew_s: float, code: str | None) -> None:
    refusal = _verifier().check(_envelope(skew_s=skew_s))
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(("change", "words"), [
    (lambda e: {**e, "sign": e["sign"][:-1] + ("0" if e["sign"][-1] != "0" else "1")}, "签名校验失败"),
    (lambda e: {**e, "bizContent": {"a": "2"}}, "签名校验失败"),
    (lambda e: {**e, "sign": e["sign"].upper()}, "小写十六进制"),
    (lambda e: {**e, "sign": "abc"}, "小写十六进制"),
    (lambda e: {**e, "extra": "1"}, "签名校验失败"),  # an added field is signed too
])  # fmt: skip
def test_a_wrong_signature_is_1002(change, words: str) -> None:
    refusal = _verifier().check(change(_envelope()))
    assert refusal is not None and refusal.code == "1002" and words in refusal.message


def test_a_sign_type_other_than_the_agreed_one_is_1002_even_when_valid() -> None:
    refusal = _verifier(sign_type="SM3").check(_envelope(sign_type="HMAC-SHA256"))
    assert refusal is not None and refusal.code == "1002" and "约定" in refusal.message
    assert _verifier(sign_type="HMAC-SHA256").check(_envelope(sign_type="HMAC-SHA256")) is None


def test_order_app_id_before_timestamp_before_signature() -> None:
    stale_unknown = _envelope(app_id="other", skew_s=-1000)
    assert _verifier().check(stale_unknown).code == "1005"  # type: ignore[union-attr]
    stale_forged = {**_envelope(skew_s=-1000), "sign": "0" * 64}
    assert _verifier().check(stale_forged).code == "1003"  # type: ignore[union-attr]


def test_a_forged_envelope_does_not_burn_the_nonce() -> None:
    v = _verifier()
    envelope = _envelope()
    assert v.check({**envelope, "sign": "0" * 64}).code == "1002"  # type: ignore[union-attr]
    assert v.check(envelope) is None


def test_nonces_are_per_app_and_released_on_request() -> None:
    v = Verifier({"a": Hospital("s1"), "b": Hospital("s2")}, clock=lambda: NOW)
    ts = str(int(NOW * 1000))
    one = signing.signed_envelope("a", "s1", {}, timestamp=ts, nonce="n" * 20)
    two = signing.signed_envelope("b", "s2", {}, timestamp=ts, nonce="n" * 20)
    assert v.check(one) is None and v.check(two) is None and v.nonces_seen() == 2
    v.release("a", "n" * 20)
    assert v.check(one) is None
    v.reset()
    assert v.nonces_seen() == 0


def test_old_nonces_are_forgotten_after_twice_the_window() -> None:
    clock = Clock()
    v = _verifier(clock)
    v.check(_envelope())
    assert v.nonces_seen() == 1
    clock.now = NOW + 601
    v.check(_envelope(skew_s=601))
    assert v.nonces_seen() == 1  # the first one is gone, the second remembered


def test_hospital_configuration_is_checked_and_secret_never_shown() -> None:
    with pytest.raises(ValueError):
        Hospital("")
    with pytest.raises(ValueError):
        Hospital("s", sign_type="MD5")
    with pytest.raises(ValueError):
        Hospital("s", ips=("10.0.0.300/8",))
    shown = Verifier({APP: Hospital("very-secret")}).to_json()
    assert "very-secret" not in str(shown) and shown["hospitals"][APP]["sign_type"] == "SM3"
