"""医院历史数据抓取 end to end: thirty days of HIS history (PostgreSQL) delivered to the city brain's receiver
in-process, in pages of up to 200 records, with a progress line per page in the task log; a capture killed
mid-way (SIGKILL) and resumed delivers everything without sending a page twice; a page whose answer was lost is
the one page sent again, under the same batchNo; records the city brain refuses are rejected with its words."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from hisbridge import PROJECT_DIR
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.platform import DeliveryHalted
from hisbridge.pipeline.spec import load_feed_spec
from simulators.city_brain.faults import FaultRule

from .history_support import FEEDS, History, capture, history_his
from .push_support import fresh_ledger, receiver, sender_for

PROGRESS = re.compile(r"^(city_brain_history_\w+) (\d{4}-\d{2}-\d{2}): 页 (\d+)/(\d+)，已确认 (\d+)/(\d+) 条（(\d+)%）$")
DATA_TYPE = {f: f.removeprefix("city_brain_history_") for f in FEEDS}


@pytest.fixture(scope="module")
def history(pg_module_url) -> Iterator[History]:
    with history_his(pg_module_url) as made:
        yield made


@pytest.fixture
def own() -> Iterator[SimpleNamespace]:
    with fresh_ledger() as ledger, receiver() as sim:
        sender = sender_for(sim)
        yield SimpleNamespace(ledger=ledger, sim=sim, sender=sender, url=str(ledger.engine.url.render_as_string(
            hide_password=False)))
        sender.close()


def progress_lines(caplog) -> list[tuple[str, str, int, int, int, int, int]]:
    found = []
    for record in caplog.records:
        match = PROGRESS.match(record.getMessage())
        if match:
            feed, day, *numbers = match.groups()
            found.append((feed, day, *map(int, numbers)))
    return found


def acknowledged_twice(ledger: Ledger) -> dict[int, int]:
    """Records the ledger shows acknowledged by more than one message."""
    mr = ls.delivery_message_record
    q = (select(mr.c.record_id, func.count()).where(mr.c.outcome == ls.ACKNOWLEDGED).group_by(mr.c.record_id)
         .having(func.count() > 1))
    with ledger.engine.connect() as conn:
        return dict(conn.execute(q).all())


def assert_everything_delivered_once_each(history: History, own) -> None:
    state = own.sim.state
    assert state.summary()["history"]["records"] == history.expected
    for feed in FEEDS:
        assert own.ledger.counts(feed)[feed] == {ls.ACKNOWLEDGED: history.expected[DATA_TYPE[feed]]}
    assert acknowledged_twice(own.ledger) == {}


def test_30_days_are_captured_in_pages_with_a_progress_line_per_page(history, own, caplog) -> None:
    caplog.set_level(logging.INFO, logger="hisbridge.pipeline")
    started = time.monotonic()
    summaries = capture(history.engine, own.ledger, own.sender)
    seconds = time.monotonic() - started
    records = sum(history.expected.values())
    print(f"\n30 days of history: {records} records in {sum(s.messages for s in summaries)} pages, {seconds:.1f} s")
    assert_everything_delivered_once_each(history, own)
    batches = own.sim.state.batch_list()
    assert len(batches) == sum(s.messages for s in summaries)
    assert all(0 < len(b.accepted) <= 200 and not b.failed for b in batches)
    assert own.sim.state.repeated_batches() == {} and own.sim.state.repeated_records() == {}
    lines = progress_lines(caplog)
    by_run: dict[tuple[str, str], list] = defaultdict(list)
    for line in lines:
        by_run[line[:2]].append(line[2:])
    assert len(by_run) == 4 * 30  # every data type, every day
    for (feed, day), steps in by_run.items():
        page, pages, confirmed, total, pct = steps[-1]
        assert (page, confirmed, pct) == (pages, total, 100), (feed, day, steps)
        assert [s[0] for s in steps] == list(range(1, pages + 1))  # a line per page, in order
    assert sum(s[-1][3] for s in by_run.values()) == records  # the totals counted first add up


def test_the_history_capture_of_30_days_resumes_after_a_kill_mid_way_without_sending_a_page_twice(
        history, own, caplog) -> None:
    """The backfill runs in a process of its own, in pages of 50, and is killed with SIGKILL as it starts the 150th
    page (recorded as leaving, never sent); the backfill run again delivers the rest: every record arrives once,
    no batchNo arrives twice, no record is acknowledged twice, and the interrupted day starts where it stopped."""
    his_url = history.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR / "plugins"), str(PROJECT_DIR)])}
    killed = subprocess.run(
        [sys.executable, "-c", "from tests.integration.platforms.city_brain.history_support import "
                               "killed_capture_main; killed_capture_main()", his_url, own.url, own.sim.url, "50", "150"],
        env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr[-2000:]
    state = own.sim.state
    assert len(state.batch_list()) == 149  # the 150th page never left
    in_flight = [m for m in own.ledger.messages(limit=100_000) if m["outcome"] == "in_flight"]
    assert in_flight  # what a kill leaves: messages recorded as leaving, without an answer

    caplog.set_level(logging.INFO, logger="hisbridge.pipeline")
    summaries = capture(history.engine, own.ledger, own.sender, batch_size=50, tag="resumed")
    assert sum(s.in_flight_resolved for s in summaries) == len(in_flight)
    assert_everything_delivered_once_each(history, own)
    assert state.repeated_batches() == {} and state.repeated_records() == {}
    assert len(state.batch_list()) == 149 + sum(s.messages for s in summaries)
    # the runs the killed backfill finished are skipped whole; the one it was in resumes after what it confirmed
    done_before = [x for x in summaries if x.selected and x.skipped == x.selected]
    (interrupted,) = [x for x in summaries if x.skipped and x.acknowledged]
    assert len(done_before) + 1 < len(summaries) and interrupted.skipped % 50 == 0
    lines = [line[2:] for line in progress_lines(caplog) if line[:2] == (interrupted.feed, interrupted.window_start[:10])]
    page, pages, confirmed, total, _ = lines[0]
    assert page == interrupted.skipped // 50 + 1 and confirmed > interrupted.skipped  # not from page 1
    assert lines[-1] == (pages, pages, total, total, 100)


def test_a_page_whose_answer_was_lost_is_the_only_one_sent_again_under_the_same_batch_no(history, own) -> None:
    """The receiver keeps the 5th page and drops the connection: its outcome is unknown and the run stops. Resolved
    by sending it again (the city brain upserts by recordId): the same records, the same batchNo — the one page the
    receiver sees twice; no other page repeats, every record is kept once and acknowledged once in the ledger."""
    own.sim.faults.add(FaultRule(kind="drop", op="history", skip=4))
    with pytest.raises(DeliveryHalted, match="unknown"):
        capture(history.engine, own.ledger, own.sender)
    (lost,) = [b for b in own.sim.state.batch_list()][4:5]
    capture(history.engine, own.ledger, own.sender, tag="retry")
    assert_everything_delivered_once_each(history, own)
    key = f"{lost.data_type}/{lost.batch_no}"
    assert own.sim.state.repeated_batches() == {key: 2}
    assert set(own.sim.state.repeated_records()) == {f"{lost.data_type}/{r}" for r in lost.accepted}
    assert Counter(b.batch_no for b in own.sim.state.batch_list())[lost.batch_no] == 2


def test_records_the_city_brain_refuses_are_rejected_with_its_words(own) -> None:
    """A page whose second record the receiver refuses (a record our model would have quarantined: here sent as is,
    bypassing it): that record rejected with the receiver's own words, the others acknowledged."""
    spec = load_feed_spec("city_brain_history_bill")
    good = {"recordId": "SF1", "billNo": "SF1", "patientId": "P1", "visitId": "MZ1", "totalAmount": "12.50",
            "insuranceAmount": "0.00", "selfAmount": "12.50", "paidAt": "2026-10-03 09:00:00", "status": "1"}
    bad = {**good, "recordId": "SF2", "billNo": "SF2", "totalAmount": "12.5"}
    result = own.sender.upload(spec, [good, bad, {**good, "recordId": "SF3", "billNo": "SF3"}], "batch", "cb-t")
    assert result.outcome == "partial" and result.row_states == ["acknowledged", "rejected", "acknowledged"]
    assert result.row_errors[1].startswith("2001 records[1](收费结算): 字段[totalAmount](总金额(元))[12.5]格式错误")
    assert sorted(r.record_id for r in own.sim.state.history_list("bill")) == ["SF1", "SF3"]
