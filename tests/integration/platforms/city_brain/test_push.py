"""医院数据推送通知 end to end on PostgreSQL demo data and the city brain's receiver in-process: every event type
arrives once, a re-run sends nothing, a visit's events arrive in the order they happened (the receiver marks none
``late`` but those the HIS dates before their own registration, which must wait for it), an event whose
registration was not pushed waits quarantined and then goes by itself, an unknown outcome is re-sent under a new
nonce and kept once, and nothing names a patient."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.platform import DeliveryHalted, DeliveryMisconfigured
from hisbridge.pipeline.run import RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.city_brain.pushes import PUSH_FEEDS, PushSummary, push_window
from simulators.city_brain.faults import FaultRule
from simulators.city_brain.server import CityBrainSimulatorServer
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

from .push_support import (
    DAYS,
    His,
    day_window,
    demo_his,
    fresh_ledger,
    push_days,
    receiver,
    sender_for,
    settings,
)

FIRST, END = day_window(DAYS[0])[0], day_window(DAYS[-1])[1]
EVENT_TYPES = {f: load_feed_spec(f).options["event_type"] for f in PUSH_FEEDS}

# the HIS rows each event type is made of, counted here independently of the feeds' SQL
EXPECTED_SQL = {
    "REGISTERED": "SELECT COUNT(*) FROM registration WHERE reg_time >= :a AND reg_time < :b",
    "REGISTRATION_CANCELLED": "SELECT COUNT(*) FROM registration WHERE status IN ('cancelled', 'refunded') "
                              "AND cancel_time >= :a AND cancel_time < :b",
    "CHECKED_IN": "SELECT COUNT(*) FROM registration WHERE sign_in_time >= :a AND sign_in_time < :b",
    "ORDERED": "SELECT (SELECT COUNT(*) FROM clinical_order WHERE order_type IN ('W', 'C') AND visit_kind <> 'I' "
               "AND status <> 'voided' AND issue_time >= :a AND issue_time < :b) + (SELECT COUNT(*) FROM "
               "medtech_apply WHERE visit_kind <> 'I' AND status <> 'cancelled' AND apply_time >= :a "
               "AND apply_time < :b)",
    "REPORT_READY": "SELECT (SELECT COUNT(*) FROM lab_report WHERE status = 'reported' AND report_time >= :a "
                    "AND report_time < :b) + (SELECT COUNT(*) FROM exam_report WHERE status = 'reported' "
                    "AND report_time >= :a AND report_time < :b)",
    "CHARGED": "SELECT (SELECT COUNT(*) FROM charge_bill WHERE paid_at >= :a AND paid_at < :b) + (SELECT COUNT(*) "
               "FROM insu_settlement WHERE visit_kind = 'I' AND refd_setl_flag = '0' AND setl_time >= :a "
               "AND setl_time < :b)",
    "REFUNDED": "SELECT (SELECT COUNT(*) FROM charge_refund WHERE refund_time >= :a AND refund_time < :b) + "
                "(SELECT COUNT(*) FROM insu_settlement WHERE visit_kind = 'I' AND refd_setl_flag = '1' "
                "AND setl_time >= :a AND setl_time < :b)",
}
# outpatient events the HIS dates before their own registration: they can only follow it, hence arrive "late"
BEFORE_REGISTRATION_SQL = """
SELECT 'CHARGED:' || b.bill_no FROM charge_bill b JOIN registration r ON r.reg_id = b.reg_id
 WHERE b.paid_at < r.reg_time
UNION ALL SELECT 'ORDERED:' || a.apply_no FROM medtech_apply a JOIN registration r ON r.reg_id = a.reg_id
 WHERE a.apply_time < r.reg_time AND a.status <> 'cancelled'
UNION ALL SELECT 'ORDERED:' || c.order_no FROM clinical_order c JOIN registration r ON r.reg_id = c.reg_id
 WHERE c.issue_time < r.reg_time AND c.order_type IN ('W', 'C') AND c.status <> 'voided'
UNION ALL SELECT 'CHECKED_IN:' || r.reg_id FROM registration r WHERE r.sign_in_time < r.reg_time
UNION ALL SELECT 'REPORT_READY:LIS-' || l.report_id FROM lab_report l JOIN registration r ON r.reg_id = l.reg_id
 WHERE l.report_time < r.reg_time AND l.status = 'reported'
UNION ALL SELECT 'REFUNDED:' || f.refund_no FROM charge_refund f JOIN charge_bill b ON b.bill_no = f.bill_no
 JOIN registration r ON r.reg_id = b.reg_id WHERE f.refund_time < r.reg_time
"""


@pytest.fixture(scope="module")
def his(pg_module_url) -> Iterator[His]:
    with demo_his(pg_module_url) as made:
        yield made


@dataclass
class Delivery:
    his: His
    ledger: Ledger
    sim: CityBrainSimulatorServer
    first: list[PushSummary] = field(default_factory=list)
    rerun: list[PushSummary] = field(default_factory=list)
    journal_after_first: int = 0

    def events(self, **match: str) -> list:
        return self.sim.state.event_list(**match)


@pytest.fixture(scope="module")
def delivery(his) -> Iterator[Delivery]:
    """The demo days pushed once, then pushed again."""
    with fresh_ledger() as ledger, receiver() as sim:
        sender = sender_for(sim)
        out = Delivery(his, ledger, sim)
        out.first = push_days(his.engine, ledger, sender, "first")
        out.journal_after_first = len(sim.state.journal_entries())
        out.rerun = push_days(his.engine, ledger, sender, "rerun")
        yield out
        sender.close()


def test_every_event_type_reaches_the_city_brain_once(delivery) -> None:
    his, state = delivery.his, delivery.sim.state.summary()
    expected = {t: his.values(sql, a=FIRST, b=END)[0] for t, sql in EXPECTED_SQL.items()}
    assert all(n > 0 for n in expected.values()), expected
    assert state["events"]["by_type"] == expected
    assert state["events"]["duplicates"] == 0 and state["events"]["conflicts"] == 0
    assert state["counters"].get("notify_2001", 0) == 0
    for feed, event_type in EVENT_TYPES.items():
        counts = delivery.ledger.counts(feed)[feed]
        assert counts == {ls.ACKNOWLEDGED: expected[event_type]}, (feed, counts)  # nothing left waiting
        acknowledged = {r.business_key for r in delivery.ledger.records(feed, limit=100_000)}
        assert acknowledged == {e.event_id for e in delivery.events(eventType=event_type)}


def test_the_planted_journey_arrives_step_by_step(delivery) -> None:
    edge = delivery.his.edge
    (visit,) = delivery.sim.state.visit_order(visit_id=edge.journey_registration)
    assert visit["late"] == 0
    assert [e["eventId"] for e in visit["events"]] == [
        f"REGISTERED:{edge.journey_registration}", f"CHECKED_IN:{edge.journey_registration}",
        f"ORDERED:{edge.journey_lab_apply}", f"ORDERED:{edge.journey_exam_apply}",
        f"REPORT_READY:LIS-{edge.journey_lab_report}", f"REPORT_READY:PACS-{edge.journey_exam_report}",
        f"ORDERED:{edge.journey_rx_no}", f"CHARGED:{edge.journey_bill}", f"REFUNDED:{edge.journey_refund}"]
    times = [e["occurredAt"] for e in visit["events"]]
    assert times == sorted(times)
    bill = delivery.his.rows("SELECT total_amount, pay_type FROM charge_bill WHERE bill_no = :b", b=edge.journey_bill)[0]
    (charged,) = delivery.events(eventId=f"CHARGED:{edge.journey_bill}")
    assert charged.data["amount"] == f"{bill['total_amount']:.2f}"
    assert charged.data["summary"].endswith("（银联卡先诊疗后付费）") and charged.data["visitType"] == "1"
    (refunded,) = delivery.events(eventId=f"REFUNDED:{edge.journey_refund}")
    refund = delivery.his.values("SELECT refund_amount FROM charge_refund WHERE refund_no = :r", r=edge.journey_refund)
    assert refunded.data["amount"] == f"{refund[0]:.2f}" and refunded.data["summary"].startswith("门诊部分退费")


def test_a_rerun_sends_nothing(delivery) -> None:
    assert len(delivery.sim.state.journal_entries()) == delivery.journal_after_first
    for summary in delivery.rerun:
        for feed, counts in summary.feeds.items():
            assert counts.get("messages", 0) == 0 and counts.get("acknowledged", 0) == 0, (feed, counts)
            assert counts["skipped"] == counts["selected"], (feed, counts)


def test_the_events_of_a_visit_arrive_in_the_order_they_happened(delivery) -> None:
    """The only events the receiver marks late are those the HIS itself dates before their visit's registration:
    they wait for it (its parent) and so arrive after it. Every other visit's events arrive in time order."""
    waited = set(delivery.his.values(BEFORE_REGISTRATION_SQL))
    late = {e.event_id for e in delivery.events() if e.late}
    assert late == waited
    assert len(waited) < 10  # a few oddities of the demo data, not the pusher's order
    for visit in delivery.sim.state.visit_order():
        ids = [e["eventId"] for e in visit["events"]]
        if visit["visitId"].startswith("MZ"):  # an outpatient visit: its registration first, always
            assert ids[0] == f"REGISTERED:{visit['visitId']}", ids
        on_time = [e["occurredAt"] for e in visit["events"] if e["eventId"] not in waited]
        assert on_time == sorted(on_time), visit
    sliced = [s.slices for s in delivery.first]
    assert max(sliced) > 1, "the demo days have visits whose steps interleave: windows were cut"


def test_no_event_names_a_patient(delivery) -> None:
    his = delivery.his
    staff = set(his.values("SELECT name FROM staff"))
    names = {n for n in his.values("SELECT name FROM patient") if n not in staff}
    ids = {v for v in his.values("SELECT id_card_no FROM patient") if v}
    phones = {v for v in his.values("SELECT phone FROM patient") if v}
    values = {v for e in delivery.events() for v in e.data.values() if isinstance(v, str)}
    assert not values & names  # (a two-character name may well sit inside a doctor's: compared whole)
    text = json.dumps([e.data for e in delivery.events()], ensure_ascii=False)
    assert not [v for v in ids | phones if v in text]
    assert not {"patientName", "name", "idCardNo", "phone"} & {k for e in delivery.events() for k in e.data}


# -- waiting, unknown outcomes, refusals: a receiver of their own --------------------------------------------------


@pytest.fixture
def own() -> Iterator[SimpleNamespace]:
    with fresh_ledger() as ledger, receiver() as sim:
        sender = sender_for(sim)
        yield SimpleNamespace(ledger=ledger, sim=sim, sender=sender)
        sender.close()


def _around(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.replace(second=0, microsecond=0) - timedelta(minutes=moment.minute % 2)
    return start, start + timedelta(minutes=2)  # the 2-minute window of the push DAG that holds ``moment``


def test_an_event_whose_registration_was_not_pushed_waits_quarantined_then_goes(his, own) -> None:
    reg = his.edge.journey_registration
    row = his.rows("SELECT reg_time, sign_in_time FROM registration WHERE reg_id = :r", r=reg)[0]
    checked_in = load_feed_spec("city_brain_push_checked_in")
    signed_window = _around(row["sign_in_time"])
    # the sign-in's window pushed before the registration's (as if REGISTERED had been refused or never read)
    summary = run_feed(checked_in, his.engine, own.ledger, own.sender, signed_window,
                       RunSettings(run_id="early", mode="single"))
    record = own.ledger.lookup(checked_in.feed, [f"CHECKED_IN:{reg}"])[f"CHECKED_IN:{reg}"]
    assert record.state == ls.QUARANTINED and summary.messages == 0
    assert record.reason == f"父记录 挂号事件 id=REGISTERED:{reg} 尚未上报城市大脑"
    assert own.sim.state.event_list(visitId=reg) == []
    # the registration's window, pushed later: REGISTERED goes, and the waiting CHECKED_IN follows by itself
    pushed = push_window(his.engine, own.ledger, own.sender, _around(row["reg_time"]), settings("later"))
    assert pushed.feeds["city_brain_push_checked_in"]["windows_retried"] == 1
    record = own.ledger.lookup(checked_in.feed, [f"CHECKED_IN:{reg}"])[f"CHECKED_IN:{reg}"]
    assert record.state == ls.ACKNOWLEDGED
    trail = [(e["from_state"], e["to_state"], e["actor"]) for e in own.ledger.events(record.id)]
    assert (ls.QUARANTINED, ls.PENDING, "city_brain_push") in trail  # re-queued, then sent: on the record's history
    (visit,) = own.sim.state.visit_order(visit_id=reg)
    assert [e["eventType"] for e in visit["events"]] == ["REGISTERED", "CHECKED_IN"] and visit["late"] == 0


def test_an_unknown_outcome_is_sent_again_under_a_new_nonce_and_kept_once(his, own) -> None:
    window = _around(his.rows("SELECT reg_time FROM registration WHERE reg_id = :r",
                              r=his.edge.journey_registration)[0]["reg_time"])
    own.sim.faults.add(FaultRule(kind="http_500_after", op="notify"))  # kept, but the answer is an HTML 500
    with pytest.raises(DeliveryHalted, match="unknown"):
        push_window(his.engine, own.ledger, own.sender, window, settings("first"))
    key = f"REGISTERED:{his.edge.journey_registration}"
    assert own.ledger.lookup("city_brain_push_registered", [key])[key].state == ls.UNKNOWN
    push_window(his.engine, own.ledger, own.sender, window, settings("retry"))  # what Airflow's retry does
    assert own.ledger.lookup("city_brain_push_registered", [key])[key].state == ls.ACKNOWLEDGED
    (event,) = own.sim.state.event_list(eventId=key)
    assert event.duplicates == 1 and event.conflicts == 0  # the re-send was recognised, the first copy kept
    nonces = [e["request"]["nonce"] for e in own.sim.state.journal_entries(op="notify")
              if (e["request"].get("bizContent") or {}).get("eventId") == key]
    assert len(nonces) == 2 and nonces[0] != nonces[1]  # the first nonce is used up: a re-send is signed afresh


def test_a_refused_event_is_rejected_with_the_city_brains_words_and_not_retried(his) -> None:
    window = _around(his.rows("SELECT reg_time FROM registration WHERE reg_id = :r",
                              r=his.edge.journey_registration)[0]["reg_time"])
    with fresh_ledger() as ledger, receiver(org_code="360102999") as sim:  # registered under another org code
        sender = sender_for(sim)
        push_window(his.engine, ledger, sender, window, settings("refused"))
        key = f"REGISTERED:{his.edge.journey_registration}"
        record = ledger.lookup("city_brain_push_registered", [key])[key]
        assert record.state == ls.REJECTED and "与appId登记的机构[360102999]不符" in record.reason
        before = len(sim.state.journal_entries())
        push_window(his.engine, ledger, sender, window, settings("again"))
        assert len(sim.state.journal_entries()) == before  # same content, rejected: not sent again
        sender.close()


def test_a_wrong_secret_stops_the_run_without_retry(his) -> None:
    window = _around(his.rows("SELECT reg_time FROM registration WHERE reg_id = :r",
                              r=his.edge.journey_registration)[0]["reg_time"])
    with fresh_ledger() as ledger, receiver() as sim:
        sender = sender_for(sim, secret="not-the-shared-secret-000")
        with pytest.raises(DeliveryMisconfigured, match="1002"):
            push_window(his.engine, ledger, sender, window, settings("bad"))
        assert Counter(ledger.counts("city_brain_push_registered")["city_brain_push_registered"]) == {ls.PENDING: 1}
        assert sim.state.event_list() == []
        sender.close()


# -- the DAG's operator ---------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("task_log")
def test_the_push_operator_runs_the_window_through_airflow_connections(his, monkeypatch, pg_url, caplog) -> None:
    from hisbridge.platforms.city_brain.operators import CityBrainPushOperator

    shanghai = ZoneInfo("Asia/Shanghai")
    his_url = his.engine.url
    with receiver() as sim:
        monkeypatch.setenv("AIRFLOW_CONN_CITY_BRAIN", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "login": "hisbridge-360102001",
            "password": "push-test-secret-0123456789", "extra": {"sign_type": "SM3", "org_code": "360102001"}}))
        for conn_id, database in (("HIS_DB", his_url.database), ("HISBRIDGE_DB", pg_url.rsplit("/", 1)[1])):
            monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id}", json.dumps({
                "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres", "schema": database}))
        start = datetime(2026, 11, 24, 8, 0, tzinfo=shanghai)
        context = {"data_interval_start": start, "data_interval_end": start + timedelta(hours=2),
                   "run_id": "scheduled__2026-11-24T00:00:00+00:00",
                   "ti": SimpleNamespace(dag_id="city_brain_push", task_id="push", try_number=1)}
        result = CityBrainPushOperator(task_id="push").execute(context)
        assert result["window_start"] == "2026-11-24 08:00:00" and set(result["feeds"]) == set(PUSH_FEEDS)
        sent = sum(c.get("acknowledged", 0) for c in result["feeds"].values())
        assert sent > 0 and len(sim.state.event_list()) == sent
        assert all(not isinstance(v, list) for c in result["feeds"].values() for v in c.values())

    # the task log ends with the window's totals in Chinese, then a warning per feed with events not delivered
    lines = operator_lines(caplog, CityBrainPushOperator)
    feeds = result["feeds"]
    selected = sum(c.get("selected", 0) for c in feeds.values())
    troubled = [f for f, c in feeds.items() if c.get("quarantined") or c.get("rejected")]
    [head] = [i for i, (_, text) in enumerate(lines) if text.startswith("汇总：")]
    assert lines[head] == (logging.INFO, lines[head][1])
    assert lines[head][1].startswith(f"汇总：城市大脑推送 窗口 2026-11-24 08:00–10:00（北京时间）：7 类事件，抽取 {selected} 条 — "
                                     f"已确认 {sent}、")
    warned = [text for level, text in lines[head + 1:] if level == logging.WARNING and text.startswith("任务成功，但")]
    assert [w.split("（", 1)[0] for w in warned] == [f"任务成功，但{PUSH_FEEDS[f]}" for f in troubled]
    for feed, text in zip(troubled, warned, strict=True):
        c = feeds[feed]
        assert f"{c.get('quarantined', 0)} 条隔离、{c.get('rejected', 0)} 条被拒" in text and f"feed={feed}" in text
