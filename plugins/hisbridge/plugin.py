"""The Airflow plugin: the ledger pages (linked from the UI's navigation) and the 医保 real-time gateway, as FastAPI
apps on the API server."""

from __future__ import annotations

from functools import cache

from airflow.plugins_manager import AirflowPlugin

from hisbridge.ledger.store import Ledger
from hisbridge.ops.ledger_pages import create_ledger_app


@cache
def _ledger() -> Ledger:
    from hisbridge.hooks import LedgerHook

    return LedgerHook().ledger


def _editor():
    """The FastAPI dependency of who may act on a page (re-queue a record, acknowledge an alert): the logged-in
    user's name when Airflow lets them edit DAG runs (roles User, Op, Admin), ``None`` for a viewer."""
    from airflow.api_fastapi import app as airflow_app
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi import Depends

    logged_in = Depends(get_user)  # a default: string annotations could not see this function's imports

    def editor(user=logged_in) -> str | None:
        if not airflow_app.get_auth_manager().is_authorized_dag(method="PUT", user=user):
            return None
        return user.get_name()

    return editor


def _app():
    # Plugin apps are not behind Airflow's login by themselves: require an authenticated user (the UI's cookie or
    # an API token), as Airflow's own routes do. Re-queueing needs the right to edit DAG runs: a viewer (None) sees
    # the record without the button, and a viewer's POST gets a Chinese 403 page. The form tokens are signed with
    # Airflow's [api] secret_key, the same in every API-server worker.
    from airflow.api_fastapi.core_api.security import requires_authenticated
    from airflow.configuration import conf
    from fastapi import Depends

    return create_ledger_app(_ledger, dependencies=[Depends(requires_authenticated())], current_user=_editor(),
                             form_secret=conf.get("api", "secret_key", fallback="") or None)


def _health_app():
    # The page behind Airflow's login; /metrics takes a bearer token when HISBRIDGE_METRICS_TOKEN is set (a
    # Prometheus scraper has no Airflow login), else the same login as the page. A mount of its own: /hisbridge/…
    # would be caught by the ledger app, and its metrics need another guard.
    import os

    from airflow.api_fastapi.core_api.security import requires_authenticated
    from fastapi import Depends

    from hisbridge.ops.health_page import create_health_app

    return create_health_app(_ledger, dependencies=[Depends(requires_authenticated())],
                             metrics_token=os.environ.get("HISBRIDGE_METRICS_TOKEN") or None)


def _alerts_app():
    # The alert incidents for every logged-in user; acknowledging one (认领) needs the right to edit DAG runs, as
    # re-queueing does, with the same signed form token and origin check.
    from airflow.api_fastapi.core_api.security import requires_authenticated
    from airflow.configuration import conf
    from fastapi import Depends

    from hisbridge.ops.alerts_page import create_alerts_app

    return create_alerts_app(_ledger, dependencies=[Depends(requires_authenticated())], current_user=_editor(),
                             form_secret=conf.get("api", "secret_key", fallback="") or None)


def _gateway_app():
    # The HIS authenticates with its own gateway token (not an Airflow login); the gateway is built on first use.
    from hisbridge.platforms.hsa.gateway.app import create_gateway_app
    from hisbridge.platforms.hsa.gateway.wiring import gateway_from_airflow

    return create_gateway_app(gateway_from_airflow)


def _mutual_app():
    # Workstations authenticate with their own tokens, the 互认 page with signed tickets; built on first use.
    from hisbridge.platforms.mutual.service.wiring import app_from_airflow

    return app_from_airflow()


def _city_brain_app():
    # The city brain signs its calls (per-caller secrets, IP allow-list), not an Airflow login; built on first use.
    from hisbridge.platforms.city_brain.wiring import app_from_airflow

    return app_from_airflow()


class HisbridgePlugin(AirflowPlugin):
    name = "hisbridge"
    fastapi_apps = [
        {"app": _app(), "url_prefix": "/hisbridge", "name": "hisbridge 投递台账"},
        {"app": _health_app(), "url_prefix": "/hisbridge-health", "name": "hisbridge 接口健康"},
        {"app": _alerts_app(), "url_prefix": "/hisbridge-alerts", "name": "hisbridge 告警"},
        # small sites: the 医保 real-time gateway in Airflow's API server (production: `gateway serve`, own workers)
        {"app": _gateway_app(), "url_prefix": "/hsa-gateway", "name": "医保实时网关"},
        # 检查检验互认: reminders for the workstations and the 互认 page (production: `mutual serve`, own workers)
        {"app": _mutual_app(), "url_prefix": "/mutual", "name": "检查检验互认工作站服务"},
        # 城市大脑·先诊疗后付费: the hospital-side API (production: `city-brain serve`, own workers)
        {"app": _city_brain_app(), "url_prefix": "/city-brain", "name": "城市大脑医院接口"},
    ]
    external_views = [{"name": "接口健康", "href": "/hisbridge-health/", "destination": "nav",
                       "category": "hisbridge", "url_route": "hisbridge-health"},
                      {"name": "告警", "href": "/hisbridge-alerts/", "destination": "nav",
                       "category": "hisbridge", "url_route": "hisbridge-alerts"},
                      {"name": "投递台账", "href": "/hisbridge/ledger/", "destination": "nav",
                       "category": "hisbridge", "url_route": "hisbridge-ledger"}]
