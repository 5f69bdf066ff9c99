"""The robot receiver validates each post as 企业微信 / 钉钉 do, over real HTTP."""

from __future__ import annotations

import time

import pytest
import requests

from simulators.webhook.server import WebhookServer
from simulators.webhook.spec import dingtalk_sign


@pytest.fixture(scope="module")
def robot():
    with WebhookServer(wecom_keys={"KEY1"}, dingtalk_tokens={"TOK": "SECabc", "OPEN": None}) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(robot):
    robot.state.reset()


def _wecom(robot, body, key="KEY1"):
    return requests.post(robot.wecom_url, params={"key": key}, json=body, timeout=5).json()


def test_wecom_markdown_is_taken_and_recorded(robot) -> None:
    assert _wecom(robot, {"msgtype": "markdown", "markdown": {"content": "### 告警"}}) == {"errcode": 0, "errmsg": "ok"}
    assert [r.text for r in robot.state.accepted("wecom")] == ["### 告警"]


@pytest.mark.parametrize(("body", "key", "errcode"), [
    ({"msgtype": "markdown", "markdown": {"content": "x"}}, "WRONG", 93000),
    ({"msgtype": "markdown", "markdown": {"content": "字" * 1366}}, "KEY1", 40058),  # 4098 bytes
    ({"msgtype": "markdown", "markdown": {"text": "钉钉的字段"}}, "KEY1", 44004),
    ({"msgtype": "card"}, "KEY1", 40008),
])  # fmt: skip
def test_wecom_refuses_what_the_robot_refuses(robot, body, key, errcode) -> None:
    assert _wecom(robot, body, key)["errcode"] == errcode
    assert robot.state.accepted() == []


def test_wecom_refuses_a_body_that_is_not_json(robot) -> None:
    answer = requests.post(robot.wecom_url, params={"key": "KEY1"}, data=b"{not json", timeout=5)
    assert answer.status_code == 200 and answer.json()["errcode"] == 40001


def _ding(robot, body, token="TOK", ts=None, secret="SECabc", sign=None):
    ts = ts if ts is not None else int(time.time() * 1000)
    params = {"access_token": token, "timestamp": str(ts), "sign": sign or dingtalk_sign(secret, str(ts))}
    return requests.post(robot.dingtalk_url, params=params, json=body, timeout=5).json()


MD = {"msgtype": "markdown", "markdown": {"title": "告警", "text": "### 告警\n> 详情"}}


def test_dingtalk_signed_markdown_is_taken(robot) -> None:
    assert _ding(robot, MD)["errcode"] == 0
    assert robot.state.accepted("dingtalk")[0].text == "告警\n### 告警\n> 详情"


@pytest.mark.parametrize("fault", ["wrong secret", "old timestamp", "unknown token"])
def test_dingtalk_refuses_a_bad_sign_or_token(robot, fault) -> None:
    if fault == "wrong secret":
        answer = _ding(robot, MD, secret="SECother")
    elif fault == "old timestamp":
        answer = _ding(robot, MD, ts=int(time.time() * 1000) - 3_700_000)
    else:
        answer = _ding(robot, MD, token="NOPE")
    assert answer["errcode"] == (300001 if fault == "unknown token" else 310000)
    assert robot.state.accepted() == []


def test_dingtalk_markdown_needs_title_and_text(robot) -> None:
    answer = _ding(robot, {"msgtype": "markdown", "markdown": {"content": "企业微信的字段"}})
    assert answer["errcode"] == 40035 and "markdown.title" in answer["errmsg"]


def test_dingtalk_robot_without_signing_needs_no_sign(robot) -> None:
    answer = requests.post(robot.dingtalk_url, params={"access_token": "OPEN"}, json=MD, timeout=5).json()
    assert answer["errcode"] == 0


def test_faults_answer_the_next_post_with_an_http_error(robot) -> None:
    requests.post(robot.url + "/admin/faults", json={"http": 500}, timeout=5)
    first = requests.post(robot.wecom_url, params={"key": "KEY1"}, json=MD, timeout=5)
    assert first.status_code == 500
    assert _wecom(robot, {"msgtype": "markdown", "markdown": {"content": "ok"}})["errcode"] == 0
    listed = requests.get(robot.url + "/admin/received", timeout=5).json()["received"]
    assert [r["errcode"] for r in listed] == [-1, 0]
