"""The 预约信息 and 挂号信息 uploads end to end on real PostgreSQL, to the in-process platform simulator, as
dags/mutual_appointments.py and dags/mutual_registrations.py run them (day-1, the day's changes replayed, day, then
both windows again — feeds_support.py).

Checked: everything acknowledged is on the platform and nothing else; a re-run sends nothing; every change of an
appointment or a registration is re-sent over the one the platform holds (upsert by BusinessNo) — the planted
预约挂号 booked on day-1 and cancelled (退号) on day is version 2 there, cancelled, with its cancel time.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from hisbridge.ledger import schema as ls

from .feeds_support import DAY, PREV, VISIT_PASSES, Delivery, His, deliver, demo_his

FEEDS = ("mutual_appointment", "mutual_registration")


@pytest.fixture(scope="module")
def his(pg_module_url) -> Iterator[His]:
    with demo_his(pg_module_url) as h:
        yield h


@pytest.fixture(scope="module")
def delivery(his: His) -> Iterator[Delivery]:
    with deliver(his, VISIT_PASSES) as d:
        yield d


@pytest.mark.parametrize("feed", FEEDS)
def test_every_acknowledged_record_is_on_the_platform_and_nothing_else(delivery: Delivery, feed: str) -> None:
    acknowledged = delivery.acknowledged(feed)
    assert acknowledged and delivery.live(feed) == acknowledged
    assert not delivery.ledger.records(feed, states=[ls.QUARANTINED, ls.REJECTED, ls.UNKNOWN, ls.PENDING])


@pytest.mark.parametrize("feed", FEEDS)
def test_each_window_delivers_its_records(delivery: Delivery, feed: str) -> None:
    for runs in (delivery.prev, delivery.day):
        assert runs[feed].acknowledged > 0 and runs[feed].rejected == runs[feed].quarantined == 0, runs[feed]


@pytest.mark.parametrize("feed", FEEDS)
def test_a_rerun_of_both_windows_sends_nothing(delivery: Delivery, feed: str) -> None:
    reruns = {k: x for k, x in delivery.rerun.items() if k.endswith(f" {feed}")}
    assert len(reruns) == 2
    for name, summary in reruns.items():
        assert summary.selected and summary.skipped == summary.selected and summary.messages == 0, (name, summary)


def test_the_cancelled_booking_replaces_the_booked_one(delivery: Delivery) -> None:
    e = delivery.his.mutual.edge_cases
    appt = delivery.row("mutual_appointment", e.appointment_cancelled)
    assert appt is not None and appt.versions == 2
    assert (appt.data["AppointStatus"], appt.data["AppointType"], appt.data["AppointChannel"]) == ("2", "1", "3")
    assert appt.data["CancelTime"].startswith(DAY.isoformat())
    assert appt.data["AppointTime"].startswith(PREV.isoformat())
    reg = delivery.row("mutual_registration", e.registration_cancelled)
    assert reg is not None and reg.versions == 2
    assert (reg.data["RegStatus"], reg.data["AppointMark"]) == ("2", "1") and reg.data["CancelTime"]
    sent = [(r["AppointStatus"], r.get("CancelTime")) for x in delivery.sim.state.journal_entries("uploadAppointment")
            for r in x["request"]["data"] if r["BusinessNo"] == e.appointment_cancelled]  # fmt: skip
    assert [status for status, _ in sent] == ["1", "2"] and sent[0][1] is None


def test_each_appointment_ends_on_the_platform_in_its_his_state(delivery: Delivery) -> None:
    with delivery.his.engine.connect() as conn:
        his = dict(conn.execute(text("SELECT appt_id, status FROM appointment WHERE updated_at >= :t"),
                                {"t": f"{PREV.isoformat()} 00:00:00"}).all())  # the demo days' windows
    wire = {"booked": "1", "cancelled": "2", "attended": "3", "missed": "4"}
    on_platform = {k: delivery.row("mutual_appointment", k).data["AppointStatus"]  # type: ignore[union-attr]
                   for k in delivery.live("mutual_appointment")}  # fmt: skip
    assert on_platform == {k: wire[v] for k, v in his.items()}
    assert set(on_platform.values()) == {"1", "2", "3", "4"}
    exam = [delivery.row("mutual_appointment", k).data for k, v in on_platform.items()  # type: ignore[union-attr]
            if delivery.row("mutual_appointment", k).data["AppointType"] == "2"]  # type: ignore[union-attr]
    assert exam and all(x["ItemCode"].startswith("E") and x["ItemName"] for x in exam)


def test_registrations_of_the_demo_days_carry_their_status(delivery: Delivery) -> None:
    with delivery.his.engine.connect() as conn:
        his = dict(conn.execute(text("SELECT reg_id, status FROM registration WHERE updated_at >= :t"),
                                {"t": f"{PREV.isoformat()} 00:00:00"}).all())  # fmt: skip
    live = delivery.live("mutual_registration")
    assert set(his) <= live
    for reg_id, status in his.items():
        assert delivery.row("mutual_registration", reg_id).data["RegStatus"] == (  # type: ignore[union-attr]
            "1" if status == "normal" else "2"), reg_id
