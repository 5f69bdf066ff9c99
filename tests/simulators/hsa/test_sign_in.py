"""9001 签到 / 9002 签退 and sign_no enforcement (hsa.md §4.0, §5.3)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.simulators.hsa._support import Client, sel_row

SIGN_IN = {"signIn": {"opter_no": "0001", "mac": "00-16-3E-00-00-01", "ip": "10.0.0.8"}}


def test_sign_in_returns_a_30_char_sign_no_and_time(sim: SimServer) -> None:
    c = Client(sim.url)
    ans = c.call("9001", SIGN_IN)
    assert ans["infcode"] == 0
    out = ans["output"]["signinoutb"]
    assert re.fullmatch(r"360100\d{24}", out["sign_no"])
    datetime.strptime(out["sign_time"], "%Y-%m-%d %H:%M:%S")


def test_sign_in_needs_no_sign_no_but_checks_its_fields(sim: SimServer) -> None:
    c = Client(sim.url)
    ans = c.call("9001", {"signIn": {"opter_no": "0001", "mac": "x"}})
    assert ans["infcode"] == -1 and "[signIn.ip]不能为空" in ans["err_msg"]
    ans = c.call("9001", {"signIn": {"opter_no": "0" * 21, "ip": "1"}})
    assert "[signIn.opter_no]长度超过20" in ans["err_msg"]
    ans = c.call("9001", {"opter_no": "0001", "ip": "1"})
    assert "[signIn]不能为空" in ans["err_msg"]


def test_sale_after_sign_in_succeeds(client: Client) -> None:
    assert client.call("3505", {"selinfo": sel_row()})["infcode"] == 0


def test_sale_without_sign_no_is_refused(sim: SimServer) -> None:
    c = Client(sim.url)
    ans = c.call("3505", {"selinfo": sel_row()})
    assert ans["infcode"] == -1 and "[sign_no]不能为空" in ans["err_msg"]
    assert c.admin("state")["records"]["4"] == 0


def test_sale_with_unknown_sign_no_is_refused(sim: SimServer) -> None:
    c = Client(sim.url)
    ans = c.call("3505", {"selinfo": sel_row()}, sign_no="360100202501010800000000000123")
    assert ans["infcode"] == -1
    assert ans["err_msg"] == "签到信息已失效，请重新签到"
    assert c.admin("state")["records"]["4"] == 0


def test_sign_no_is_bound_to_the_institution(sim: SimServer) -> None:
    a, b = Client(sim.url), Client(sim.url, fixmedins_code="H36010000002")
    a.sign_in()
    ans = b.call("3505", {"selinfo": sel_row()}, sign_no=a.sign_no)
    assert ans["err_msg"] == "签到信息已失效，请重新签到"


@pytest.mark.parametrize(
    "shape",
    [
        lambda no: {"signOut": {"sign_no": no, "opter_no": "0001"}},  # Jilin / Shenzhen
        lambda no: {"sign_no": no, "opter_no": "0001"},  # Chongqing
        lambda no: {"sign_time": "2025-07-01 18:00:00", "sign_no": no},  # Hunan
    ],
    ids=["signOut-wrapper", "flat-opter_no", "flat-sign_time"],
)
def test_sign_out_in_every_shape_invalidates_the_sign_no(client: Client, shape) -> None:
    ans = client.call("9002", shape(client.sign_no))
    assert ans["infcode"] == 0, ans
    datetime.strptime(ans["output"]["signoutoutb"]["sign_time"], "%Y-%m-%d %H:%M:%S")
    ans = client.call("3505", {"selinfo": sel_row()})
    assert ans["err_msg"] == "签到信息已失效，请重新签到"
    client.sign_in()
    assert client.call("3505", {"selinfo": sel_row()})["infcode"] == 0


def test_sign_out_fields_are_checked(client: Client) -> None:
    ans = client.call("9002", {"signOut": {"sign_no": client.sign_no}})
    assert "[signOut.opter_no]不能为空" in ans["err_msg"]


def test_sign_no_expires_after_its_ttl() -> None:
    now = [1_750_000_000.0]
    with SimServer(SimState(sign_ttl_s=60, clock=lambda: now[0])) as sim:
        c = Client(sim.url)
        c.sign_in()
        assert c.call("3505", {"selinfo": sel_row()})["infcode"] == 0
        now[0] += 61
        assert c.call("3505", {"selinfo": sel_row()})["err_msg"] == "签到信息已失效，请重新签到"


def test_sign_no_expires_at_local_midnight() -> None:
    # 2025-07-01 23:59:00 in Asia/Shanghai
    now = [datetime.fromisoformat("2025-07-01T23:59:00+08:00").timestamp()]
    with SimServer(SimState(clock=lambda: now[0])) as sim:
        c = Client(sim.url)
        c.sign_in()
        now[0] += 59
        assert c.call("3505", {"selinfo": sel_row()})["infcode"] == 0
        now[0] += 2  # 00:00:01 the next day
        assert c.call("3505", {"selinfo": sel_row()})["err_msg"] == "签到信息已失效，请重新签到"


def test_expire_admin_route_forces_a_new_sign_in(client: Client, sim: SimServer) -> None:
    assert client.session.post(sim.url + "/__admin__/sign_ins/expire", timeout=5).json()["expired"] == 1
    assert client.call("3505", {"selinfo": sel_row()})["err_msg"] == "签到信息已失效，请重新签到"


def test_unenforced_sign_no_only_warns() -> None:
    with SimServer(SimState(enforce_sign_no=False)) as sim:
        c = Client(sim.url)
        ans = c.call("3505", {"selinfo": sel_row()}, sign_no="stale")
        assert ans["infcode"] == 0
        assert ans["warn_msg"] == "签到信息已失效，请重新签到"
        assert c.admin("state")["records"]["4"] == 1
