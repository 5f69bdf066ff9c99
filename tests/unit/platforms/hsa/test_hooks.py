"""HsaHook: the ``hsa_platform`` connection becomes HsaSettings; errors name the connection and the key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from hisbridge.platforms.hsa.client import DEFAULT_PATH, HsaClient
from hisbridge.platforms.hsa.hooks import HsaConnectionError, HsaHook

from .fakes import CannedAdapter, respond, signed_in

EXTRA = {
    "fixmedins_code": "H36010000001",
    "fixmedins_name": "南昌市第一医院",
    "mdtrtarea_admvs": "360100",
    "recer_sys_code": "YBXT",
    "auth": "csb",
    "paasid": "ak-hisbridge",
    "opter": "hb01",
    "opter_name": "接口平台",
    "ip": "10.0.0.5",
}


def connection(extra: dict | None = None, **fields) -> str:
    conn = {
        "conn_type": "http",
        "schema": "https",
        "host": "hsa-gw.test",
        "port": 8443,
        "password": "s3cr3t-key-long",
        "extra": EXTRA if extra is None else extra,
    }
    conn.update(fields)
    return json.dumps(conn, ensure_ascii=False)


@pytest.fixture
def hsa_conn(monkeypatch):
    def set_conn(value: str) -> None:
        monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", value)

    return set_conn


def test_hook_identity():
    assert (HsaHook.conn_name_attr, HsaHook.default_conn_name, HsaHook.conn_type, HsaHook.hook_name) == (
        "hsa_conn_id", "hsa_platform", "http", "医保平台",
    )  # fmt: skip
    assert HsaHook().hsa_conn_id == "hsa_platform"


def test_connection_is_parsed_into_settings(hsa_conn):
    hsa_conn(connection({**EXTRA, "connect_timeout": "3", "read_timeout": 20, "sign_in": "false"}))
    client = HsaHook().client
    s = client.settings
    assert isinstance(client, HsaClient)
    assert (
        s.base_url == "https://hsa-gw.test:8443"
        and s.url_for("3505") == f"https://hsa-gw.test:8443{DEFAULT_PATH}"
    )
    assert s.secret.get_secret_value() == "s3cr3t-key-long" and s.paasid == "ak-hisbridge" and s.auth == "csb"
    assert (s.fixmedins_code, s.mdtrtarea_admvs, s.recer_sys_code) == ("H36010000001", "360100", "YBXT")
    assert (s.connect_timeout, s.read_timeout, s.sign_in) == (3.0, 20.0, False)
    assert (s.infver, s.opter_type) == ("V1.0", "1")
    assert "s3cr3t" not in repr(s)


def test_host_with_scheme_and_no_port(hsa_conn):
    hsa_conn(connection(host="http://10.1.2.3/", port=None, schema=None))
    assert HsaHook().client.settings.base_url == "http://10.1.2.3"


@pytest.mark.parametrize("key", ["fixmedins_code", "mdtrtarea_admvs", "recer_sys_code", "auth", "opter"])
def test_a_missing_extra_is_named_with_the_connection(hsa_conn, key):
    hsa_conn(connection({k: v for k, v in EXTRA.items() if k != key}))
    with pytest.raises(HsaConnectionError, match=f"connection 'hsa_platform': '{key}' is missing"):
        HsaHook().get_conn()


def test_a_missing_host_is_named(hsa_conn):
    hsa_conn(connection(host=None))
    with pytest.raises(HsaConnectionError, match="'host' is missing"):
        HsaHook().get_conn()


def test_a_missing_secret_is_reported(hsa_conn):
    hsa_conn(connection(password=None))
    with pytest.raises(HsaConnectionError, match="hsa_platform.*needs paasid and secret"):
        HsaHook().get_conn()


def test_an_invalid_value_is_named(hsa_conn):
    hsa_conn(connection({**EXTRA, "mdtrtarea_admvs": "3601"}))
    with pytest.raises(HsaConnectionError, match="'mdtrtarea_admvs'"):
        HsaHook().get_conn()


def test_another_connection_id_is_named(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_HSA_TEST", connection({**EXTRA, "auth": "nope"}))
    with pytest.raises(HsaConnectionError, match="connection 'hsa_test': 'auth'"):
        HsaHook(hsa_conn_id="hsa_test").get_conn()


def test_settings_from_connection_works_without_airflow_context():
    conn = SimpleNamespace(
        conn_id="offline",
        host="gw",
        port=None,
        schema="http",
        password=None,
        extra_dejson={**EXTRA, "auth": "none"},
    )
    settings = HsaHook.settings_from_connection(conn)
    assert settings.base_url == "http://gw" and settings.secret is None


def hook_with_canned_transport(adapter: CannedAdapter) -> HsaHook:
    hook = HsaHook()
    settings = HsaHook.settings_from_connection(SimpleNamespace(
        conn_id="hsa_platform", host="gw.test", port=None, schema="https", password="s3cr3t-key-long",
        extra_dejson=EXTRA))  # fmt: skip
    session = requests.Session()
    session.mount("https://", adapter)
    hook.__dict__["client"] = HsaClient(settings, session=session)
    return hook


def test_test_connection_signs_in():
    adapter = CannedAdapter(signed_in("SN-1"))
    ok, message = hook_with_canned_transport(adapter).test_connection()
    assert ok and "9001" in message
    assert adapter.envelopes[0]["infno"] == "9001"
    assert adapter.sent[0].request.headers["_api_name"] == "9001"


def test_test_connection_reports_a_gateway_refusal():
    adapter = CannedAdapter(respond({"code": "401", "message": "签名错误"}, status=401))
    ok, message = hook_with_canned_transport(adapter).test_connection()
    assert not ok and "签名错误" in message


def test_test_connection_reports_a_bad_connection(hsa_conn):
    hsa_conn(connection({}))
    ok, message = HsaHook().test_connection()
    assert not ok and "hsa_platform" in message and "fixmedins_code" in message


def test_only_the_hook_imports_airflow():
    root = Path(__file__).resolve().parents[4]
    code = (
        "import sys\n"
        "import hisbridge.platforms.hsa.client, hisbridge.platforms.hsa.catalogue, hisbridge.platforms.hsa.models\n"
        "import hisbridge.platforms.hsa.envelope, hisbridge.platforms.hsa.auth, hisbridge.platforms.hsa.msgid\n"
        "import hisbridge.platforms.hsa.errors\n"
        "bad = sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={"PYTHONPATH": str(root / "plugins")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_the_demo_connection_shape_parses(hsa_conn):
    """The extras the deployment files set (airflow_settings.yaml / docker-compose): no ip, sign-in on."""
    hsa_conn(connection({
        "fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院", "mdtrtarea_admvs": "360100",
        "recer_sys_code": "his", "infver": "V1.0", "auth": "tif", "paasid": "hisbridge-demo",
        "path": "/fsi/api/rsfComIfsService/callService", "opter": "hisbridge", "opter_name": "数据集成平台",
        "opter_type": "1",
    }, host="127.0.0.1", port=8097, schema="http"))  # fmt: skip
    settings = HsaHook().client.settings
    assert settings.sign_in and settings.ip is None and settings.auth == "tif"
    assert settings.url_for("3505") == "http://127.0.0.1:8097/fsi/api/rsfComIfsService/callService"
