"""The ``city_brain`` connection: its fields and extras become the pushes' settings (errors name the field, never the
secret), and the hook's connection test is an empty signed notify whose 2001 proves address, appId and signature."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from hisbridge.platforms.city_brain.hooks import CityBrainHook, settings_from_connection

from .sender_fakes import answer, canned_client, connect_refused


@dataclass
class Conn:
    host: str | None = "10.1.2.3"
    port: int | None = 8885
    schema: str | None = "http"
    login: str | None = "hisbridge-360102001"
    password: str | None = "a-secret-0123456789"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def extra_dejson(self) -> dict[str, Any]:
        return self.extra


def test_a_connection_becomes_settings() -> None:
    s = settings_from_connection(Conn(extra={"sign_type": "HMAC-SHA256", "org_code": "360102999", "org_name": "某院",
                                             "paths": {"notify": "/cb/notify"}, "timeout_s": 5, "verify": False}))
    assert s.base_url == "http://10.1.2.3:8885" and s.app_id == "hisbridge-360102001"
    assert s.secret.get_secret_value() == "a-secret-0123456789" and s.sign_type == "HMAC-SHA256"
    assert (s.org_code, s.org_name, s.timeout_s, s.verify) == ("360102999", "某院", 5, False)
    assert s.url_for("notify") == "http://10.1.2.3:8885/cb/notify"
    assert s.url_for("history") == "http://10.1.2.3:8885/api/v1/history"
    assert settings_from_connection(Conn(host="https://cb.example/gw/", port=None)).base_url == "https://cb.example/gw"
    assert settings_from_connection(Conn()).sign_type == "SM3"


@pytest.mark.parametrize(("conn", "message"), [
    (Conn(host=""), "host is empty"),
    (Conn(schema="ftp"), "schema must be http or https"),
    (Conn(extra={"auth": "hmac"}), r"unknown extras \['auth'\]"),
    (Conn(login=None), "login: String should have at least 1 character"),
    (Conn(extra={"sign_type": "MD5"}), "sign_type: Value error, sign_type must be one of"),
    (Conn(password=None), "the secret"),
])
def test_a_bad_connection_names_what_is_wrong_never_the_secret(conn, message) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        settings_from_connection(conn, "city_brain")
    assert "connection 'city_brain'" in str(raised.value)
    assert "a-secret-0123456789" not in str(raised.value)


def _hook(*answers) -> CityBrainHook:
    hook = CityBrainHook()
    hook.client = canned_client(*answers)[0]  # cached_property: set before first use
    return hook


def test_the_connection_test_reports_what_it_proved() -> None:
    ok, words = _hook(answer("2001", "参数错误: 必填字段[orgCode]为空")).test_connection()
    assert ok and "签名与连接正常" in words
    ok, words = _hook(answer("1002", "签名错误")).test_connection()
    assert not ok and "1002" in words
    ok, words = _hook(connect_refused()).test_connection()
    assert not ok and "not sent" in words


def test_the_hook_reads_its_connection_from_airflow(monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CITY_BRAIN", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": 8885, "login": "hb", "password": "s3cr3t-0123456789",
        "extra": {"sign_type": "SHA256", "org_code": "360102001"}}))
    hook = CityBrainHook()
    assert hook.settings.base_url == "http://127.0.0.1:8885" and hook.settings.sign_type == "SHA256"
    assert hook.client.settings is hook.settings
