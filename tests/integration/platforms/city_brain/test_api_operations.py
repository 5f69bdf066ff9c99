# ruff: noqa: F811 - the rig's fixtures are imported from api_support and taken by name
"""What operators see of the API: one journal entry per call without personal data or rows, the health check
with the pushes' queue, the Prometheus metrics (parsed by ``prometheus_client``), a HIS that is down, and logs
without personal data."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, insert

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from tests.integration.platforms.city_brain.api_support import (  # noqa: F401 - fixtures by name
    ID_CARD,
    NAME,
    PHONE,
    Rig,
    anyio_backend,
    his_db,
    ledger,
    make_service,
    open_rig,
    rig,
)
from tests.integration.platforms.city_brain.api_support import request as signed

pytestmark = pytest.mark.anyio


async def test_every_call_is_journalled_without_personal_data_or_rows(rig: Rig, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    found = await rig.call("patientProfile", {"idCardType": "01", "idCardNo": ID_CARD})
    assert found.json()["code"] == "0" and found.json()["data"]["patientName"] == NAME
    listed = await rig.call("departments", {"pageSize": 2})
    for answer, operation, rows in ((found, "patientProfile", 1), (listed, "departments", 2)):
        entry = rig.journal(answer.headers["x-request-id"])
        assert (entry["operation"], entry["caller"], entry["outcome"], entry["http_status"]) == (
            operation, "cb01", "ok", 200)
        assert entry["duration_ms"] is not None and entry["err_msg"] is None
        summary = orjson.loads(entry["response"])
        assert summary == {"code": "0", "rows": rows, "total": None if rows == 1 else 5,
                           "bytes": len(answer.content)}
        for personal in (NAME, ID_CARD, PHONE, "南昌市东湖区"):
            assert personal not in entry["request"] and personal not in entry["response"]
    kept = orjson.loads(rig.journal(found.headers["x-request-id"])["request"])
    assert set(kept) == {"appId", "timestamp", "nonce", "signType", "bizContent"}
    assert kept["bizContent"]["idCardNo"] == "360*************11"
    for personal in (NAME, ID_CARD, PHONE):
        assert personal not in caplog.text


async def test_a_call_about_a_patient_is_found_by_the_patient(rig: Rig) -> None:
    answer = await rig.call("patientProfile", {"patientId": "P0002"})
    assert rig.journal(answer.headers["x-request-id"])["business_ref"] == "P0002"


@pytest.fixture
def planted_pushes(ledger: Ledger):
    """Records of the push feeds as the push DAG leaves them: one waiting an hour, one quarantined for 10 minutes,
    one delivered, and a record of another platform's feed that must not count."""
    now = datetime.now(UTC)
    rows = [("city_brain_push_events", "REGISTERED:R1", s.PENDING, now - timedelta(hours=1)),
            ("city_brain_push_events", "CHARGED:B7", s.QUARANTINED, now - timedelta(minutes=10)),
            ("city_brain_push_events", "CHARGED:B8", s.ACKNOWLEDGED, now - timedelta(days=2)),
            ("mutual_lab_report", "L1", s.PENDING, now - timedelta(days=3))]
    t = s.delivery_record
    with ledger.engine.begin() as conn:
        conn.execute(insert(t), [{"feed": f, "business_key": k, "platform": f.split("_")[0], "state": st,
                                  "content_hash": "h", "payload": "{}", "attempts": 0, "first_seen_at": at,
                                  "updated_at": at} for f, k, st, at in rows])
    yield
    with ledger.engine.begin() as conn:
        conn.execute(delete(t))


async def test_health_reports_the_his_the_ledger_and_the_oldest_unsent_push(rig: Rig, planted_pushes) -> None:
    answer = await rig.call("health")
    assert answer.status_code == 200 and answer.json()["code"] == "0"
    data = answer.json()["data"]
    assert data["status"] == "UP"
    assert data["his"]["status"] == "UP" and data["his"]["latencyMs"] >= 0
    assert data["ledger"]["status"] == "UP"
    assert data["pushes"]["unsent"] == 2
    assert 3600 <= data["pushes"]["oldestAgeSeconds"] < 3700
    assert len(data["pushes"]["oldestAt"]) == 19 and len(data["checkedAt"]) == 19


async def test_health_is_signed_like_every_endpoint(rig: Rig) -> None:
    assert (await rig.post("health", signed("cb01", {}, secret="a-guessed-secret-0123456789"))).json()["code"] \
        == "1002"


async def test_metrics_parse_as_prometheus_text(rig: Rig, planted_pushes) -> None:
    await rig.call("departments", {"pageSize": 2})
    await rig.call("departments", {"pageSize": 2})
    await rig.call("staff")
    await rig.post("departments", signed("cb01", {}, secret="a-guessed-secret-0123456789"))
    await rig.call("patientProfile", {"patientId": "P9999"})
    answer = await rig.http.get("/city-brain/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    requests = {(x.labels["endpoint"], x.labels["code"]): x.value
                for x in families["hisbridge_city_brain_requests"].samples}
    assert requests == {("departments", "0"): 2, ("departments", "1002"): 1, ("staff", "0"): 1,
                        ("patientProfile", "2004"): 1}
    refusals = {x.labels["code"]: x.value for x in families["hisbridge_city_brain_refusals"].samples}
    assert refusals == {"1002": 1}
    value = {f.name: f.samples[0].value for f in families.values() if len(f.samples) == 1}
    assert value["hisbridge_city_brain_his_up"] == 1 and value["hisbridge_city_brain_ledger_up"] == 1
    assert value["hisbridge_city_brain_unsent_pushes"] == 2
    assert 3600 <= value["hisbridge_city_brain_oldest_unsent_push_age_seconds"] < 3700
    timing = {(x.name, x.labels["endpoint"]): x.value for x in families["hisbridge_city_brain_request_seconds"].samples}
    assert timing[("hisbridge_city_brain_request_seconds_count", "departments")] == 3


async def test_metrics_are_not_for_everyone(rig: Rig) -> None:
    answer = await rig.http.get("/city-brain/metrics")
    assert answer.status_code == 200
    outside = httpx.AsyncClient(transport=httpx.ASGITransport(app=rig.app, client=("8.8.8.8", 1)),
                                base_url="http://hospital.local")
    async with outside:
        assert (await outside.get("/city-brain/metrics")).status_code == 403


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def his_down_rig(ledger: Ledger) -> AsyncIterator[Rig]:
    down = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/his", pool_pre_ping=False)
    async for made in open_rig(make_service(ledger, down)):
        yield made
    down.dispose()


async def test_a_his_that_is_down_is_5003_and_health_says_so(his_down_rig: Rig, caplog) -> None:
    answer = await his_down_rig.call("departments")
    assert answer.status_code == 503 and answer.json()["code"] == "5003"
    assert answer.json()["message"] == "HIS 暂不可用：请稍后重试"
    assert "the HIS could not be read (OperationalError)" in caplog.text
    health = (await his_down_rig.call("health")).json()
    assert health["code"] == "0" and health["data"]["status"] == "DOWN"
    assert health["data"]["his"] == {"status": "DOWN", "latencyMs": None} and health["data"]["ledger"]["status"] == "UP"
    metrics = (await his_down_rig.http.get("/city-brain/metrics")).text
    assert "hisbridge_city_brain_his_up 0" in metrics


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_a_nonce_is_new_once_per_caller_and_forgotten_after_its_window(database: str, request, his_db) -> None:
    url = request.getfixturevalue("pg_url" if database == "postgresql" else "sqlite_url")
    now = [datetime(2026, 11, 24, 8, 0, tzinfo=UTC)]
    nonces = Ledger(make_engine(url), clock=lambda: now[0])
    nonces.ensure_schema()
    try:
        assert nonces.remember_nonce("city_brain", "cb01", "n0123456789abcdef", 600)
        assert not nonces.remember_nonce("city_brain", "cb01", "n0123456789abcdef", 600)  # a replay
        assert nonces.remember_nonce("city_brain", "cb02", "n0123456789abcdef", 600)  # another caller's
        assert nonces.remember_nonce("other_api", "cb01", "n0123456789abcdef", 600)  # another service's
        now[0] += timedelta(seconds=601)
        assert not nonces.remember_nonce("city_brain", "cb01", "n0123456789abcdef", 600)  # purged once a minute
        nonces._nonces_purged.clear()  # a minute later
        assert nonces.remember_nonce("city_brain", "cb01", "n0123456789abcdef", 600)  # purged: new again
    finally:
        nonces.engine.dispose()


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_unsent_counts_the_waiting_records_of_the_push_feeds(database: str, request) -> None:
    url = request.getfixturevalue("pg_url" if database == "postgresql" else "sqlite_url")
    queue = Ledger(make_engine(url))
    queue.ensure_schema()
    try:
        assert queue.unsent("city_brain_push") == (0, None)
        at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        with queue.engine.begin() as conn:
            conn.execute(insert(s.delivery_record), [
                {"feed": feed, "business_key": key, "platform": "city_brain", "state": state, "content_hash": "h",
                 "payload": "{}", "attempts": 0, "first_seen_at": at + timedelta(minutes=n), "updated_at": at}
                for n, (feed, key, state) in enumerate([
                    ("city_brain_push_events", "A", s.UNKNOWN), ("city_brain_push_events", "B", s.PENDING),
                    ("city_brain_push_events", "C", s.SENT), ("city_brain_history", "D", s.PENDING)])])
        assert queue.unsent("city_brain_push") == (2, at)
    finally:
        queue.engine.dispose()
