"""A gateway in front of the 医保 simulator, with a real ledger (PostgreSQL), as the HIS would reach it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.client import HsaSettings
from hisbridge.platforms.hsa.gateway.app import create_gateway_app
from hisbridge.platforms.hsa.gateway.service import HsaGateway
from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash
from hisbridge.platforms.hsa.gateway.wiring import ClientsPerOperator
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState

SECRET = "gateway-test-secret"


@dataclass
class Rig:
    sim: SimServer
    ledger: Ledger
    gateway: HsaGateway
    http: TestClient
    token: str

    def post(self, infno: str, body, *, token: str | None = "default", **params):
        headers = {} if token is None else {"Authorization": f"Bearer {self.token if token == 'default' else token}"}
        return self.http.post(f"/hsa/v1/{infno}", json=body, headers=headers, params=params)

    def journal(self) -> list[dict]:
        return list(reversed(self.ledger.journal_entries(platform="hsa")))


def settings_for(sim: SimServer, **overrides) -> HsaSettings:
    values = dict(base_url=sim.url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院",
                  mdtrtarea_admvs="360100", recer_sys_code="his", auth="tif", paasid="hb-gw", secret=SECRET,
                  opter="sf001", opter_name="收费员甲", ip="127.0.0.1", read_timeout=2.0)
    values.update(overrides)
    return HsaSettings(**values)


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimState(auth_mode="tif", paasid="hb-gw", secret=SECRET)) as server:
        yield server


@pytest.fixture
def rig(sim: SimServer, pg_url: str) -> Iterator[Rig]:
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    gateway = HsaGateway(ledger, ClientsPerOperator(settings_for(sim), ledger))
    token = new_token()
    ledger.add_token(HsaGateway.SERVICE, "HIS 门诊收费", token_hash(token), "test")
    with TestClient(create_gateway_app(lambda: gateway, resolve_every_s=3600)) as http:
        yield Rig(sim, ledger, gateway, http, token)
