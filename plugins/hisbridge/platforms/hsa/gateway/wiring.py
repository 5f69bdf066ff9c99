"""The gateway built from Airflow's connections (``hisbridge_db``, ``hsa_platform``): one client per HIS
operator, signing in once a day through the ledger's shared sign-ins, msgids from the ledger's counters."""

from __future__ import annotations

import threading
from functools import cache

from fastapi import FastAPI

from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.gateway.service import HsaGateway, Operator

#: the ledger pool of a gateway process: sized for its request threads, and no ping per check-out (a call writes
#: three times; a connection the server dropped fails the call before anything is sent, and is replaced)
GATEWAY_POOL = {"pool_size": 20, "max_overflow": 20, "pool_pre_ping": False, "pool_recycle": 300}


@cache
def ledger_from_airflow() -> Ledger:
    """The ledger on its own engine, with a pool sized for the request threads (each call journals twice)."""
    from hisbridge.db import make_engine
    from hisbridge.hooks import LedgerHook

    url = LedgerHook().engine.url.render_as_string(hide_password=False)
    if url.startswith("sqlite"):
        return Ledger(make_engine(url))
    return Ledger(make_engine(url, **GATEWAY_POOL))


def gateway_from_airflow() -> HsaGateway:
    from hisbridge.platforms.hsa.hooks import HsaHook

    ledger = ledger_from_airflow()
    settings = HsaHook.settings_from_connection(HsaHook().get_connection(HsaHook.default_conn_name))
    return HsaGateway(ledger, ClientsPerOperator(settings, ledger))


def app_from_airflow() -> FastAPI:
    from hisbridge.platforms.hsa.gateway.app import create_gateway_app

    return create_gateway_app(gateway_from_airflow)


class ClientsPerOperator:
    """One :class:`HsaClient` per operator (each signs in as themself), shared by the request threads."""

    def __init__(self, settings: HsaSettings, ledger: Ledger) -> None:
        self.settings, self.ledger = settings, ledger
        self._clients: dict[Operator, HsaClient] = {}
        self._lock = threading.Lock()
        from hisbridge.platforms.hsa.msgid import CounterMsgIds

        # one msgid source for every operator's client, taking 50 numbers a second at a time from the ledger (a
        # second has 9,999; a busy second takes another block)
        self.msgids = CounterMsgIds(ledger.next_value, ledger.drop_counters, block=50)

    def __call__(self, operator: Operator) -> HsaClient:
        with self._lock:
            client = self._clients.get(operator)
            if client is None:
                client = self._clients[operator] = self._make(operator)
            return client

    def _make(self, operator: Operator) -> HsaClient:
        from hisbridge.ledger.sessions import SessionStore
        from hisbridge.platforms.hsa.signin import SharedSignIns

        update = {k: v for k, v in (("opter", operator.opter), ("opter_name", operator.opter_name)) if v}
        if operator.opter:
            update["opter_no"] = operator.opter
        settings = self.settings.model_copy(update=update)
        return HsaClient(settings, msgids=self.msgids, sign_ins=SharedSignIns(SessionStore(self.ledger.engine)))
