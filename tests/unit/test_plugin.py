"""The Airflow plugin serves the ledger pages and the 医保 gateway; the gateway is built on first use, not when
Airflow imports the plugin."""

from __future__ import annotations

import importlib
import sys
from unittest import mock


def test_plugin_mounts_the_ledger_pages_and_the_gateway_without_building_it() -> None:
    sys.modules.pop("hisbridge.plugin", None)
    with mock.patch("hisbridge.platforms.hsa.gateway.wiring.gateway_from_airflow",
                    side_effect=AssertionError("built at import")) as build:
        plugin = importlib.import_module("hisbridge.plugin")
    build.assert_not_called()
    apps = {app["url_prefix"]: app["app"] for app in plugin.HisbridgePlugin.fastapi_apps}
    assert set(apps) == {"/hisbridge", "/hisbridge-health", "/hisbridge-alerts", "/hsa-gateway", "/mutual", "/city-brain"}
    assert {"/", "/metrics"} <= {route.path for route in apps["/hisbridge-health"].routes}
    alerts = {route.path: route.methods for route in apps["/hisbridge-alerts"].routes if hasattr(route, "methods")}
    assert {"/", "/{incident_id}"} <= set(alerts)
    # the one change an operator makes there: acknowledging (认领) an incident, for those who may act
    assert {path for path, methods in alerts.items() if not methods <= {"GET", "HEAD"}} == {"/{incident_id}/ack"}
    paths = {route.path for route in apps["/hsa-gateway"].routes}
    assert {"/hsa/v1/2207", "/hsa/v1/2304", "/hsa/v1/health"} <= paths
