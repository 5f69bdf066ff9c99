# ruff: noqa: F811 - the fixtures are imported from api_support and taken by name
"""The API as production builds it from Airflow's connections (the plugin mount and ``city-brain serve``):
``city_brain_api`` for the callers, ``city_brain_his`` before ``his_db``, ``hisbridge_db`` for the ledger."""

from __future__ import annotations

import json

import httpx
import orjson
import pytest
from sqlalchemy.engine import make_url

from hisbridge.platforms.city_brain import cli, wiring
from tests.integration.platforms.city_brain.api_support import (  # noqa: F401 - fixtures by name
    CALLERS,
    anyio_backend,
    his_db,
    ledger,
    request,
)

pytestmark = pytest.mark.anyio


def _pg(url) -> str:
    u = make_url(url) if isinstance(url, str) else url.url
    return json.dumps({"conn_type": "postgres", "host": u.host, "port": u.port, "login": u.username,
                       "schema": u.database})


@pytest.fixture
def airflow(monkeypatch, his_db, ledger):
    monkeypatch.setenv("AIRFLOW_CONN_CITY_BRAIN_API", json.dumps({"conn_type": "generic", "extra": {
        "callers": CALLERS, "workers": 2}}))
    monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "postgres", "host": "127.0.0.1", "port": 1,
                                                          "login": "nobody", "schema": "not_this_one"}))
    monkeypatch.setenv("AIRFLOW_CONN_CITY_BRAIN_HIS", _pg(his_db))
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", _pg(ledger.engine))
    monkeypatch.delenv(wiring.WORKERS_ENV, raising=False)
    wiring.ledger_from_airflow.cache_clear()
    yield monkeypatch
    wiring.ledger_from_airflow.cache_clear()


async def test_the_app_built_from_airflow_connections_answers(airflow) -> None:
    assert cli.FACTORY == "hisbridge.platforms.city_brain.wiring:standalone_app_from_airflow"
    assert wiring.his_conn_id() == "city_brain_his"  # its own read-only account, before his_db
    app = wiring.standalone_app_from_airflow()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hospital.local") as http:
            answer = await http.post("/city-brain/api/v1/departments",
                                     content=orjson.dumps(request("cb01", {"pageSize": 1})))
    assert answer.json()["code"] == "0" and answer.json()["data"]["total"] == 5


def test_workers_come_from_serve_before_the_connection(airflow) -> None:
    assert wiring.settings_from_airflow().workers == 2
    airflow.setenv(wiring.WORKERS_ENV, "4")
    assert wiring.settings_from_airflow().workers == 4


def test_without_its_connection_the_api_says_which_to_create(airflow) -> None:
    airflow.delenv("AIRFLOW_CONN_CITY_BRAIN_API")
    with pytest.raises(ValueError, match="connection 'city_brain_api' is missing"):
        wiring.service_from_airflow()


def test_a_wrong_connection_names_its_key(airflow) -> None:
    airflow.setenv("AIRFLOW_CONN_CITY_BRAIN_API", json.dumps({"conn_type": "generic", "extra": {
        "callers": {"cb01": {"secret": "x" * 20, "ips": ["10.0.0.0/33"]}}}}))
    with pytest.raises(ValueError, match=r"connection 'city_brain_api': callers\.cb01\.ips"):
        wiring.settings_from_airflow()
