"""Acknowledging an incident (告警认领) on a real PostgreSQL ledger, with the deployed alerts.yaml and its channels
as a site configures them (Airflow connections): the 企业微信 robot receiver (``simulators/webhook``) and a local
SMTP sink. ``python -m hisbridge alerts ack`` and the alert page's form route; the browser test of the form is
``tests/browser/test_alert_ack.py``."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import HTTPException, Request
from fastapi.testclient import TestClient
from sqlalchemy import insert

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.ops.alerts import cli
from hisbridge.ops.alerts.checks import run_checks
from hisbridge.ops.alerts.config import load_config
from hisbridge.ops.alerts.dispatch import Alerter, alert, resolve
from hisbridge.ops.alerts.state import ACKED, TAKEN, IncidentStore
from hisbridge.ops.alerts_page import create_alerts_app
from simulators.webhook.server import WebhookServer
from tests.integration.ops.alerts.smtp_sink import SmtpSink

T0 = datetime(2026, 11, 24, 2, 12, tzinfo=UTC)  # 10:12 Shanghai
KEY = "task:hsa_trace_sale.upload_sales"
WANG, LI = "信息科-王工", "医保办-李工"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \[")


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def robot():
    with WebhookServer(wecom_keys={"ROBOTKEY-0001"}) as server:
        yield server


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def channels(monkeypatch, robot, smtp) -> None:
    """The deployed alerts.yaml's two channels, as a site defines their connections."""
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_ALERT_WEBHOOK", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": robot.port, "schema": "http", "password": "ROBOTKEY-0001",
        "extra": {"format": "wecom"}}))
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_ALERT_SMTP", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
        "extra": {"from_email": "hisbridge@hospital.local", "to": ["ops@hospital.local"], "disable_ssl": True,
                  "disable_tls": True, "retry_limit": 0, "timeout": 5}}))


@pytest.fixture
def ledger(pg_url: str) -> Ledger:
    made = Ledger(make_engine(pg_url))
    made.ensure_schema()
    yield made
    made.engine.dispose()


def _alerter(ledger: Ledger, clock: Clock, config=None) -> Alerter:
    return Alerter(IncidentStore(ledger.engine, clock), config or load_config(), clock=clock)


def _fail_task(alerter: Alerter) -> None:
    alert("task_failure", "医保追溯·商品销售(3505) · 上传商品销售 失败", "第 5 次尝试后仍失败：NotSent: connect timeout",
          "airflow tasks clear hsa_trace_sale -t '^upload_sales$' -y", key=KEY, alerter=alerter)


def _checks(alerter: Alerter, ledger: Ledger, clock: Clock) -> dict:
    return run_checks(alerter, now=clock(), ledger=ledger.engine, probe=lambda conn_id: None).as_dict()


def _run(capsys, ledger: Ledger, *args: str, at: datetime) -> tuple[int, str, str]:
    """``python -m hisbridge alerts --url <ledger> ARGS`` at the moment ``at``: (exit code, stdout, stderr)."""
    capsys.readouterr()  # what came before is not the command's
    code = cli.main(["--url", ledger.engine.url.render_as_string(hide_password=False), *args], now=at)
    out, err = capsys.readouterr()
    return code, _without_log_lines(out), _without_log_lines(err)


def _without_log_lines(text: str) -> str:
    """Log lines (under pytest Airflow's structlog writes them to stdout; in a shell they go to stderr) are not the
    command's output."""
    return "".join(line for line in text.splitlines(keepends=True) if not LOG_LINE.match(line))


def _ack(capsys, ledger: Ledger, incident_id: int, by: str, *more: str, at: datetime) -> tuple[int, str, str]:
    return _run(capsys, ledger, "ack", str(incident_id), "--by", by, *more, at=at)


def test_an_acknowledged_incident_is_not_reminded_and_its_recovery_names_who_took_it(
        capsys, channels, robot, smtp, ledger) -> None:  # fmt: skip
    clock = Clock(T0)
    alerter = _alerter(ledger, clock)
    _fail_task(alerter)
    [incident] = alerter.store.open_incidents()
    assert len(robot.state.accepted()) == 1 and len(smtp.messages) == 1  # task failures go to the robot and the mail

    code, out, _ = _ack(capsys, ledger, incident.id, WANG, "--note", "已联系网络组，预计 11 点恢复", at=T0 + timedelta(minutes=20))
    assert code == 0
    assert out.splitlines()[0] == (f"告警 {incident.id} 已由 {WANG} 于 2026-11-24 10:32（北京时间）认领（备注：已联系网络组，预计 11 点恢复）。"
                                   "不再定时提醒；问题消除时仍会发送恢复通知。")  # fmt: skip
    assert out.splitlines()[1] == "认领通知：ops_robot（群机器人） 已送达"
    told = robot.state.accepted()[-1].text
    assert "【hisbridge已认领】任务失败" in told and f"{WANG} 于 2026-11-24 10:32（北京时间）认领：已联系网络组" in told
    assert f"/hisbridge-alerts/{incident.id}" in told
    assert len(smtp.messages) == 1  # the mailbox is not told of acknowledgements (alerts.yaml ack.channel_types)

    for hours in (4, 5, 9):  # the reminder was due at 14:12, and again later: nothing, someone is on it
        clock.at = T0 + timedelta(hours=hours, minutes=1)
        assert _checks(alerter, ledger, clock)["fired"] == {}
    assert len(robot.state.accepted()) == 2 and len(smtp.messages) == 1

    listed = _run(capsys, ledger, "list", at=clock.at)[1]
    row = next(line for line in listed.splitlines() if re.match(rf"\s*{incident.id}  ", line))
    assert "已认领" in row and "未恢复" not in row
    under = listed.splitlines()[listed.splitlines().index(row) + 2]
    assert under.strip() == f"认领：{WANG} 于 2026-11-24 10:32 认领：已联系网络组，预计 11 点恢复"

    clock.at = T0 + timedelta(hours=10)
    assert resolve(KEY, "hsa_trace_sale/scheduled__2026-11-24T12:00:00+00:00", alerter=alerter) is True
    recovery = robot.state.accepted()[-1].text
    assert "【hisbridge已恢复】" in recovery and f"**认领**：{WANG} 于 2026-11-24 10:32（北京时间）认领" in recovery
    assert WANG in smtp.messages[-1][1].get_body(("html",)).get_content()  # the recovery goes to the mail as before
    events = [(n["event"], n["channel"], n["outcome"]) for n in alerter.store.notifications(incident.id)]
    assert events == [("opened", "ops_robot", "sent"), ("opened", "ops_mail", "sent"),
                      ("acknowledged", "ops_robot", "sent"),
                      ("recovered", "ops_robot", "sent"), ("recovered", "ops_mail", "sent")]
    done = alerter.store.incident(incident.id)
    assert done.status == "resolved" and done.notify_count == 1  # the ack note is not a notice of the fault

    code, out, err = _ack(capsys, ledger, incident.id, LI, at=clock.at)
    assert code == 1 and out == "" and err.strip() == f"告警 {incident.id} 已于 2026-11-24 20:12（北京时间）恢复，无需认领"

    clock.at = T0 + timedelta(hours=11)  # the same fault again after the recovery: a new incident, told afresh
    _fail_task(alerter)
    [again] = alerter.store.open_incidents()
    assert again.id != incident.id and again.ack is None
    assert robot.state.accepted()[-1].text.startswith("### 【hisbridge告警】任务失败")


def test_show_tells_who_took_it_and_the_note_sent(capsys, channels, robot, ledger) -> None:
    clock = Clock(T0)
    alerter = _alerter(ledger, clock)
    _fail_task(alerter)
    [incident] = alerter.store.open_incidents()
    assert _ack(capsys, ledger, incident.id, WANG, at=T0 + timedelta(minutes=3))[0] == 0
    out = _run(capsys, ledger, "show", str(incident.id), at=T0 + timedelta(minutes=30))[1]
    assert out.startswith(f"告警 {incident.id} · 任务失败 · 未恢复 · 已认领")
    assert f"  认领：{WANG} 于 2026-11-24 10:15（北京时间）认领\n" in out
    assert re.search(r"2026-11-24 10:15\s+认领通知\s+ops_robot（群机器人）\s+已送达", out)


def test_ack_refuses_an_unknown_or_taken_incident_in_words(capsys, channels, robot, ledger) -> None:
    clock = Clock(T0)
    alerter = _alerter(ledger, clock)
    _fail_task(alerter)
    [incident] = alerter.store.open_incidents()
    at = T0 + timedelta(minutes=5)

    code, out, err = _ack(capsys, ledger, 999999, WANG, at=at)
    assert (code, out, err.strip()) == (1, "", "没有编号为 999999 的告警")
    assert _ack(capsys, ledger, incident.id, WANG, at=at)[0] == 0
    code, out, err = _ack(capsys, ledger, incident.id, LI, "--note", "我来", at=at + timedelta(minutes=1))
    assert code == 1 and out == ""
    assert err.strip() == f"告警 {incident.id} 已由 {WANG} 于 2026-11-24 10:17（北京时间）认领；如需转交，请与 {WANG} 联系"
    code, out, _ = _ack(capsys, ledger, incident.id, WANG, at=at + timedelta(minutes=2))  # the same person again
    assert code == 0 and "无需重复认领" in out
    taken = alerter.store.incident(incident.id)
    assert (taken.acked_by, taken.acked_at, taken.ack_note) == (WANG, at, None)  # the first acknowledgement stands
    assert sum("已认领" in r.text for r in robot.state.accepted()) == 1
    code, _, err = _ack(capsys, ledger, incident.id, "  ", at=at)
    assert code == 2 and "--by" in err


def test_a_backlog_that_worsens_stays_the_same_acknowledged_incident(channels, robot, ledger) -> None:
    clock = Clock(T0)
    alerter = _alerter(ledger, clock)

    def plant(n: int, start: int) -> None:
        with ledger.engine.begin() as conn:
            conn.execute(insert(s.delivery_record), [
                {"feed": "hsa_trace_sale", "business_key": f"q-{i}", "platform": "hsa", "state": s.QUARANTINED,
                 "content_hash": "h", "payload": "{}", "reason": "医保目录编码为空", "attempts": 1,
                 "first_seen_at": T0, "updated_at": T0} for i in range(start, start + n)])  # fmt: skip

    plant(12, 0)
    assert _checks(alerter, ledger, clock)["fired"] == {"backlog:quarantined:hsa_trace_sale": "opened"}
    [incident] = alerter.store.open_incidents()
    assert alerter.acknowledge(incident.id, WANG).status == ACKED
    plant(30, 12)  # worse: 42 records now
    clock.at = T0 + timedelta(hours=5)
    assert _checks(alerter, ledger, clock)["fired"] == {}
    [still] = alerter.store.open_incidents()
    assert still.id == incident.id and still.acked_by == WANG and "42 条隔离" in (still.detail or "")
    assert [r.text.startswith("### 【hisbridge已认领】") for r in robot.state.accepted()] == [False, True]


def test_two_operators_at_once_one_takes_it(channels, robot, ledger) -> None:
    alerter = _alerter(ledger, Clock(T0))
    _fail_task(alerter)
    [incident] = alerter.store.open_incidents()
    barrier = threading.Barrier(4)
    results: list[str] = []

    def take(who: str) -> None:
        mine = Alerter(IncidentStore(ledger.engine), load_config())
        barrier.wait()
        results.append(mine.acknowledge(incident.id, who).status)

    threads = [threading.Thread(target=take, args=(f"值班-{n}",)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == sorted([ACKED, TAKEN, TAKEN, TAKEN])
    assert sum("已认领" in r.text for r in robot.state.accepted()) == 1


def test_a_robot_that_fails_does_not_undo_the_acknowledgement(capsys, channels, robot, ledger) -> None:
    alerter = _alerter(ledger, Clock(T0))
    _fail_task(alerter)
    [incident] = alerter.store.open_incidents()
    robot.state.faults.append(("http", 502))
    code, out, _ = _ack(capsys, ledger, incident.id, WANG, at=T0 + timedelta(minutes=5))
    assert code == 0 and "认领通知：ops_robot（群机器人） 发送失败（" in out
    assert alerter.store.incident(incident.id).acked_by == WANG
    assert [(n["event"], n["outcome"]) for n in alerter.store.notifications(incident.id)][-1] == (
        "acknowledged", "failed")


def test_acknowledgements_are_not_told_when_alerts_yaml_says_so(capsys, channels, robot, ledger) -> None:
    config = load_config()
    silent = config.model_copy(update={"ack": config.ack.model_copy(update={"notify": False})})
    alerter = _alerter(ledger, Clock(T0), silent)
    _fail_task(alerter)
    [incident] = alerter.store.open_incidents()
    result = alerter.acknowledge(incident.id, WANG)
    assert result.status == ACKED and result.told == {}
    assert cli.ack_lines(result, incident.id, WANG, silent)[1][1] == "认领通知：未发送（alerts.yaml 中 ack.notify 为 false）"
    assert len(robot.state.accepted()) == 1  # only the alert itself
    assert [n["event"] for n in alerter.store.notifications(incident.id)] == ["opened", "opened"]


# -- the page's form route (the browser test drives it as an operator does) -------------------------------------

USERS = {"editor": WANG, "viewer": "财务-赵工"}


def logged_in(request: Request) -> str | None:
    """Airflow's session as the plugin reads it: editors get their name, viewers ``None``."""
    session = request.cookies.get("_token", "")
    if session not in USERS:
        raise HTTPException(401, "not logged in")
    return USERS[session] if session == "editor" else None


@pytest.fixture
def page(channels, ledger):
    clock = Clock(T0)
    alerter = _alerter(ledger, clock)
    _fail_task(alerter)
    [incident] = alerter.store.open_incidents()
    clock.at = T0 + timedelta(minutes=20)
    app = create_alerts_app(lambda: ledger, clock=clock, current_user=logged_in, form_secret="test-secret")
    with TestClient(app, base_url="http://airflow.local:8080") as client:
        yield client, incident.id, alerter.store


def _token(html: str) -> str:
    return re.search(r"name=form_token value='([^']+)'", html).group(1)


ORIGIN = {"Origin": "http://airflow.local:8080"}


def test_the_form_acts_as_the_logged_in_user_and_refuses_others(page, robot) -> None:
    client, incident_id, store = page
    client.cookies.set("_token", "viewer")
    seen = client.get(f"/{incident_id}").text
    assert "<form" not in seen and "只读：认领告警需要“编辑 DAG 运行”的权限" in seen
    client.cookies.set("_token", "editor")
    token = _token(client.get(f"/{incident_id}").text)

    client.cookies.set("_token", "viewer")  # a viewer holding an editor's token
    refused = client.post(f"/{incident_id}/ack", data={"form_token": token}, headers=ORIGIN)
    assert refused.status_code == 403 and "您的账号只能查看" in refused.text
    client.cookies.set("_token", "editor")
    for headers, words in (({}, "请求没有来源信息"), ({"Origin": "http://airflow.local:28080"}, "请求来自其他网站或端口")):
        refused = client.post(f"/{incident_id}/ack", data={"form_token": token}, headers=headers)
        assert refused.status_code == 403 and words in refused.text
    refused = client.post(f"/{incident_id}/ack", data={"form_token": "1.forged"}, headers=ORIGIN)
    assert refused.status_code == 403 and "校验码" in refused.text
    assert store.incident(incident_id).ack is None and len(robot.state.accepted()) == 1

    # the user is the session's, whatever the form says
    done = client.post(f"/{incident_id}/ack", data={"form_token": token, "note": "在查", "acked_by": "别人"},
                       headers=ORIGIN, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/{incident_id}?acked=1"
    taken = store.incident(incident_id)
    assert (taken.acked_by, taken.ack_note, taken.acked_at) == (WANG, "在查", T0 + timedelta(minutes=20))
    shown = client.get(done.headers["location"]).text
    assert "已认领。不再定时提醒" in shown and f"群里已收到“已由 {WANG} 认领”" in shown
    assert f"{WANG} 于 2026-11-24 10:32（北京时间）认领：在查" in shown and "<form" not in shown
    assert "data-event=acknowledged" in shown
    again = client.post(f"/{incident_id}/ack", data={"form_token": token}, headers=ORIGIN, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/{incident_id}"  # already hers: no change


def test_the_form_refuses_a_recovered_incident_and_a_too_long_note(page) -> None:
    client, incident_id, store = page
    client.cookies.set("_token", "editor")
    token = _token(client.get(f"/{incident_id}").text)
    long = client.post(f"/{incident_id}/ack", data={"form_token": token, "note": "长" * 501}, headers=ORIGIN)
    assert long.status_code == 422 and "备注不能超过 500 字" in long.text
    store.resolve(KEY, "hisbridge_alerts")
    late = client.post(f"/{incident_id}/ack", data={"form_token": token}, headers=ORIGIN)
    assert late.status_code == 409 and "已于 2026-11-24 10:32（北京时间）恢复，无需认领" in late.text
    missing = client.post("/999999/ack", data={"form_token": token}, headers=ORIGIN)
    assert missing.status_code == 404 and "没有这条告警" in missing.text
