"""Gateway authentication (hsa.md §1.3): tif and csb signatures, replay and clock checks, all before the envelope."""

from __future__ import annotations

import time

import pytest

from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.simulators.hsa._support import PAASID, SECRET, Client, csb_headers, tif_headers


def _signin_env(c: Client) -> dict:
    return c.envelope("9001", {"signIn": {"opter_no": "0001", "mac": "", "ip": "10.0.0.8"}})


def _assert_401(r, fragment: str) -> None:
    assert r.status_code == 401, r.text
    body = r.json()
    assert body["code"] == "401"
    assert fragment in body["message"]
    assert "infcode" not in body


def test_tif_good_signature_reaches_the_platform(tif_sim: SimServer) -> None:
    c = Client(tif_sim.url)
    r = c.post(_signin_env(c), headers=tif_headers())
    assert r.status_code == 200
    assert r.json()["infcode"] == 0


def test_tif_header_names_are_case_insensitive(tif_sim: SimServer) -> None:
    c = Client(tif_sim.url)
    h = tif_headers()
    h["x-tif-paasId"] = h.pop("x-tif-paasid")
    h = {k.upper() if k != "x-tif-paasId" else k: v for k, v in h.items()}
    assert c.post(_signin_env(c), headers=h).json()["infcode"] == 0


def test_tif_bad_signature_is_refused_before_the_envelope(tif_sim: SimServer) -> None:
    c = Client(tif_sim.url)
    env = _signin_env(c)
    _assert_401(c.post(env, headers=tif_headers(secret="wrong-secret")), "签名")
    # the envelope was not looked at: its msgid is still unused
    r = c.post(env, headers=tif_headers())
    assert r.json()["infcode"] == 0


def test_tif_unknown_paasid_is_refused(tif_sim: SimServer) -> None:
    c = Client(tif_sim.url)
    _assert_401(c.post(_signin_env(c), headers=tif_headers(paasid="someone-else")), "someone-else")


def test_tif_missing_header_is_refused(tif_sim: SimServer) -> None:
    c = Client(tif_sim.url)
    h = tif_headers()
    del h["x-tif-nonce"]
    _assert_401(c.post(_signin_env(c), headers=h), "x-tif-nonce")
    _assert_401(c.post(_signin_env(c)), "x-tif-paasid")


def test_tif_replayed_nonce_is_refused(tif_sim: SimServer) -> None:
    c = Client(tif_sim.url)
    h = tif_headers(nonce="nonce-once")
    assert c.post(_signin_env(c), headers=h).status_code == 200
    _assert_401(c.post(_signin_env(c), headers=h), "nonce")


@pytest.mark.parametrize("skew", [-301, 301])
def test_tif_stale_timestamp_is_refused(tif_sim: SimServer, skew: int) -> None:
    c = Client(tif_sim.url)
    _assert_401(c.post(_signin_env(c), headers=tif_headers(ts=int(time.time()) + skew)), "时间戳")


def test_timestamp_window_is_configurable() -> None:
    with SimServer(SimState(auth_mode="tif", paasid=PAASID, secret=SECRET, ts_window_s=3600)) as sim:
        c = Client(sim.url)
        r = c.post(_signin_env(c), headers=tif_headers(ts=int(time.time()) - 1800))
        assert r.status_code == 200


def test_csb_good_signature_reaches_the_platform(csb_sim: SimServer) -> None:
    c = Client(csb_sim.url, auth="csb")
    r = c.post(_signin_env(c))
    assert r.status_code == 200
    assert r.json()["infcode"] == 0


def test_csb_bad_signature_is_refused(csb_sim: SimServer) -> None:
    c = Client(csb_sim.url)
    _assert_401(c.post(_signin_env(c), headers=csb_headers("9001", secret="wrong")), "签名")


def test_csb_signature_covers_the_version(csb_sim: SimServer) -> None:
    c = Client(csb_sim.url)
    h = csb_headers("9001")
    h["_api_version"] = "2.0.0"
    _assert_401(c.post(_signin_env(c), headers=h), "签名")


def test_csb_unknown_access_key_is_refused(csb_sim: SimServer) -> None:
    c = Client(csb_sim.url)
    _assert_401(c.post(_signin_env(c), headers=csb_headers("9001", ak="other")), "other")


def test_csb_stale_timestamp_is_refused(csb_sim: SimServer) -> None:
    c = Client(csb_sim.url)
    stale = int(time.time() * 1000) - 301_000
    _assert_401(c.post(_signin_env(c), headers=csb_headers("9001", ts_ms=stale)), "时间戳")


def test_csb_timestamp_in_seconds_is_refused(csb_sim: SimServer) -> None:
    c = Client(csb_sim.url)
    _assert_401(c.post(_signin_env(c), headers=csb_headers("9001", ts_ms=int(time.time()))), "时间戳")


def test_csb_api_name_must_be_the_infno(csb_sim: SimServer) -> None:
    c = Client(csb_sim.url)
    _assert_401(c.post(_signin_env(c), headers=csb_headers("1101")), "_api_name")


def test_gateway_refusals_are_counted_and_change_nothing(tif_sim: SimServer) -> None:
    c = Client(tif_sim.url)
    c.post(_signin_env(c), headers=tif_headers(secret="wrong"))
    summary = c.admin("state")
    assert summary["counters"]["gateway_rejected"] == 1
    assert summary["msgids_seen"] == 0
