# ruff: noqa: F811 - the fixtures are imported from api_support and taken by name
"""The API end to end: mounted at ``/city-brain`` as ``serve`` runs it, under a real uvicorn with its lifespan
(the service made and the ledger's tables brought up to date at start-up), called over TCP."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from hisbridge.ledger.store import Ledger
from hisbridge.platforms.city_brain.app import create_city_brain_app, mounted
from simulators.inprocess import InProcessServer
from tests.integration.platforms.city_brain.api_support import (  # noqa: F401 - fixtures by name
    NAME,
    his_db,
    ledger,
    make_service,
    request,
)


class ApiServer(InProcessServer):
    """The app under uvicorn on 127.0.0.1, lifespan on (the simulators turn it off)."""

    name = "city-brain-api"
    lifespan = "on"
    start_timeout_s = 15.0

    def __init__(self, app: FastAPI) -> None:
        super().__init__()
        self.app = app

    def make_app(self) -> FastAPI:
        return self.app


def test_two_calls_through_a_real_uvicorn(ledger: Ledger, his_db: Engine) -> None:
    made = []

    def service():
        made.append(make_service(ledger, his_db))
        return made[-1]

    with ApiServer(mounted(create_city_brain_app(service))) as server:
        assert len(made) == 1  # built by the lifespan, before the first request
        with httpx.Client(base_url=f"{server.url}/city-brain", timeout=10) as http:
            listed = http.post("/api/v1/departments", json=request("cb01", {"pageSize": 3}))
            found = http.post("/api/v1/patientProfile", json=request("cb02", {"patientId": "P0001"}))
    assert listed.status_code == 200 and listed.json()["code"] == "0"
    assert listed.json()["data"]["total"] == 5 and len(listed.json()["data"]["list"]) == 3
    assert found.json()["code"] == "0" and found.json()["data"]["patientName"] == NAME
    journal = {e["msgid"]: e for e in ledger.journal_entries(platform="city_brain", limit=1000)}
    assert journal[found.headers["x-request-id"]]["caller"] == "cb02"
    assert NAME not in journal[found.headers["x-request-id"]]["response"]
