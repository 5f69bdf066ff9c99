"""The Airflow side: ``cdc_frontend`` becomes CdcSettings (errors name the connection and the field), the Variable
``cdc_delivery_target`` picks the sender, ``cdc_frontend_db`` becomes an engine and its own extras."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from hisbridge.platforms.cdc.frontend_db import FrontendDbSender
from hisbridge.platforms.cdc.hooks import (
    CdcFrontendDbHook,
    CdcFrontendHook,
    delivery_target,
    settings_from_connection,
)
from hisbridge.platforms.cdc.sender import CdcSender, from_airflow


def conn(host: str | None = "10.1.2.3", port: int | None = 8881, schema: str | None = None, **extra):
    return SimpleNamespace(host=host, port=port, schema=schema, extra_dejson=extra)


def test_host_port_and_extras_become_settings() -> None:
    s = settings_from_connection(conn(void_mode="flag", read_timeout=12, not_found_words=["无此记录"]))
    assert s.url_for("emrExLab") == "http://10.1.2.3:8881/hclient/emr/receive/emrExLab"
    assert (s.void_mode, s.read_timeout, s.connect_timeout, s.not_found_words) == ("flag", 12, 5, ("无此记录",))
    assert settings_from_connection(conn(schema="https", port=None)).base_url == "https://10.1.2.3"
    assert settings_from_connection(conn(host="http://fe.local:15400/")).base_url == "http://fe.local:15400"
    assert settings_from_connection(conn(path="/api/{entity}")).url_for("baseDept") == \
        "http://10.1.2.3:8881/api/baseDept"


@pytest.mark.parametrize(("connection", "message"), [
    (conn(host=""), "host is empty"),
    (conn(schema="ftp"), "schema must be http or https"),
    (conn(void_mode="soft"), "void_mode"),
    (conn(voidmode="flag"), r"unknown extras \['voidmode'\]"),
    (conn(read_timeout=0), "read_timeout"),
])
def test_mistakes_in_the_connection_name_it_and_the_field(connection, message) -> None:
    with pytest.raises(ValueError, match=message) as info:
        settings_from_connection(connection, "cdc_frontend")
    assert "'cdc_frontend'" in str(info.value)


def test_hook_identities() -> None:
    assert (CdcFrontendHook.default_conn_name, CdcFrontendHook.conn_type) == ("cdc_frontend", "http")
    assert CdcFrontendDbHook.default_conn_name == "cdc_frontend_db"


def test_delivery_target_is_a_variable_defaulting_to_the_api(monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW_VAR_CDC_DELIVERY_TARGET", raising=False)
    assert delivery_target() == "api"
    monkeypatch.setenv("AIRFLOW_VAR_CDC_DELIVERY_TARGET", "DB")
    assert delivery_target() == "db"
    monkeypatch.setenv("AIRFLOW_VAR_CDC_DELIVERY_TARGET", "ftp")
    with pytest.raises(ValueError, match="'api' or 'db'"):
        delivery_target()


def test_the_task_sender_follows_the_delivery_target(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CDC_FRONTEND", json.dumps(
        {"conn_type": "http", "host": "10.1.2.3", "port": 8881, "extra": {"void_mode": "delete"}}))
    monkeypatch.setenv("AIRFLOW_CONN_CDC_FRONTEND_DB", json.dumps(
        {"conn_type": "sqlite", "host": str(tmp_path / "frontend.db"), "extra": {"void_mode": "flag"}}))
    ledger = SimpleNamespace()  # the factory only hands it on

    monkeypatch.delenv("AIRFLOW_VAR_CDC_DELIVERY_TARGET", raising=False)
    api = from_airflow(ledger)
    assert isinstance(api, CdcSender) and api.client.settings.base_url == "http://10.1.2.3:8881"
    assert api.void_mode == "delete"

    monkeypatch.setenv("AIRFLOW_VAR_CDC_DELIVERY_TARGET", "db")
    db = from_airflow(ledger)
    assert isinstance(db, FrontendDbSender)
    assert (db.dialect, db.void_mode, db.ledger) == ("sqlite", "flag", ledger)
