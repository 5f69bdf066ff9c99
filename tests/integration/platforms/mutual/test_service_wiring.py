# ruff: noqa: F811 - the rig's fixtures are imported from service_support and taken by name
"""The service as production builds it from Airflow's connections (the plugin mount and ``mutual serve``), the
resend DAG's entry point, and the command line (tokens, DDL)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy.engine import make_url

from hisbridge.platforms.hsa.gateway.tokens import token_hash
from hisbridge.platforms.mutual.service import cli, wiring
from hisbridge.platforms.mutual.service.service import WorkstationService

from .service_support import (  # noqa: F401 - fixtures
    DOCTOR,
    PATIENT,
    SECRET,
    VISIT,
    anyio_backend,
    his_db,
    ledger,
    sim,
)

pytestmark = pytest.mark.anyio


def _pg(url) -> str:
    u = make_url(url) if isinstance(url, str) else url.url
    return json.dumps({"conn_type": "postgres", "host": u.host, "port": u.port, "login": u.username,
                       "schema": u.database})


@pytest.fixture
def airflow(monkeypatch, sim, his_db, ledger):
    monkeypatch.setenv("AIRFLOW_CONN_MUTUAL_RECOGNITION", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http",
        "extra": {"org_code": "360102001", "query_timeout_s": 5}}))  # wiring, not latency: no tight timeout
    monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", _pg(his_db))
    monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", _pg(ledger.engine))
    monkeypatch.setenv("AIRFLOW_CONN_MUTUAL_WORKSTATION", json.dumps({
        "conn_type": "generic", "password": SECRET, "extra": {"reminder_budget_ms": 5000}}))
    wiring.ledger_from_airflow.cache_clear()
    yield
    wiring.ledger_from_airflow.cache_clear()


async def test_the_app_built_from_airflow_connections_answers_reminders_and_links(airflow, ledger, capsys) -> None:
    assert cli.main(["token", "--url", ledger.engine.url.render_as_string(hide_password=False),
                     "add", "门诊医生工作站"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert ledger.token_caller(WorkstationService.SERVICE, token_hash(token)) == "门诊医生工作站"
    assert cli.FACTORY == "hisbridge.platforms.mutual.service.wiring:standalone_app_from_airflow"

    app = wiring.standalone_app_from_airflow()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://h") as http:
            headers = {"Authorization": f"Bearer {token}"}
            answer = await http.post("/mutual/api/v1/reminders/visit", headers=headers,
                                     json={"patientId": PATIENT, "visitId": VISIT, "doctorId": DOCTOR})
            assert answer.status_code == 200 and answer.json()["status"] == "ok", answer.text
            link = (await http.post("/mutual/api/v1/page-link", headers=headers, json={
                "patientId": PATIENT, "visitId": VISIT, "doctorId": DOCTOR})).json()["url"]
            assert (await http.get(link)).status_code == 200
            assert (await http.get("/mutual/api/v1/health")).json() == {"status": "ok"}
            docs = (await http.get("/mutual/openapi.json")).json()
            summaries = {op["summary"] for path in docs["paths"].values() for op in path.values()}
            assert {"接诊提醒", "开单提醒", "获取互认页面链接", "不互认（上传互认记录，须选原因）"} <= summaries


def test_without_a_ticket_secret_the_service_names_the_connection_to_create(airflow, monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_MUTUAL_WORKSTATION")
    with pytest.raises(ValueError, match="mutual_workstation.*page_auth"):
        wiring.service_from_airflow()
    monkeypatch.setenv("AIRFLOW_CONN_MUTUAL_WORKSTATION", json.dumps({"conn_type": "generic",
                                                                      "extra": {"page_auth": "none"}}))
    service = wiring.service_from_airflow()
    try:
        assert service.settings.page_auth == "none"
    finally:
        service.close()


def test_the_resend_entry_point_sends_what_the_outbox_holds(airflow, ledger, sim) -> None:
    from datetime import UTC, datetime, timedelta

    from hisbridge.ledger.store import JournalEntry
    from simulators.mutual import samples

    record = samples.record("uploadReminderRecords")
    ledger.journal(JournalEntry(platform="mutual", operation="uploadReminderRecords", direction="out",
                                outcome="not_sent", started_at=datetime.now(UTC) - timedelta(hours=1),
                                request=json.dumps([record], ensure_ascii=False)))
    assert wiring.resend_from_airflow() == {"acknowledged": 1}
    assert [r.key for r in sim.state.record_list("reminder")] == [record["remindId"]]


def test_the_ddl_command_prints_the_his_side_tables(capsys) -> None:
    assert cli.main(["ddl", "--dialect", "oracle"]) == 0
    script = capsys.readouterr().out
    assert "CREATE TABLE mutual_quoted_report" in script and "CREATE TABLE mutual_quoted_result" in script
    assert "COMMENT ON COLUMN mutual_quoted_report.quote_id" in script and "CLOB" in script
