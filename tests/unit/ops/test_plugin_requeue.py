"""The plugin's re-queue button: only for users who may edit DAG runs, and it records their name."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger, LedgerItem, RunContext, dumps


@dataclass
class FakeUser:
    name: str

    def get_name(self) -> str:
        return self.name


class FakeAuthManager:
    def __init__(self, allowed: bool) -> None:
        self.allowed = allowed

    def is_authorized_dag(self, *, method, user, access_entity=None, details=None) -> bool:
        return self.allowed and method == "PUT"


@pytest.fixture
def plugin_app(monkeypatch, sqlite_url):
    path = sqlite_url.removeprefix("sqlite:///")
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({"conn_type": "sqlite", "host": path}))
    from airflow.api_fastapi.core_api.security import get_user

    from hisbridge import plugin

    plugin._ledger.cache_clear()
    ledger = Ledger(make_engine(sqlite_url))
    ledger.ensure_schema()
    ledger.settle("hsa_trace_sale", "hsa", [LedgerItem("K1", "h" * 64, dumps({"k": 1}), reason="追溯码已销售")],
                  s.REJECTED, RunContext(run_id="r"))
    app = plugin._app()
    app.dependency_overrides[get_user] = lambda: FakeUser("药剂科-王工")
    yield app, ledger
    plugin._ledger.cache_clear()


@pytest.mark.parametrize("allowed", [True, False])
def test_requeue_is_for_editors_and_names_them(plugin_app, monkeypatch, allowed) -> None:
    import airflow.api_fastapi.app as airflow_app

    monkeypatch.setattr(airflow_app, "get_auth_manager", lambda: FakeAuthManager(allowed))
    app, ledger = plugin_app
    rid = ledger.lookup("hsa_trace_sale", ["K1"])["K1"].id
    client = TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"})
    page = client.get(f"/ledger/records/{rid}").text
    assert ("重新排队</button>" in page) is allowed  # a viewer sees the record, not the button
    token = re.search(r"name=form_token value='([^']+)'", page)
    resp = client.post(f"/ledger/records/{rid}/requeue",
                       data={"reason": "已与药房核对", "form_token": token.group(1) if token else ""})
    state = ledger.lookup("hsa_trace_sale", ["K1"])["K1"].state
    if allowed:
        assert resp.status_code == 303 and state == s.PENDING
        trail = ledger.events(rid)
        assert [(e["from_state"], e["to_state"], e["actor"]) for e in trail][-1] == (s.REJECTED, s.PENDING, "药剂科-王工")
    else:
        assert resp.status_code == 403 and state == s.REJECTED
        assert resp.headers["content-type"].startswith("text/html") and "没有权限" in resp.text
