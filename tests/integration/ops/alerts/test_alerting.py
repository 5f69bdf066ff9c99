"""Alerts end to end below Airflow's scheduler: the checks on a real PostgreSQL ledger, incidents deduplicated in it,
notices delivered over real HTTP to the robot receiver and over real SMTP to a local sink, through the Airflow
connections a site configures."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.ops.alerts.checks import run_checks
from hisbridge.ops.alerts.config import AlertsConfig, FeedSla
from hisbridge.ops.alerts.dispatch import Alerter, alert, resolve
from hisbridge.ops.alerts.state import IncidentStore
from simulators.webhook.server import WebhookServer
from tests.integration.ops.alerts.smtp_sink import SmtpSink

T0 = datetime(2026, 11, 24, 2, 12, tzinfo=UTC)  # 10:12 Shanghai


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def robot():
    with WebhookServer(dingtalk_tokens={"TOK": "SECalerts"}) as server:
        yield server


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def channels(monkeypatch, robot, smtp):
    """The two connections as a site defines them (env vars, as in airflow_settings / the compose stack)."""
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_ALERT_WEBHOOK", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": robot.port, "schema": "http", "password": "TOK",
        "extra": {"format": "dingtalk", "secret": "SECalerts"}}))
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_ALERT_SMTP", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
        "extra": {"from_email": "hisbridge@hospital.local", "to": ["ops@hospital.local"], "disable_ssl": True,
                  "disable_tls": True, "retry_limit": 0, "timeout": 5}}))


CONFIG = AlertsConfig.model_validate({
    "renotify_after": "4h", "ui_base_url": "http://airflow.local:8080",
    "channels": {"robot": {"type": "webhook", "conn_id": "hisbridge_alert_webhook"},
                 "mail": {"type": "email", "conn_id": "hisbridge_alert_smtp"}},
    "routes": {"default": ["robot", "mail"]}, "backlog": {"quarantined": 3, "rejected": 1},
    "connections": ["hisbridge_db"]})  # fmt: skip


@pytest.fixture
def ledger(pg_url) -> Ledger:
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    return ledger


def _alerter(ledger: Ledger, clock: Clock, config: AlertsConfig = CONFIG) -> Alerter:
    return Alerter(IncidentStore(ledger.engine, clock), config, clock=clock)


def _plant(ledger: Ledger, feed: str, state: str, n: int, reason: str, at: datetime) -> None:
    rows = [{"feed": feed, "business_key": f"{state}-{i}", "platform": "hsa", "state": state, "content_hash": "h",
             "payload": "{}", "reason": reason, "attempts": 1, "first_seen_at": at, "updated_at": at}
            for i in range(n)]  # fmt: skip
    with ledger.engine.begin() as conn:
        conn.execute(insert(s.delivery_record), rows)


def _checks(alerter: Alerter, ledger: Ledger, clock: Clock, slas=()) -> dict:
    return run_checks(alerter, now=clock(), slas=slas, ledger=ledger.engine, probe=lambda conn_id: None).as_dict()


def test_a_backlog_is_told_once_reminded_after_the_interval_and_recovered(channels, robot, smtp, ledger) -> None:
    clock = Clock(T0)
    alerter = _alerter(ledger, clock)
    _plant(ledger, "hsa_trace_sale", s.QUARANTINED, 4, "fixmedins_hilist_id: 医保目录编码为空 身份证 360102199001011234",
           T0 - timedelta(hours=1))
    key = "backlog:quarantined:hsa_trace_sale"

    assert _checks(alerter, ledger, clock)["fired"] == {key: "opened"}
    posts = robot.state.accepted("dingtalk")
    assert len(posts) == 1 and len(smtp.messages) == 1
    text = posts[0].text
    assert "hsa_trace_sale 有 4 条记录隔离（阈值 3）" in text and "2026-11-24 09:12（北京时间）" in text
    assert "python -m hisbridge ledger requeue --feed hsa_trace_sale --state quarantined" in text
    assert "http://airflow.local:8080/hisbridge/ledger/failures?feed=hsa_trace_sale&state=quarantined" in text
    assert "360102199001011234" not in text
    rcpt, mail = smtp.messages[0]
    assert rcpt == ["ops@hospital.local"] and "hsa_trace_sale" in mail["Subject"]
    assert "ledger requeue" in mail.get_body(("html",)).get_content()

    for minutes in (5, 10, 235):  # the 5-minute check: nothing new until the 4 h interval has passed
        clock.at = T0 + timedelta(minutes=minutes)
        assert _checks(alerter, ledger, clock)["held"] == [key]
    assert len(robot.state.accepted()) == 1

    clock.at = T0 + timedelta(hours=4, minutes=1)
    assert _checks(alerter, ledger, clock)["fired"] == {key: "reminder"}
    assert "第 2 次通知" in robot.state.accepted()[-1].text

    ledger.requeue([r.id for r in ledger.records("hsa_trace_sale", [s.QUARANTINED])], "张医生", "源数据已更正")
    clock.at = T0 + timedelta(hours=5)
    assert _checks(alerter, ledger, clock)["resolved"] == [key]
    recovery = robot.state.accepted()[-1].text
    assert "【hisbridge已恢复】" in recovery and "持续**：6 小时" in recovery  # since the oldest record, an hour before
    assert len(robot.state.accepted()) == 3 and len(smtp.messages) == 3
    assert _checks(alerter, ledger, clock) == {"fired": {}, "held": [], "resolved": [], "skipped": []}
    store = alerter.store
    [incident] = store.incidents(key)
    assert incident.status == "resolved" and incident.notify_count == 2
    assert [(n["event"], n["channel"], n["outcome"]) for n in store.notifications(incident.id)] == [
        ("opened", "robot", "sent"), ("opened", "mail", "sent"), ("reminder", "robot", "sent"),
        ("reminder", "mail", "sent"), ("recovered", "robot", "sent"), ("recovered", "mail", "sent")]


def test_a_notice_no_channel_took_is_sent_again_by_the_next_check(channels, robot, ledger) -> None:
    clock = Clock(T0)
    config = CONFIG.model_copy(update={"routes": {"default": ["robot"]}})
    alerter = _alerter(ledger, clock, config)
    _plant(ledger, "cdc_emr_order", s.REJECTED, 1, "平台拒收：字段缺失", T0)
    robot.state.faults.append(("http", 502))

    assert _checks(alerter, ledger, clock)["fired"] == {}
    [incident] = alerter.store.open_incidents()
    assert incident.notified_at is None and incident.notify_count == 0
    assert alerter.store.notifications(incident.id)[0]["outcome"] == "failed"

    clock.at = T0 + timedelta(minutes=5)
    assert _checks(alerter, ledger, clock)["fired"] == {"backlog:rejected:cdc_emr_order": "opened"}
    assert len(robot.state.accepted()) == 1


def test_two_processes_seeing_the_same_fault_send_one_message(channels, robot, ledger) -> None:
    config = CONFIG.model_copy(update={"routes": {"default": ["robot"]}})
    barrier = threading.Barrier(4)
    results = []

    def raise_it() -> None:
        alerter = Alerter(IncidentStore(ledger.engine), config)
        barrier.wait()
        results.append(alert("connection", "HIS 数据库连接 his_db 不可用", "SELECT 1 失败", "检查网络",
                             key="connection:his_db", alerter=alerter))  # fmt: skip

    threads = [threading.Thread(target=raise_it) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results, key=str) == [None, None, None, "opened"]
    assert len(robot.state.accepted()) == 1


def test_feed_sla_and_sign_in_checks_read_the_ledger(channels, robot, ledger) -> None:
    clock = Clock(T0)
    alerter = _alerter(ledger, clock, CONFIG.model_copy(update={"routes": {"default": ["robot"]}}))
    with ledger.engine.begin() as conn:
        conn.execute(insert(s.feed_window), [
            {"feed": "hsa_trace_sale", "window_start": datetime(2026, 11, 24, 9, 0), "run_id": "r1",
             "window_end": datetime(2026, 11, 24, 9, 5), "selected": 0, "acknowledged": 0, "rejected": 0,
             "quarantined": 0, "unknown": 0, "completed_at": T0}])  # fmt: skip
        conn.execute(insert(s.platform_session), [
            {"platform": "hsa", "principal": "hisbridge", "day": "2026-11-24", "token": None, "state": "expired",
             "opened_at": T0 - timedelta(minutes=20), "note": "opening failed: NotSent"}])  # fmt: skip
    slas = [FeedSla("hsa_trace_sale", "hsa_trace_sale", timedelta(minutes=5), timedelta(minutes=30))]

    fired = _checks(alerter, ledger, clock, slas)["fired"]
    assert fired == {"sla:hsa_trace_sale": "opened", "hsa_sign_in:hisbridge": "opened"}
    texts = "\n".join(r.text for r in robot.state.accepted())
    assert "airflow backfill create --dag-id hsa_trace_sale --from-date 2026-11-24T09:05:00" in texts
    assert "医保签到(9001)失败：操作员 hisbridge" in texts and "2026-11-24 09:52（北京时间）" in texts

    with ledger.engine.begin() as conn:  # a later sign-in succeeded; the feed caught up
        conn.execute(s.platform_session.update().values(state="open", token="SIGN1"))
        conn.execute(insert(s.feed_window), [
            {"feed": "hsa_trace_sale", "window_start": datetime(2026, 11, 24, 9, 5), "run_id": "r2",
             "window_end": datetime(2026, 11, 24, 10, 10), "selected": 0, "acknowledged": 0, "rejected": 0,
             "quarantined": 0, "unknown": 0, "completed_at": T0}])  # fmt: skip
    clock.at = T0 + timedelta(minutes=5)
    assert sorted(_checks(alerter, ledger, clock, slas)["resolved"]) == ["hsa_sign_in:hisbridge", "sla:hsa_trace_sale"]
    assert sum("已恢复" in r.text for r in robot.state.accepted()) == 2


def test_the_ledger_down_is_alerted_once_without_the_ledger_and_recovered(channels, robot, ledger) -> None:
    clock = Clock(T0)
    config = CONFIG.model_copy(update={"routes": {"default": ["robot"]}})
    fallback: dict[str, str] = {}

    def down(conn_id: str) -> None:
        raise OSError("connection refused")

    for minutes in (0, 5, 10):
        clock.at = T0 + timedelta(minutes=minutes)
        blind = Alerter(None, config, fallback=fallback, clock=clock)
        summary = run_checks(blind, now=clock(), ledger=None, probe=down).as_dict()
        assert summary["skipped"] == ["sla:", "backlog:", "hsa_sign_in:"]
    assert [r.text.count("台账数据库连接 hisbridge_db 不可用") > 0 for r in robot.state.accepted()] == [True]

    clock.at = T0 + timedelta(minutes=15)
    back = Alerter(IncidentStore(ledger.engine, clock), config, fallback=fallback, clock=clock)
    assert run_checks(back, now=clock(), ledger=ledger.engine, probe=lambda c: None).resolved == [
        "connection:hisbridge_db"]
    assert "【hisbridge已恢复】" in robot.state.accepted()[-1].text and json.loads(fallback["hisbridge_alert_fallback"]) == {}


def test_alert_and_resolve_never_raise_and_skip_unconfigured_channels(ledger, monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_HISBRIDGE_ALERT_WEBHOOK", raising=False)
    alerter = Alerter(IncidentStore(ledger.engine), CONFIG)
    assert alert("regional_upload_gap", "市区卫平台上传缺口：门急诊就诊", "缺 3 条", "python -m hisbridge ledger …",
                 key="regional_upload_gap:outpatient_visit", alerter=alerter) is None  # fmt: skip
    [incident] = alerter.store.open_incidents()
    outcomes = {n["channel"]: n["outcome"] for n in alerter.store.notifications(incident.id)}
    assert outcomes == {"robot": "skipped", "mail": "skipped"}
    assert resolve("regional_upload_gap:outpatient_visit", alerter=alerter) is False  # nobody was told
    assert alerter.store.open_incidents() == []
