"""Acknowledging an incident (告警认领), the plain functions: no reminder once someone took it, the short note the
group gets, the recovery naming who took it, where the note goes (alerts.yaml ``ack``) and the words ops read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hisbridge.ops.alerts.config import AlertsConfig, load_config
from hisbridge.ops.alerts.incidents import ack_words, state_words
from hisbridge.ops.alerts.message import Ack, Alert, Notice
from hisbridge.ops.alerts.state import Incident, decide

T0 = datetime(2026, 11, 24, 2, 10, tzinfo=UTC)  # 10:10 in Shanghai
ACK = Ack("信息科-王工", T0 + timedelta(minutes=20), "已联系厂商，预计 11 点恢复")


def _incident(notified_at: datetime | None, ack: Ack | None = None, status: str = "open") -> Incident:
    made = Incident(1, "backlog:quarantined:hsa_trace_sale", "backlog", status, "接口 hsa_trace_sale 积压", "12 条隔离",
                    "python -m hisbridge ledger requeue --feed hsa_trace_sale", T0, T0, T0, notified_at, 1, None, None)
    if ack is None:
        return made
    return replace(made, acked_at=ack.at, acked_by=ack.by, ack_note=ack.note)


@pytest.mark.parametrize(("existing", "now"), [
    (_incident(T0, ACK), T0 + timedelta(hours=4)),  # the reminder would be due
    (_incident(T0, ACK), T0 + timedelta(days=3)),
    (_incident(None, ACK), T0 + timedelta(minutes=25)),  # never told (every channel failed): someone is on it anyway
])  # fmt: skip
def test_an_acknowledged_incident_is_not_reminded(existing, now) -> None:
    assert decide(existing, now, timedelta(hours=4)) is None
    assert decide(replace(existing, acked_at=None), now, timedelta(hours=4)) is not None  # the ack is what stops it


def _alert() -> Alert:
    return _incident(T0).as_alert()


def test_the_acknowledgement_says_who_when_and_that_reminders_stop() -> None:
    notice = Notice(_alert(), "acknowledged", ACK.at, 1, ack=ACK)
    text = notice.markdown()
    assert notice.title == "【hisbridge已认领】待处理记录积压：接口 hsa_trace_sale 积压"
    assert "信息科-王工 于 2026-11-24 10:30（北京时间）认领：已联系厂商，预计 11 点恢复" in text
    assert "不再定时提醒；恢复时仍会通知" in text and "已持续 20 分钟" in text
    assert "requeue" not in text  # short: the fix was in the alert itself
    assert notice.dingtalk()["markdown"]["title"].startswith("【hisbridge已认领】")


def test_the_note_is_masked_before_it_reaches_the_group() -> None:
    ack = Ack("王工", T0, "患者 360102199001011234 电话 13912345678 的记录已核对")
    text = Notice(_alert(), "acknowledged", T0, 1, ack=ack).markdown()
    assert "360102199001011234" not in text and "13912345678" not in text and "的记录已核对" in text


def test_the_recovery_names_who_had_taken_it() -> None:
    taken = Notice(_alert(), "recovered", T0 + timedelta(hours=1), 1, ack=ACK).markdown()
    assert "【hisbridge已恢复】" in taken and "**认领**：信息科-王工 于 2026-11-24 10:30（北京时间）认领" in taken
    assert "认领" not in Notice(_alert(), "recovered", T0 + timedelta(hours=1), 1).markdown()


def test_the_deployed_alerts_yaml_tells_the_chat_robots_only() -> None:
    config = load_config()
    assert config.ack.notify is True
    assert [name for name, _ in config.ack_channels_for("task_failure")] == ["ops_robot"]  # not the mailbox
    assert [name for name, _ in config.ack_channels_for("backlog")] == ["ops_robot"]


def test_the_acknowledgement_notice_can_go_by_mail_too_or_not_at_all() -> None:
    base = {"channels": {"robot": {"type": "webhook", "conn_id": "w"}, "mail": {"type": "email", "conn_id": "m"}},
            "routes": {"default": ["robot", "mail"], "backlog": ["mail"]}}
    both = AlertsConfig.model_validate({**base, "ack": {"channel_types": ["webhook", "email"]}})
    assert [n for n, _ in both.ack_channels_for("task_failure")] == ["robot", "mail"]
    default = AlertsConfig.model_validate(base)
    assert default.ack_channels_for("backlog") == []  # its route has no robot: nobody to tell
    silent = AlertsConfig.model_validate({**base, "ack": {"notify": False}})
    assert silent.ack_channels_for("task_failure") == []


def test_ops_read_an_acknowledged_open_incident_as_taken_by_whom() -> None:
    open_, taken = _incident(T0), _incident(T0, ACK)
    assert (state_words(open_), ack_words(open_)) == ("未恢复", None)
    assert state_words(taken) == "已认领"
    assert ack_words(taken) == "信息科-王工 于 2026-11-24 10:30 认领：已联系厂商，预计 11 点恢复"
    assert state_words(_incident(T0, ACK, status="resolved")) == "已恢复"
