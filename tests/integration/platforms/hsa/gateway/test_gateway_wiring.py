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
