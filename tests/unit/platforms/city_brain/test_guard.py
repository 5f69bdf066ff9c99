"""The guard's decisions as a table: each case is a caller's address and a request, and the code it gets —
the order of the checks included (a request wrong in two ways gets the earlier check's code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hisbridge.platforms.city_brain.answers import ApiError
from hisbridge.platforms.city_brain.guard import Guard, Refused, TokenBuckets
from tests.unit.platforms.city_brain.support import NOW, SECRETS, body, envelope, settings


class Nonces:
    """The ledger's nonce store, in memory."""

    def __init__(self, seen: set[tuple[str, str]] | None = None) -> None:
        self.seen = set(seen or ())
        self.asked: list[tuple[str, str, float]] = []

    def __call__(self, app_id: str, nonce: str, keep_s: float) -> bool:
        self.asked.append((app_id, nonce, keep_s))
        if (app_id, nonce) in self.seen:
            return False
        self.seen.add((app_id, nonce))
        return True


def guard(nonces: Nonces | None = None, **changes: Any) -> Guard:
    return Guard(settings(**changes), nonces or Nonces(), clock=lambda: NOW,
                 buckets=TokenBuckets(changes.get("workers", 1), clock=lambda: 100.0))


def _without(key: str) -> Callable[[dict], dict]:
    return lambda e: {k: v for k, v in e.items() if k != key}


def _with(**values: Any) -> Callable[[dict], dict]:
    return lambda e: {**e, **values}


REPLAYED_NONCE = "replayed0123456789"
CASES = [
    # (id, peer, request, expected code or None for admitted)
    ("signed-and-allowed", "10.1.2.3", envelope(), None),
    ("loopback-listed", "127.0.0.1", envelope(), None),
    ("hmac-caller", "192.168.1.7", envelope("cb02"), None),
    ("ipv4-mapped-ipv6-peer", "::ffff:10.1.2.3", envelope(), None),
    ("timestamp-just-inside-the-window", "10.1.2.3", envelope(at=NOW - 299), None),
    # a number signs as its digits: the same text as the string
    ("timestamp-as-a-number", "10.1.2.3", _with(timestamp=int(NOW * 1000))(envelope()), None),
    ("outside-every-allow-list", "8.8.8.8", envelope(), "1006"),
    ("no-peer-address", None, envelope(), "1006"),
    ("outside-and-unsigned", "8.8.8.8", _without("sign")(envelope()), "1006"),
    ("not-json", "10.1.2.3", b"appId=cb01", "2001"),
    ("not-an-object", "10.1.2.3", b"[1, 2]", "2001"),
    ("no-sign", "10.1.2.3", _without("sign")(envelope()), "1001"),
    ("empty-sign", "10.1.2.3", _with(sign="")(envelope()), "1001"),
    ("no-timestamp", "10.1.2.3", _without("timestamp")(envelope()), "1001"),
    ("no-nonce", "10.1.2.3", _without("nonce")(envelope()), "1001"),
    ("short-nonce", "10.1.2.3", envelope(nonce="abc123"), "1001"),
    ("nonce-with-symbols", "10.1.2.3", envelope(nonce="abc123-abc123-abc123"), "1001"),
    ("unknown-sign-type", "10.1.2.3", _with(signType="MD5")(envelope()), "1001"),
    ("sign-not-hex", "10.1.2.3", _with(sign="z" * 64)(envelope()), "1001"),
    ("biz-not-an-object", "10.1.2.3", _with(bizContent=[1])(envelope()), "2001"),
    ("unknown-app-id", "10.1.2.3", envelope("cb99"), "1005"),
    ("disabled-app-id", "10.1.2.3", envelope("off"), "1005"),
    ("unknown-app-id-and-bad-sign", "10.1.2.3", _with(sign="0" * 64)(envelope("cb99")), "1005"),
    ("another-callers-address", "192.168.1.7", envelope("cb01"), "1006"),
    ("stale", "10.1.2.3", envelope(at=NOW - 301), "1003"),
    ("from-the-future", "10.1.2.3", envelope(at=NOW + 301), "1003"),
    ("stale-and-badly-signed", "10.1.2.3", _with(sign="0" * 64)(envelope(at=NOW - 3600)), "1003"),
    ("wrong-secret", "10.1.2.3", envelope(secret="not-the-secret-0123456789"), "1002"),
    ("tampered-parameters", "10.1.2.3", _with(bizContent={"pageNo": 2})(envelope()), "1002"),
    ("algorithm-not-configured", "10.1.2.3", envelope(sign_type="SHA256"), "1002"),
    ("replayed-nonce", "10.1.2.3", envelope(nonce=REPLAYED_NONCE), "1004"),
    ("over-a-megabyte", "10.1.2.3", b"{" + b" " * (1 << 20) + b"}", "2001"),
    ("over-a-megabyte-from-outside", "8.8.8.8", b"{" + b" " * (1 << 20) + b"}", "1006"),
    ("replayed-nonce-badly-signed", "10.1.2.3", _with(sign="0" * 64)(envelope(nonce=REPLAYED_NONCE)), "1002"),
]


@pytest.mark.parametrize(("peer", "request_", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_guard_decision(peer: str | None, request_: Any, expected: str | None) -> None:
    nonces = Nonces({("cb01", REPLAYED_NONCE)})
    g = guard(nonces)
    if expected is None:
        admitted = g.check(peer, body(request_))
        assert admitted.caller.app_id == request_["appId"]
        assert admitted.envelope.nonce == request_["nonce"]
        assert (admitted.caller.app_id, request_["nonce"]) in nonces.seen
        return
    with pytest.raises(ApiError) as refused:
        g.check(peer, body(request_))
    assert refused.value.code == expected, refused.value.detail
    assert refused.value.detail  # every refusal says what is wrong


def test_a_nonce_is_stored_only_after_the_signature_was_verified() -> None:
    nonces = Nonces()
    g = guard(nonces)
    forged = {**envelope(nonce="genuine0123456789"), "sign": "0" * 64}
    with pytest.raises(Refused, match="1002"):
        g.check("10.1.2.3", body(forged))
    assert nonces.asked == []
    g.check("10.1.2.3", body(envelope(nonce="genuine0123456789")))  # the genuine request still goes through
    assert nonces.asked == [("cb01", "genuine0123456789", 600)]  # kept two windows


def test_refusals_name_the_caller_once_it_is_known() -> None:
    g = guard()
    with pytest.raises(Refused) as outside:
        g.check("8.8.8.8", body(envelope()))
    assert outside.value.app_id is None and "8.8.8.8" in outside.value.detail
    with pytest.raises(Refused) as stale:
        g.check("10.1.2.3", body(envelope(at=NOW - 400)))
    assert stale.value.app_id == "cb01" and "400" in stale.value.detail and "±300" in stale.value.detail


def test_a_caller_over_its_rate_is_refused_with_the_wait_until_the_next_token() -> None:
    now = [100.0]
    buckets = TokenBuckets(1, clock=lambda: now[0])
    g = Guard(settings(), Nonces(), clock=lambda: NOW, buckets=buckets)
    for _ in range(2):  # the burst
        g.check("10.1.2.3", body(envelope()))
    with pytest.raises(Refused) as flooded:
        g.check("10.1.2.3", body(envelope()))
    assert flooded.value.code == "1007" and flooded.value.retry_after_s == pytest.approx(0.5)
    g.check("192.168.1.7", body(envelope("cb02")))  # another caller has its own bucket
    now[0] += 0.5  # rate 2/s: one token back
    g.check("10.1.2.3", body(envelope()))
    with pytest.raises(Refused, match="1007"):
        g.check("10.1.2.3", body(envelope()))


def test_the_rate_is_divided_among_the_workers() -> None:
    now = [0.0]
    buckets = TokenBuckets(2, clock=lambda: now[0])
    g = Guard(settings(workers=2), Nonces(), clock=lambda: NOW, buckets=buckets)
    g.check("10.1.2.3", body(envelope()))  # burst 2 / 2 workers: one
    with pytest.raises(Refused) as flooded:
        g.check("10.1.2.3", body(envelope()))
    assert flooded.value.retry_after_s == pytest.approx(1.0)  # rate 2/s / 2 workers
    assert "每秒最多 1 次" in flooded.value.detail


def test_a_refused_request_still_costs_a_token() -> None:
    # the bucket comes before the signature: garbage under a known appId is stopped without hashing it
    g = guard()
    for _ in range(2):
        with pytest.raises(Refused, match="1002"):
            g.check("10.1.2.3", body({**envelope(), "sign": "0" * 64}))
    with pytest.raises(Refused, match="1007"):
        g.check("10.1.2.3", body(envelope()))


@pytest.mark.parametrize(("peer", "forwarded", "seen"), [
    ("10.1.2.3", None, "10.1.2.3"),
    ("172.20.0.2", "10.1.2.3", "10.1.2.3"),  # through the trusted proxy
    ("172.20.0.2", "8.8.8.8, 10.1.2.3", "10.1.2.3"),  # the last entry the proxy appended is the caller
    ("172.20.0.2", "10.1.2.3, 172.20.0.3", "10.1.2.3"),  # two trusted proxies
    ("8.8.4.4", "10.1.2.3", "8.8.4.4"),  # X-Forwarded-For from an untrusted peer is ignored
    ("172.20.0.2", "not-an-address", None),
    ("172.20.0.2", None, "172.20.0.2"),
])
def test_the_callers_address_behind_a_trusted_proxy(peer: str, forwarded: str | None, seen: str | None) -> None:
    g = guard(trusted_proxies=["172.20.0.0/24"])
    found = g.client_ip(peer, forwarded)
    assert (str(found) if found else None) == seen


def test_metrics_are_readable_from_the_listed_addresses_only() -> None:
    g = guard()
    assert g.may_read_metrics("127.0.0.1") and g.may_read_metrics("10.9.8.7")
    assert not g.may_read_metrics("8.8.8.8") and not g.may_read_metrics(None)
    assert not guard(metrics_ips=["127.0.0.1"]).may_read_metrics("10.9.8.7")


def test_secrets_never_show_in_a_callers_repr() -> None:
    caller = settings().by_app_id["cb01"]
    assert SECRETS["cb01"] not in repr(caller) and SECRETS["cb01"] not in repr(settings())
