"""The re-queue form's guard (hisbridge.ops.ledger_guard): a signed token bound to the user and its age, and the
request's origin compared by scheme, host and port — another port of the same host is another origin."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from hisbridge.ops.ledger_guard import FormGuard

NOW = 1_800_000_000.0


def request(url: str = "http://ops.example:8080/hisbridge/ledger/records/1/requeue", **headers: str) -> Request:
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    raw = [(b"host", host.encode())] + [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "scheme": scheme, "path": "/" + path, "headers": raw,
                    "query_string": b"", "server": (host.split(":")[0], 0)})


def test_a_token_is_good_for_its_user_until_it_is_too_old() -> None:
    clock = [NOW]
    guard = FormGuard("secret", max_age_s=3600, clock=lambda: clock[0])
    token = guard.token("王工")
    assert guard.token_problem("王工", token) is None
    assert "校验码" in guard.token_problem("李工", token)  # bound to the user it was made for
    assert "校验码" in FormGuard("another secret", clock=lambda: clock[0]).token_problem("王工", token)
    clock[0] += 3601
    assert "已失效" in guard.token_problem("王工", token)


@pytest.mark.parametrize("token", [None, "", "abc", f"{int(NOW)}.", f"{int(NOW)}.{'0' * 64}", "x.y.z"])
def test_a_forged_or_missing_token_is_refused(token) -> None:
    assert FormGuard("secret", clock=lambda: NOW).token_problem("王工", token) is not None


def test_two_guards_with_the_sites_secret_accept_each_others_tokens() -> None:
    """Several API-server workers: a form rendered by one is posted to another."""
    one, other = FormGuard(b"site", clock=lambda: NOW), FormGuard(b"site", clock=lambda: NOW)
    assert other.token_problem("王工", one.token("王工")) is None


@pytest.mark.parametrize(("headers", "ok"), [
    ({"Origin": "http://ops.example:8080"}, True),
    ({"Origin": "http://OPS.example:8080"}, True),
    ({"Origin": "http://ops.example:8081"}, False),  # the same host on another port
    ({"Origin": "https://ops.example:8080"}, False),
    ({"Origin": "http://ops.example"}, False),
    ({"Origin": "null"}, False),  # a sandboxed page, no referer
    ({"Referer": "http://ops.example:8080/hisbridge/ledger/records/1"}, True),
    ({"Referer": "http://ops.example:9999/attack.html"}, False),
    ({}, False),
])
def test_only_the_pages_own_origin_may_post(headers: dict, ok: bool) -> None:
    problem = FormGuard().origin_problem(request(**headers))
    assert (problem is None) is ok, problem


def test_default_ports_are_the_same_origin_and_a_proxys_address_can_be_trusted() -> None:
    assert FormGuard().origin_problem(request("http://ops.example/x", Origin="http://ops.example:80")) is None
    assert FormGuard().origin_problem(request("https://ops.example/x", Origin="https://ops.example")) is None
    behind_proxy = request("http://127.0.0.1:28080/x", Origin="https://hisbridge.hospital.cn")
    assert FormGuard().origin_problem(behind_proxy) is not None
    assert FormGuard(trusted_origins=["https://hisbridge.hospital.cn/"]).origin_problem(behind_proxy) is None
