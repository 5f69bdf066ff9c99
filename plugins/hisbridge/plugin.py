"""The Airflow plugin: the ledger pages as a FastAPI app on the API server, linked from the UI's navigation."""

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
    # an API token), as Airflow's own routes do.
    from airflow.api_fastapi.core_api.security import requires_authenticated
    from fastapi import Depends

    return create_ledger_app(_ledger, dependencies=[Depends(requires_authenticated())])


class HisbridgePlugin(AirflowPlugin):
    name = "hisbridge"
    fastapi_apps = [{"app": _app(), "url_prefix": "/hisbridge", "name": "hisbridge 投递台账"}]
    external_views = [{"name": "投递台账", "href": "/hisbridge/ledger/", "destination": "nav",
                       "category": "hisbridge", "url_route": "hisbridge-ledger"}]
