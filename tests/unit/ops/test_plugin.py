"""The Airflow plugin as Airflow loads it: a fresh interpreter with ``plugins/`` as the plugins folder.

Airflow imports every ``.py`` under the plugins folder as a top-level module named after its file, so without
``plugins/.airflowignore`` ``hisbridge/logging.py`` would become ``sys.modules["logging"]``. And the API server
creates the plugin at start-up, before any connection need exist: the ledger is only reached on a request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PLUGINS = ROOT / "plugins"

PROBE = textwrap.dedent(
    """
    import json, os, sys, sysconfig
    from pathlib import Path

    import hisbridge.ledger.store as store

    built = []  # every Ledger constructed in this process
    _init = store.Ledger.__init__
    def _counting_init(self, *args, **kwargs):
        built.append(1)
        _init(self, *args, **kwargs)
    store.Ledger.__init__ = _counting_init

    from airflow import plugins_manager
    from airflow.api_fastapi.app import init_plugins
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    plugins, errors = plugins_manager._get_plugins()
    apps, _middlewares = plugins_manager.get_fastapi_plugins()
    views, _react_apps = plugins_manager._get_ui_plugins()
    api = FastAPI()
    init_plugins(api)  # what the API server does, reserved-prefix checks included

    plugins_dir = Path(os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"]).resolve()
    stray = sorted(  # modules imported from plugins/hisbridge under a name that is not hisbridge.*
        name for name, mod in list(sys.modules.items())
        if getattr(mod, "__file__", None) and Path(mod.__file__).resolve().is_relative_to(plugins_dir / "hisbridge")
        and not name.startswith("hisbridge")
    )
    report = {
        "plugins": [p.name for p in plugins],
        "sources": [str(p.source) for p in plugins],
        "errors": errors,
        "apps": [{k: v for k, v in a.items() if k != "app"} for a in apps],
        "mounted": [getattr(r, "path", None) for r in api.routes],
        "views": views,
        "logging_file": sys.modules["logging"].__file__,
        "stdlib": sysconfig.get_paths()["stdlib"],
        "stray_modules": stray,
        "conn_env": "AIRFLOW_CONN_HISBRIDGE_DB" in os.environ,
        "ledgers_at_load": len(built),
        "hooks_imported_at_load": "hisbridge.hooks" in sys.modules,
    }

    # First request: only now is the connection read and the ledger built.
    ledger_db = Path(sys.argv[1])
    report["ledger_db_before_request"] = ledger_db.exists()
    os.environ["AIRFLOW_CONN_HISBRIDGE_DB"] = json.dumps({"conn_type": "sqlite", "host": str(ledger_db)})
    hisbridge_app = next(a["app"] for a in apps if a["url_prefix"] == "/hisbridge")
    client = TestClient(hisbridge_app)
    report["anonymous_request"] = client.get("/ledger/api/summary").status_code
    alerts_app = next(a["app"] for a in apps if a["url_prefix"] == "/hisbridge-alerts")
    report["alerts_anonymous_request"] = TestClient(alerts_app).get("/").status_code
    report["ledgers_after_anonymous"] = len(built)
    # a logged-in user, as Airflow's auth manager would resolve the UI cookie or an API token
    from airflow.api_fastapi.core_api.security import get_user
    hisbridge_app.dependency_overrides[get_user] = lambda: object()
    resp = client.get("/ledger/api/summary")
    report["first_request"] = [resp.status_code, resp.json()]
    report["ledgers_after_request"] = len(built)
    report["ledger_db_after_request"] = ledger_db.exists()
    print("REPORT " + json.dumps(report, ensure_ascii=False))
    """
)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict:
    """Load Airflow's plugins in a new interpreter (no hisbridge_db connection) and report what it saw."""
    tmp = tmp_path_factory.mktemp("plugin")
    probe = tmp / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "PYTHONPATH"))}
    env.update({
        "AIRFLOW_HOME": os.environ["AIRFLOW_HOME"],  # the tests' own (tests/conftest.py)
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": os.pathsep.join([str(PLUGINS), str(ROOT)]),
    })
    proc = subprocess.run([sys.executable, str(probe), str(tmp / "ledger.db")], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=180)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("REPORT ")]
    assert proc.returncode == 0 and lines, f"probe failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1].removeprefix("REPORT "))


def test_exactly_one_hisbridge_plugin_loads_without_import_errors(loaded) -> None:
    assert loaded["errors"] == {}
    assert loaded["plugins"].count("hisbridge") == 1
    assert loaded["sources"][loaded["plugins"].index("hisbridge")] == "$PLUGINS_FOLDER/hisbridge_plugin.py"


def test_the_ledger_app_is_mounted_under_hisbridge(loaded) -> None:
    ours = [a for a in loaded["apps"] if a["url_prefix"] == "/hisbridge"]
    assert len(ours) == 1 and "投递台账" in ours[0]["name"]
    assert "/hisbridge" in loaded["mounted"]


def test_the_nav_link_has_a_chinese_name_and_a_url_route(loaded) -> None:
    (view,) = [v for v in loaded["views"] if v.get("href", "").startswith("/hisbridge/")]
    assert view["name"] == "投递台账" and view["url_route"] == "hisbridge-ledger"
    assert view["href"] == "/hisbridge/ledger/" and view["destination"] == "nav"


def test_the_alert_page_is_mounted_with_a_nav_link_behind_the_login(loaded) -> None:
    ours = [a for a in loaded["apps"] if a["url_prefix"] == "/hisbridge-alerts"]
    assert len(ours) == 1 and "告警" in ours[0]["name"] and "/hisbridge-alerts" in loaded["mounted"]
    (view,) = [v for v in loaded["views"] if v.get("href") == "/hisbridge-alerts/"]
    assert (view["name"], view["url_route"], view["destination"]) == ("告警", "hisbridge-alerts", "nav")
    assert loaded["alerts_anonymous_request"] == 401
    assert loaded["ledgers_after_anonymous"] == 0


def test_airflowignore_keeps_the_package_out_of_the_plugin_loader(loaded) -> None:
    assert Path(loaded["logging_file"]).is_relative_to(loaded["stdlib"])
    assert loaded["stray_modules"] == []


def test_creating_the_plugin_connects_to_no_database(loaded) -> None:
    assert loaded["conn_env"] is False  # no hisbridge_db connection exists while the plugin loads
    assert loaded["ledgers_at_load"] == 0 and loaded["hooks_imported_at_load"] is False
    assert loaded["ledger_db_before_request"] is False


def test_the_ledger_pages_require_a_logged_in_user(loaded) -> None:
    assert loaded["anonymous_request"] == 401
    assert loaded["ledgers_after_anonymous"] == 0


def test_the_first_request_builds_the_ledger_from_the_connection(loaded) -> None:
    assert loaded["first_request"] == [200, {}]
    assert loaded["ledgers_after_request"] == 1 and loaded["ledger_db_after_request"] is True
