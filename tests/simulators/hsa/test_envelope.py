"""The common envelope (hsa.md §2): every field checked, answers always HTTP 200 with infcode, never 422."""

from __future__ import annotations

import re

import pytest

from simulators.hsa.server import SimServer
from tests.simulators.hsa._support import CALL_PATH, FIXMEDINS, Client, new_msgid, sel_row


def _fails(ans: dict, fragment: str) -> None:
    assert ans["infcode"] == -1, ans
    assert fragment in ans["err_msg"], ans["err_msg"]
    assert ans["output"] is None


def test_success_answer_has_the_full_envelope(client: Client) -> None:
    ans = client.call("3505", {"selinfo": sel_row()})
    assert set(ans) == {
        "infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "warn_msg", "output", "cainfo", "signtype",
    }  # fmt: skip
    assert ans["infcode"] == 0 and isinstance(ans["infcode"], int)
    assert re.fullmatch(r"360100\d{24}", ans["inf_refmsgid"])
    assert re.fullmatch(r"\d{17}", ans["refmsg_time"]) and re.fullmatch(r"\d{17}", ans["respond_time"])
    assert ans["refmsg_time"] <= ans["respond_time"]
    assert ans["err_msg"] is None
    assert ans["output"] == {"result": {"retRslt": "1", "msgRslt": "成功"}}


def test_inf_refmsgid_is_unique_per_answer(client: Client) -> None:
    ids = {client.call("3505", {"selinfo": sel_row()})["inf_refmsgid"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "field",
    ["infno", "msgid", "mdtrtarea_admvs", "recer_sys_code", "infver", "opter_type", "opter", "opter_name",
     "inf_time", "fixmedins_code", "fixmedins_name", "sign_no", "input"],
)  # fmt: skip
def test_missing_required_envelope_field_is_named(client: Client, field: str) -> None:
    env = client.envelope("3505", {"selinfo": sel_row()})
    del env[field]
    ans = client.post(env).json()
    _fails(ans, f"[{field}]不能为空")
    assert client.admin("state")["records"]["4"] == 0


@pytest.mark.parametrize("field", ["opter", "recer_sys_code", "infno"])
def test_empty_required_envelope_field_is_named(client: Client, field: str) -> None:
    env = client.envelope("3505", {"selinfo": sel_row()})
    env[field] = "  "
    _fails(client.post(env).json(), f"[{field}]不能为空")


@pytest.mark.parametrize(
    ("field", "limit"),
    [("opter_name", 50), ("opter", 30), ("fixmedins_name", 200), ("mdtrtarea_admvs", 6), ("dev_no", 100),
     ("cainfo", 1024), ("signtype", 10), ("infver", 6), ("sign_no", 30)],
)  # fmt: skip
def test_too_long_envelope_field_is_named(client: Client, field: str, limit: int) -> None:
    ans = client.post(client.envelope("3505", {"selinfo": sel_row()}, **{field: "x" * (limit + 1)})).json()
    _fails(ans, f"[{field}]长度超过{limit}")


def test_envelope_field_at_its_max_length_is_accepted(client: Client) -> None:
    ans = client.call("3505", {"selinfo": sel_row()}, opter_name="甲" * 50, dev_no="d" * 100)
    assert ans["infcode"] == 0


@pytest.mark.parametrize(
    ("over", "fragment"),
    [
        ({"opter_type": "4"}, "[opter_type]值[4]"),
        ({"opter_type": 1}, "[opter_type]类型错误"),
        ({"inf_time": "2025-07-01T10:00:00"}, "[inf_time]日期时间格式错误"),
        ({"inf_time": "2025-02-30 10:00:00"}, "[inf_time]日期时间格式错误"),
        ({"input": '{"selinfo": {}}'}, "[input]类型错误"),
        ({"input": []}, "[input]类型错误"),
    ],
)
def test_wrong_envelope_values_are_named(client: Client, over: dict, fragment: str) -> None:
    _fails(client.post(client.envelope("3505", {"selinfo": sel_row()}, **over)).json(), fragment)


@pytest.mark.parametrize(
    "msgid",
    [
        "H36099999999202507011000001234",  # other institution's prefix
        f"{FIXMEDINS}20250701100000123",  # 3-digit sequence
        f"{FIXMEDINS}2025070110000012345",  # too long for its shape
        f"{FIXMEDINS}20251301100000" + "0001",  # month 13
        f"{FIXMEDINS}2025070110000O0001",  # letter O
    ],
)
def test_malformed_msgid_is_refused(client: Client, msgid: str) -> None:
    _fails(client.post(client.envelope("3505", {"selinfo": sel_row()}, msgid=msgid)).json(), "[msgid]")


def test_msgid_longer_than_30_is_refused(sim: SimServer) -> None:
    c = Client(sim.url, fixmedins_code="H3601000000123")  # 14 + 18 = 32 characters
    _fails(c.post(c.envelope("9001", {"signIn": {"opter_no": "1", "ip": "1"}})).json(), "[msgid]长度超过30")


def test_duplicate_msgid_is_refused_and_has_no_effect(client: Client) -> None:
    env = client.envelope("3505", {"selinfo": sel_row()})
    assert client.post(env).json()["infcode"] == 0
    again = dict(env, input={"selinfo": sel_row()})  # same msgid, a different (valid) sale
    ans = client.post(again).json()
    _fails(ans, f"报文ID重复: {env['msgid']}")
    assert client.admin("state")["records"]["4"] == 1
    journal = client.admin("journal")
    assert journal[env["msgid"]]["outcome"] == "success"


def test_msgid_must_start_with_the_senders_own_code(sim: SimServer) -> None:
    a, b = Client(sim.url), Client(sim.url, fixmedins_code="H36010000002")
    a.sign_in()
    b.sign_in()
    msgid = new_msgid("H36010000001")
    assert a.post(a.envelope("3505", {"selinfo": sel_row()}, msgid=msgid)).json()["infcode"] == 0
    # b cannot use a's msgid: it must start with b's own code
    assert "[msgid]" in b.post(b.envelope("3505", {"selinfo": sel_row()}, msgid=msgid)).json()["err_msg"]


def test_a_refused_message_still_consumes_its_msgid(client: Client) -> None:
    env = client.envelope("3505", {"selinfo": sel_row(med_list_codg="")})
    _fails(client.post(env).json(), "[selinfo.med_list_codg]不能为空")
    fixed = dict(env, input={"selinfo": sel_row()})
    _fails(client.post(fixed).json(), "报文ID重复")


def test_unknown_extra_envelope_fields_are_ignored(client: Client) -> None:
    ans = client.call(
        "3505", {"selinfo": sel_row()}, fixmedins_soft_fcty="某软件公司", serv_code="X", enc_type=""
    )
    assert ans["infcode"] == 0


def test_unknown_infno_is_refused(client: Client) -> None:
    _fails(client.call("9999", {"data": {}}), "交易编号[9999]")


def test_malformed_json_answers_infcode_not_422(sim: SimServer) -> None:
    import requests

    for body in (b"{not json", b"", b"[1, 2]", "中文".encode("gbk"), b'{"a": NaN}'):
        r = requests.post(
            sim.url + CALL_PATH, data=body, headers={"Content-Type": "application/json"}, timeout=5
        )
        assert r.status_code == 200, (body, r.text)
        _fails(r.json(), "报文解析失败")


def test_text_plain_body_is_accepted(client: Client) -> None:
    import json

    env = client.envelope("3505", {"selinfo": sel_row()})
    r = client.session.post(
        client.url,
        data=json.dumps(env, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "text/plain"},
        timeout=5,
    )
    assert r.status_code == 200
    assert r.json()["infcode"] == 0
    assert r.headers["content-type"].startswith("application/json")


def test_infno_in_path_is_accepted_and_must_match(client: Client) -> None:
    env = client.envelope("3505", {"selinfo": sel_row()})
    assert client.post(env, url=client.url + "/3505").json()["infcode"] == 0
    other = client.envelope("3505", {"selinfo": sel_row()})
    _fails(client.post(other, url=client.url + "/3506").json(), "[infno]")


def test_wrong_types_never_produce_422(client: Client) -> None:
    for env in (
        client.envelope("3505", {"selinfo": sel_row(sel_retn_cnt={"a": 1})}),
        client.envelope("3505", {"selinfo": sel_row(drugtracinfo="x")}),
        client.envelope(3505, {"selinfo": sel_row()}),
        client.envelope("3505", None),
    ):
        r = client.post(env)
        assert r.status_code == 200
        assert r.json()["infcode"] == -1
