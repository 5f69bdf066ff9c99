"""Alert texts, the dedupe decision, the configuration and the robots' signing — plain functions."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import pytest
from pydantic import ValidationError

from hisbridge.ops.alerts.channels import WebhookSettings, dingtalk_sign
from hisbridge.ops.alerts.config import AlertsConfig, default_sla, feed_slas, load_config, parse_duration
from hisbridge.ops.alerts.message import WECOM_MAX_BYTES, Alert, Notice, shanghai
from hisbridge.ops.alerts.state import Incident, decide

T0 = datetime(2026, 11, 24, 2, 10, tzinfo=UTC)  # 10:10 in Shanghai


def _alert(**kw) -> Alert:
    args = {"kind": "backlog", "key": "backlog:quarantined:hsa_trace_sale", "subject": "接口 hsa_trace_sale 积压",
            "detail": "12 条隔离", "fix": "python -m hisbridge ledger requeue --feed hsa_trace_sale", "since": T0}
    return Alert.create(**{**args, **kw})


def test_alert_text_masks_id_numbers_phones_and_keyed_names() -> None:
    a = _alert(detail='certno=360102199001011234 手机 13912345678 "psn_name": "张三" 原因：字段缺失')
    text = Notice(a, "opened", T0 + timedelta(minutes=5)).markdown()
    assert "360102199001011234" not in text and "13912345678" not in text and "张三" not in text
    assert "原因：字段缺失" in text


def test_opened_notice_says_what_since_when_in_shanghai_and_the_fix() -> None:
    notice = Notice(_alert(), "opened", T0 + timedelta(minutes=65))
    text = notice.markdown()
    assert notice.title.startswith("【hisbridge告警】待处理记录积压")
    assert "2026-11-24 10:10（北京时间）" in text and "已持续 1 小时 5 分钟" in text
    assert "python -m hisbridge ledger requeue --feed hsa_trace_sale" in text


def test_recovery_notice_says_when_it_cleared_and_how_long_it_lasted() -> None:
    text = Notice(_alert(), "recovered", T0 + timedelta(hours=2, minutes=3)).markdown()
    assert "已恢复" in text and "2026-11-24 12:13（北京时间）" in text and "持续**：2 小时 3 分钟" in text
    assert "requeue" not in text  # a recovery needs no fix


def test_wecom_body_fits_4096_bytes_keeping_the_fix_whole() -> None:
    notice = Notice(_alert(detail="原因很长" * 2000, fix="airflow tasks clear hsa_trace_sale -y"), "opened", T0)
    body = notice.wecom()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_MAX_BYTES
    assert "airflow tasks clear hsa_trace_sale -y" in content


def test_dingtalk_body_has_title_and_text() -> None:
    body = Notice(_alert(), "reminder", T0 + timedelta(hours=4), count=2).dingtalk()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"].startswith("【hisbridge仍未恢复】")
    assert "第 2 次通知" in body["markdown"]["text"]


def test_shanghai_labels_times_and_takes_naive_as_utc() -> None:
    assert shanghai(datetime(2026, 11, 24, 16, 0)) == "2026-11-25 00:00（北京时间）"


def _incident(notified_at: datetime | None) -> Incident:
    return Incident(1, "k", "backlog", "open", "s", None, None, T0, T0, T0, notified_at, 1, None, None)


@pytest.mark.parametrize(("existing", "now", "expected"), [
    (None, T0, "opened"),
    (_incident(None), T0, "opened"),  # every channel failed last time: say it again
    (_incident(T0), T0 + timedelta(minutes=5), None),  # the 5-minute check: already told
    (_incident(T0), T0 + timedelta(hours=3, minutes=59), None),
    (_incident(T0), T0 + timedelta(hours=4), "reminder"),
])  # fmt: skip
def test_decide_tells_once_then_reminds_after_the_interval(existing, now, expected) -> None:
    assert decide(existing, now, timedelta(hours=4)) == expected


def test_dingtalk_sign_is_hmac_sha256_of_timestamp_and_secret() -> None:
    secret, ts = "SEC0123456789abcdef", 1732413000000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    assert unquote_plus(dingtalk_sign(secret, ts)) == expected.decode()


class _Conn:
    conn_id = "hisbridge_alert_webhook"

    def __init__(self, host, schema=None, port=None, password=None, extra=None) -> None:
        self.host, self.schema, self.port, self.password = host, schema, port, password
        self.extra_dejson = extra or {}


def test_webhook_settings_build_the_robot_url_from_the_connection() -> None:
    wecom = WebhookSettings.from_connection(_Conn("qyapi.weixin.qq.com", "https", password="KEY"))
    assert wecom.url_and_params() == ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send", {"key": "KEY"})
    ding = WebhookSettings.from_connection(_Conn("https://oapi.dingtalk.com", password="TOK",
                                                 extra={"format": "dingtalk", "secret": "SECx"}))
    url, params = ding.url_and_params(now_ms=1000)
    assert url == "https://oapi.dingtalk.com/robot/send"
    assert params["access_token"] == "TOK" and params["timestamp"] == "1000" and params["sign"]
    with pytest.raises(ValueError, match="wecom or dingtalk"):
        WebhookSettings.from_connection(_Conn("x", extra={"format": "slack"}))


def test_deployed_alerts_yaml_is_valid_and_routes_backlog_to_the_robot_only() -> None:
    config = load_config()
    assert [name for name, _ in config.channels_for("backlog")] == ["ops_robot"]
    assert {name for name, _ in config.channels_for("task_failure")} == {"ops_robot", "ops_mail"}
    assert config.renotify_after == timedelta(hours=4)


def test_config_refuses_routes_to_undeclared_channels_and_zero_thresholds() -> None:
    with pytest.raises(ValidationError, match="not declared"):
        AlertsConfig.model_validate({"routes": {"default": ["nowhere"]}})
    with pytest.raises(ValidationError, match="at least 1"):
        AlertsConfig.model_validate({"backlog": {"quarantined": 0}})


def test_durations_and_default_slas() -> None:
    assert parse_duration("5m") == timedelta(minutes=5) and parse_duration("1d") == timedelta(days=1)
    with pytest.raises(ValueError):
        parse_duration("5 minutes")
    assert default_sla("5m") == timedelta(minutes=30) and default_sla("1h") == timedelta(hours=2, minutes=15)
    assert default_sla("daily") == timedelta(hours=6)


def test_feed_slas_follow_feed_sla_yaml_cadences_overrides_and_dags(tmp_path) -> None:
    (tmp_path / "a_feed.yaml").write_text("platform: hsa\nwindow: 5m\n", encoding="utf-8")
    (tmp_path / "b_feed.yaml").write_text("platform: hsa\nwindow: daily\n", encoding="utf-8")
    (tmp_path / "c_feed.yaml").write_text("platform: hsa\nwindow: 5m\n", encoding="utf-8")
    (tmp_path / "codes.yaml").write_text("codes: {}\n", encoding="utf-8")
    sla = tmp_path / "feed_sla.yaml"
    sla.write_text("sla_by_cadence: {5m: 20m, default: 6h}\nsla: {b_feed: 1d}\ndisabled: [c_feed]\n"
                   "dags: {a_dag: [a_feed]}\n", encoding="utf-8")
    got = {f.feed: (f.dag_id, f.sla) for f in feed_slas(sla, tmp_path)}
    assert got == {"a_feed": ("a_dag", timedelta(minutes=20)), "b_feed": ("b_feed", timedelta(days=1))}
    assert {f.feed: f.sla for f in feed_slas(tmp_path / "missing.yaml", tmp_path)}["c_feed"] == timedelta(minutes=30)
