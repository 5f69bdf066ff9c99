"""The Airflow side: ``mutual_recognition`` becomes MutualSettings (errors name the connection and the key), the
hook builds the client, test_connection asks a cheap reminder query, and only hooks.py imports Airflow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from hisbridge.platforms.mutual.client import MutualClient
from hisbridge.platforms.mutual.hooks import MutualHook, settings_from_connection
from hisbridge.platforms.mutual.sender import MutualSender, from_airflow

from .fakes import CannedAdapter, answer, respond


def conn(host: str | None = "10.1.2.3", port: int | None = 8093, schema: str | None = None, login=None,
         password=None, **extra):
    return SimpleNamespace(host=host, port=port, schema=schema, login=login, password=password, extra_dejson=extra)


def test_fields_and_extras_become_settings() -> None:
    s = settings_from_connection(conn(login="his-app", password="k3y", auth="hmac", org_code="360102009",
                                      paths={"getReport": "/mr/report"}, timeout_s=20, query_timeout_s=0.3,
                                      max_batch=100))
    assert s.url_for("uploadLabReport") == "http://10.1.2.3:8093/api/v1/uploadLabReport"
    assert s.url_for("getReport") == "http://10.1.2.3:8093/mr/report"
    assert (s.auth, s.app_id, s.secret_value(), s.org_code, s.org_name) == (
        "hmac", "his-app", "k3y", "360102009", "南昌市第一医院")
    assert (s.timeout_s, s.query_timeout_s, s.max_batch, s.connect_timeout_s) == (20, 0.3, 100, 3)
    defaults = settings_from_connection(conn(schema="https", port=None))
    assert (defaults.base_url, defaults.auth, defaults.org_code, defaults.timeout_s, defaults.query_timeout_s,
            defaults.max_batch) == ("https://10.1.2.3", "none", "360102001", 10, 0.5, 50)
    assert settings_from_connection(conn(host="http://mr.local:9000/gateway/")).base_url == \
        "http://mr.local:9000/gateway"


@pytest.mark.parametrize(("connection", "message"), [
    (conn(host=""), "host is empty"),
    (conn(schema="ftp"), "schema must be http or https"),
    (conn(auth="basic"), "auth"),
    (conn(auth="token"), "password"),
    (conn(auth="hmac", password="k"), "login"),
    (conn(authx="hmac"), r"unknown extras \['authx'\]"),
    (conn(timeout_s=0), "timeout_s"),
    (conn(paths={"uploadLab": "/x"}), "paths"),
    (conn(max_batch="many"), "max_batch"),
])
def test_mistakes_in_the_connection_name_it_and_the_key(connection, message) -> None:
    with pytest.raises(ValueError, match=message) as info:
        settings_from_connection(connection, "mutual_recognition")
    assert "'mutual_recognition'" in str(info.value)


def test_hook_identity() -> None:
    assert (MutualHook.conn_name_attr, MutualHook.default_conn_name, MutualHook.conn_type, MutualHook.hook_name) \
        == ("mutual_conn_id", "mutual_recognition", "http", "省检查检验互认平台")
    assert MutualHook().mutual_conn_id == "mutual_recognition"


def test_the_hook_reads_the_airflow_connection(monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_MUTUAL_RECOGNITION", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": 8093, "login": "his-app", "password": "k3y",
        "extra": {"auth": "hmac", "org_code": "360102001"}}))
    hook = MutualHook()
    assert isinstance(hook.client, MutualClient) and hook.client.settings.base_url == "http://127.0.0.1:8093"
    assert hook.settings.auth == "hmac"
    sender = from_airflow(ledger=None)
    assert isinstance(sender, MutualSender) and sender.client.settings.app_id == "his-app"


def test_a_bad_connection_is_reported_by_test_connection(monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_MUTUAL_RECOGNITION", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "extra": {"auth": "token"}}))
    ok, message = MutualHook().test_connection()
    assert not ok and "mutual_recognition" in message and "password" in message


def _hook_answering(*answers) -> tuple[MutualHook, CannedAdapter]:
    hook = MutualHook()
    adapter = CannedAdapter(*answers)
    session = requests.Session()
    session.mount("http://", adapter)
    settings = settings_from_connection(conn())
    hook.__dict__["settings"] = settings
    hook.__dict__["client"] = MutualClient(settings, session=session)
    return hook, adapter


@pytest.mark.parametrize(("reply", "ok", "words"), [
    (answer(data=[]), True, "0 条"),
    (answer("A0400", "证件号码不合法"), True, "连接与认证正常"),  # it answered and took our credentials
    (answer("A0401", "签名错误"), False, "A0401"),
    (respond(text="<html>404</html>", status=404), False, "HTTP 404"),
    (requests.ConnectTimeout("connect"), False, "not sent"),
])
def test_test_connection_asks_a_cheap_reminder_query(reply, ok, words) -> None:
    hook, adapter = _hook_answering(reply)
    result, message = hook.test_connection()
    assert (result, words in message) == (ok, True), message
    sent = adapter.sent[0]
    assert sent.path == "/api/v1/queryReminders"
    assert sent.body["searchType"] == 1 and sent.body["lookbackDays"] == 1
    assert sent.timeout == (3, 5.0)  # a connection test may wait longer than a doctor


def test_only_the_hook_imports_airflow() -> None:
    root = Path(__file__).resolve().parents[4]
    code = (
        "import sys\n"
        "import hisbridge.platforms.mutual.client, hisbridge.platforms.mutual.catalogue\n"
        "import hisbridge.platforms.mutual.models, hisbridge.platforms.mutual.auth, hisbridge.platforms.mutual.doc\n"
        "import hisbridge.platforms.mutual.errors, hisbridge.platforms.mutual.feeds, hisbridge.platforms.mutual.cli\n"
        "import hisbridge.platforms.mutual.sender\n"
        "bad = sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env={"PYTHONPATH": str(root / "plugins")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
