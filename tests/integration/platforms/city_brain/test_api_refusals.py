# ruff: noqa: F811 - the rigs' fixtures are imported from demo_support and taken by name
"""Every endpoint refuses the five attacks the issue names — a bad signature, a replayed nonce, a timestamp out of
the window, a caller over its rate, an address outside the allow-list — with its code and HTTP status, journalled
under that endpoint, and with nothing read from the HIS (PostgreSQL demo data; each call is otherwise valid, so the
refusal is the guard's and not the parameters')."""

from __future__ import annotations

import time
from typing import Any

import pytest

from hisbridge.platforms.city_brain import catalogue
from hisbridge.platforms.city_brain.service import HEALTH
from tests.integration.platforms.city_brain.api_support import Rig, request
from tests.integration.platforms.city_brain.demo_support import (  # noqa: F401 - fixtures by name
    Demo,
    anyio_backend,
    day_range,
    demo,
    demo_ledger,
    demo_rig,
)

pytestmark = pytest.mark.anyio
PATHS = [*catalogue.ENDPOINTS, HEALTH]


def valid_biz(demo: Demo, path: str) -> dict[str, Any]:
    """Parameters the endpoint accepts, from the planted journey (a stay for the inpatient ones); a new endpoint
    fails every test here (KeyError) until it is added."""
    edge = demo.edge
    patient, days = {"patientId": edge.journey_patient}, day_range()
    stay = demo.rows("SELECT adm_id FROM clinical_order WHERE adm_id IS NOT NULL ORDER BY adm_id")[0]["adm_id"]
    by_path: dict[str, dict[str, Any]] = {
        "departments": {}, "staff": {"role": "doctor"}, "patientProfile": patient,
        "registrations": patient | days, "cancelledRegistrations": days, "queueInfo": {"regId": edge.journey_registration},
        "scheduleStops": days, "selfCheckins": patient | days, "visitRegistrations": patient | days,
        "admissions": patient | days, "outpatientOrders": {"regId": edge.journey_registration},
        "medtechRegistrations": patient | days, "inpatientOrders": {"admId": stay},
        "prescriptions": {"regId": edge.journey_registration}, "reportConfirmations": patient | days,
        "examReports": patient | days, "labReports": patient | days, "chargeConfirmations": patient | days,
        "refunds": patient | days, "outpatientInvoices": patient | days, "inpatientInvoices": {"admId": stay},
        "inpatientFees": {"admId": stay}, "outpatientPaymentDetail": {"billNo": edge.journey_bill},
        "medicalRecords": patient | days, "medicalRecordDetail": {"recordType": "01", "recordId": edge.journey_note},
        "allergies": patient, HEALTH: {},
    }
    return by_path[path]


async def _refused(rig: Rig, answer, path: str, code: str, status: int = 200, caller: str = "cb01") -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code and body["data"] is None and body["message"], body
    assert rig.counter.count == 0, f"{path}: the HIS was read: {rig.counter.statements}"
    entry = rig.journal(answer.headers["x-request-id"])
    assert (entry["operation"], entry["outcome"], entry["caller"]) == (path, code, caller)


@pytest.mark.parametrize("path", PATHS)
async def test_a_bad_signature(demo_rig: Rig, demo: Demo, path: str) -> None:
    sent = request("cb01", valid_biz(demo, path))
    sent["sign"] = ("0" if sent["sign"][0] != "0" else "1") + sent["sign"][1:]
    demo_rig.counter.reset()
    await _refused(demo_rig, await demo_rig.post(path, sent), path, "1002")


@pytest.mark.parametrize("path", PATHS)
async def test_a_replayed_nonce(demo_rig: Rig, demo: Demo, path: str) -> None:
    sent = request("cb01", valid_biz(demo, path))
    first = (await demo_rig.post(path, sent)).json()
    assert first["code"] == "0", first  # the same request was good the first time
    demo_rig.counter.reset()
    await _refused(demo_rig, await demo_rig.post(path, sent), path, "1004")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("skew_s", [-400, 400])
async def test_a_timestamp_out_of_the_window(demo_rig: Rig, demo: Demo, path: str, skew_s: int) -> None:
    sent = request("cb01", valid_biz(demo, path), timestamp_ms=int((time.time() + skew_s) * 1000))
    demo_rig.counter.reset()
    await _refused(demo_rig, await demo_rig.post(path, sent), path, "1003")


@pytest.mark.parametrize("path", PATHS)
async def test_a_caller_over_its_rate(demo_rig: Rig, demo: Demo, path: str) -> None:
    biz = valid_biz(demo, path)
    for _ in range(2):  # "slow" has a burst of 2 and half a token a second
        assert (await demo_rig.call(path, biz, app_id="slow")).json()["code"] == "0"
    demo_rig.counter.reset()
    answer = await demo_rig.call(path, biz, app_id="slow")
    await _refused(demo_rig, answer, path, "1007", status=429, caller="slow")
    assert int(answer.headers["retry-after"]) >= 1


@pytest.mark.parametrize("path", PATHS)
async def test_a_caller_outside_the_allow_list(demo_rig: Rig, demo: Demo, path: str) -> None:
    sent = request("cb01", valid_biz(demo, path))
    demo_rig.counter.reset()
    answer = await demo_rig.post(path, sent, client=("10.9.9.9", 40000))
    await _refused(demo_rig, answer, path, "1006")
