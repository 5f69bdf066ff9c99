"""The API built from Airflow's connections — what the plugin mount and ``serve`` run.

=====================  ============================================================================================
Connection             Used for
=====================  ============================================================================================
``city_brain_api``     the callers and limits (type ``generic``; extras as in :mod:`.settings`) — required: without
                       it nobody may call, and the API refuses to start saying so
``city_brain_his``     optional: the HIS through a read-only account of its own; ``his_db`` when absent
``his_db``             the HIS (when ``city_brain_his`` is not defined)
``hisbridge_db``       the ledger: nonces (replays), the journal of every call, the pushes' queue for the health check
=====================  ============================================================================================

``workers`` comes from the environment variable ``HISBRIDGE_CITY_BRAIN_WORKERS`` when set (``serve --workers N``
sets it for its processes), else from the connection's extras (the API server's worker count, for the plugin app).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from hisbridge.ledger.store import Ledger
from hisbridge.platforms.city_brain.service import CityBrainService
from hisbridge.platforms.city_brain.settings import CONN_ID, CityBrainApiSettings, settings_from_extras

HIS_CONN_ID, OWN_HIS_CONN_ID, LEDGER_CONN_ID = "his_db", "city_brain_his", "hisbridge_db"
WORKERS_ENV = "HISBRIDGE_CITY_BRAIN_WORKERS"
#: request threads of a served process (anyio's default is 40): its HIS pool holds as many connections, so that
#: under load no connection is opened and closed per call (a PostgreSQL backend forked each time: measured, that
#: churn alone capped the API at ~133 requests/s). A process holds at most 3 × THREADS connections (HIS, ledger,
#: nonces), opened as calls need them: workers × 48 must fit PostgreSQL's max_connections.
THREADS = 16
HIS_POOL = {"pool_size": THREADS, "max_overflow": 0, "pool_recycle": 300, "isolation_level": "AUTOCOMMIT"}
#: the ledger pools of an API process: the journal entries (after each answer) and the nonces (autocommit). No
#: overflow: an overflow connection is closed when it is given back, which is the churn this avoids.
SERVICE_POOL = {"pool_size": THREADS, "max_overflow": 0, "pool_pre_ping": False, "pool_recycle": 300}


def _connection(conn_id: str) -> Any | None:
    from airflow.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id)
    except Exception as exc:
        if type(exc).__name__ == "AirflowNotFoundException":
            return None
        raise


def settings_from_airflow(conn_id: str = CONN_ID) -> CityBrainApiSettings:
    conn = _connection(conn_id)
    if conn is None:
        raise ValueError(f"connection {conn_id!r} is missing: create it (type generic) with the callers in its "
                         "extras — see docs/city_brain_api.md")
    overrides = {"workers": int(os.environ[WORKERS_ENV])} if os.environ.get(WORKERS_ENV) else {}
    return settings_from_extras(conn.extra_dejson, conn_id, **overrides)


def his_conn_id() -> str:
    """``city_brain_his`` when the site gave the API an account of its own, else ``his_db``."""
    return OWN_HIS_CONN_ID if _connection(OWN_HIS_CONN_ID) is not None else HIS_CONN_ID


def _his() -> Callable[[], Engine]:
    def make() -> Engine:
        from hisbridge.hooks import engine_for

        # read-only SELECTs in autocommit: no BEGIN/ROLLBACK round trips (each statement has its own snapshot
        # under READ COMMITTED either way)
        return engine_for(his_conn_id(), **HIS_POOL)

    return make


@cache
def ledger_from_airflow() -> Ledger:
    from hisbridge.db import make_engine
    from hisbridge.hooks import LedgerHook

    url = LedgerHook(LEDGER_CONN_ID).engine.url.render_as_string(hide_password=False)
    if url.startswith("sqlite"):
        return Ledger(make_engine(url))
    return Ledger(make_engine(url, **SERVICE_POOL),
                  autocommit=make_engine(url, isolation_level="AUTOCOMMIT", **SERVICE_POOL))


def service_from_airflow() -> CityBrainService:
    return CityBrainService(settings=settings_from_airflow(), his=_his(), ledger=ledger_from_airflow())


def app_from_airflow() -> FastAPI:
    """The app as the plugin mounts it (at ``/city-brain``); nothing is connected until it starts."""
    from hisbridge.platforms.city_brain.app import create_city_brain_app

    return create_city_brain_app(service_from_airflow)


def standalone_app_from_airflow() -> FastAPI:
    """The app as ``serve`` runs it under uvicorn: at ``/city-brain`` as in Airflow, so the city brain's URLs do
    not change when a site moves the API out of Airflow's API server."""
    from hisbridge.platforms.city_brain.app import mounted

    return mounted(app_from_airflow(), threads=THREADS)
