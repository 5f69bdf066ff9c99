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


def _app():
    # Plugin apps are not behind Airflow's login by themselves: require an authenticated user (the UI's cookie or
    # an API token), as Airflow's own routes do; re-queueing also needs the right to edit DAG runs.
    from airflow.api_fastapi import app as airflow_app
    from airflow.api_fastapi.core_api.security import get_user, requires_authenticated
    from fastapi import Depends, HTTPException

    logged_in = Depends(get_user)  # a default: string annotations could not see this function's imports

    def editor(user=logged_in) -> str:
        if not airflow_app.get_auth_manager().is_authorized_dag(method="PUT", user=user):
            raise HTTPException(403, "re-queueing needs permission to edit DAG runs")
        return user.get_name()

    return create_ledger_app(_ledger, dependencies=[Depends(requires_authenticated())], current_user=editor)


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
        # small sites: the 医保 real-time gateway in Airflow's API server (production: `gateway serve`, own workers)
        {"app": _gateway_app(), "url_prefix": "/hsa-gateway", "name": "医保实时网关"},
        # 检查检验互认: reminders for the workstations and the 互认 page (production: `mutual serve`, own workers)
        {"app": _mutual_app(), "url_prefix": "/mutual", "name": "检查检验互认工作站服务"},
        # 城市大脑·先诊疗后付费: the hospital-side API (production: `city-brain serve`, own workers)
        {"app": _city_brain_app(), "url_prefix": "/city-brain", "name": "城市大脑医院接口"},
    ]
    external_views = [{"name": "投递台账", "href": "/hisbridge/ledger/", "destination": "nav",
                       "category": "hisbridge", "url_route": "hisbridge-ledger"}]
