"""The workstation service built from Airflow's connections — what the plugin mount and ``serve`` run.

==========================  ===========================================================================================
Connection                  Used for
==========================  ===========================================================================================
``mutual_recognition``      the platform (:mod:`hisbridge.platforms.mutual.hooks`: address, auth, timeouts)
``his_db``                  patients' ID type and number (``include/sql/mutual/patient.sql``)
``hisbridge_db``            the ledger: callers' tokens, the journal and outbox, the page's decisions
``mutual_quote_db``         optional: where quoted reports are written (``mutual_quoted_report`` …); ``his_db`` when
                            absent (the name is the setting ``quote_conn_id``)
``mutual_workstation``      optional: the service's own settings — ``password`` is the page tickets' signing secret
                            (``ticket_secret``), extras any other field of :class:`WorkstationSettings`
                            (``page_auth``, ``ticket_ttl_s``, ``reminder_budget_ms``, ``lookback_days``,
                            ``page_timeout_s``, ``quote_conn_id``, ``identity_cache_s``)
==========================  ===========================================================================================

Example (a site where the HIS fetches page links)::

    AIRFLOW_CONN_MUTUAL_WORKSTATION='{"conn_type": "generic", "password": "<32+ random characters>",
      "extra": {"reminder_budget_ms": 800, "ticket_ttl_s": 600}}'

and an intranet site whose workstations open the page directly with its URL parameters (the analogue's way)::

    AIRFLOW_CONN_MUTUAL_WORKSTATION='{"conn_type": "generic", "extra": {"page_auth": "none"}}'

Without ``mutual_workstation`` the defaults apply, and ``page_auth: ticket`` then has no secret: the service
refuses to start and says which connection to create.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Engine

from hisbridge.ledger.store import Ledger
from hisbridge.platforms.mutual.service.service import WorkstationService
from hisbridge.platforms.mutual.service.settings import WorkstationSettings

SETTINGS_CONN_ID = "mutual_workstation"
HIS_CONN_ID = "his_db"
#: the ledger pool of a service process: sized for its request and record threads, no ping per check-out
SERVICE_POOL = {"pool_size": 20, "max_overflow": 20, "pool_pre_ping": False, "pool_recycle": 300}


def _connection(conn_id: str) -> Any | None:
    from airflow.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id)
    except Exception as exc:
        if type(exc).__name__ == "AirflowNotFoundException":
            return None
        raise


def workstation_settings(conn: Any | None, conn_id: str = SETTINGS_CONN_ID) -> WorkstationSettings:
    """The service's settings from its connection (``None``: the defaults); errors name the connection."""
    values: dict[str, Any] = {}
    if conn is not None:
        values.update(conn.extra_dejson or {})
        if conn.password:
            values["ticket_secret"] = conn.password
    try:
        return WorkstationSettings(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
                             for e in exc.errors(include_input=False, include_url=False))
        hint = "" if conn is not None else (f" — create the connection {conn_id!r} (password: the page tickets' "
                                            "secret) or set its extra page_auth to none")
        raise ValueError(f"connection {conn_id!r}: {problems}{hint}") from None


@cache
def ledger_from_airflow() -> Ledger:
    from hisbridge.db import make_engine
    from hisbridge.hooks import LedgerHook

    url = LedgerHook().engine.url.render_as_string(hide_password=False)
    return Ledger(make_engine(url) if url.startswith("sqlite") else make_engine(url, **SERVICE_POOL))


def _engine(conn_id: str) -> Callable[[], Engine]:
    def make() -> Engine:
        from hisbridge.hooks import engine_for

        return engine_for(conn_id if _connection(conn_id) is not None else HIS_CONN_ID)

    return make


def service_from_airflow() -> WorkstationService:
    from hisbridge.hooks import engine_for
    from hisbridge.platforms.mutual.client import MutualClient
    from hisbridge.platforms.mutual.hooks import MutualHook
    from hisbridge.platforms.mutual.service.identity import PatientDirectory
    from hisbridge.platforms.mutual.service.items import load_item_map

    settings = workstation_settings(_connection(SETTINGS_CONN_ID))
    platform = MutualHook().settings
    items = load_item_map()
    patients = PatientDirectory(lambda: engine_for(HIS_CONN_ID), items.id_types, cache_s=settings.identity_cache_s)
    return WorkstationService(ledger=ledger_from_airflow(), client=MutualClient(platform), settings=settings,
                              patients=patients, items=items, quote_engine=_engine(settings.quote_conn_id),
                              query_timeout_s=platform.query_timeout_s)


def app_from_airflow() -> FastAPI:
    """The app as the plugin mounts it (at ``/mutual``)."""
    from hisbridge.platforms.mutual.service.app import create_workstation_app

    return create_workstation_app(service_from_airflow)


def standalone_app_from_airflow() -> FastAPI:
    """The app as ``serve`` runs it under uvicorn: mounted at ``/mutual`` like in Airflow, so the HIS's URLs do
    not change when a site moves the service out of Airflow's API server."""
    from hisbridge.platforms.mutual.service.app import mounted

    return mounted(app_from_airflow())



def resend_from_airflow(*, older_than_s: float = 120, ledger_conn_id: str = "hisbridge_db",
                        mutual_conn_id: str = "mutual_recognition") -> dict[str, int]:
    """Send again the record uploads not acknowledged (:func:`~.outbox.resend_pending_records`); counts by
    outcome."""
    from hisbridge.hooks import LedgerHook
    from hisbridge.platforms.mutual.hooks import MutualHook
    from hisbridge.platforms.mutual.service.outbox import resend_pending_records

    client = MutualHook(mutual_conn_id).client
    try:
        return resend_pending_records(LedgerHook(ledger_conn_id).ledger, client, older_than_s=older_than_s)
    finally:
        client.close()
