"""The gateway as production builds it (``python -m hisbridge gateway serve``: uvicorn's factory
``wiring:app_from_airflow``), from the Airflow connections ``hisbridge_db`` and ``hsa_platform``."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.gateway import cli, wiring
from hisbridge.platforms.hsa.gateway.service import HsaGateway
from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash

from .conftest import SECRET


def test_the_serve_factory_builds_the_gateway_from_airflow_connections(sim, pg_url, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http", "password": SECRET,
        "extra": {"fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院", "mdtrtarea_admvs": "360100",
                  "recer_sys_code": "his", "auth": "tif", "paasid": "hb-gw", "opter": "sf001",
                  "opter_name": "收费员甲", "ip": "127.0.0.1"}}))
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
        "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
        "schema": pg_url.rsplit("/", 1)[1]}))
    wiring.ledger_from_airflow.cache_clear()
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    token = new_token()
    ledger.add_token(HsaGateway.SERVICE, "HIS 门诊收费", token_hash(token), "test")
    assert cli.FACTORY == "hisbridge.platforms.hsa.gateway.wiring:app_from_airflow"

    with TestClient(wiring.app_from_airflow()) as http:
        answer = http.post("/hsa/v1/1101", headers={"Authorization": f"Bearer {token}"},
                           json={"mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X",
                                 "psn_cert_type": "01"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["output"]["baseinfo"]["psn_name"] == "张三"
    [entry] = ledger.journal_entries(platform="hsa")
    assert entry["caller"] == "HIS 门诊收费" and entry["outcome"] == "acknowledged"
    wiring.ledger_from_airflow.cache_clear()


def test_a_gateway_on_a_new_ledger_creates_its_tables_when_it_starts(sim, pg_url) -> None:
    from hisbridge.platforms.hsa.gateway.app import create_gateway_app
    from hisbridge.platforms.hsa.gateway.wiring import ClientsPerOperator

    from .conftest import settings_for

    ledger = Ledger(make_engine(pg_url))  # an empty database: no ledger tables yet
    with TestClient(create_gateway_app(lambda: HsaGateway(ledger, ClientsPerOperator(settings_for(sim), ledger)))) \
            as http:
        assert http.get("/hsa/v1/health").status_code == 200
    assert ledger.tokens(HsaGateway.SERVICE) == [] and ledger.journal_entries(platform="hsa") == []
