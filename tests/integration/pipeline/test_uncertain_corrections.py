"""A correction (3507) the platform refuses or does not answer never settles an uncertain record.

Each case ends with the simulator holding exactly what the ledger says it acknowledged — no copy twice, the
voided sale gone — after a retry of the halted run; a re-queue cannot short-cut an uncertain record.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from demo.his import schema as his_schema
from hisbridge.ledger import schema as ls
from hisbridge.pipeline.platform import DeliveryHalted
from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.client import row_key
from simulators.hsa.faults import FaultRule

from .conftest import DAY, make_sender, run

SALE = "hsa_trace_sale"
SALE_ID = catalogue.get("3505")


def _platform_sales(sim) -> Counter:
    return Counter(row_key(SALE_ID, r.row) for r in sim.state.all_records(inv_data_type="4"))


def _acknowledged_sales(ledger) -> Counter:
    return Counter(row_key(SALE_ID, r.payload_dict()) for r in ledger.records(SALE, [ls.ACKNOWLEDGED], limit=10**6))


def _assert_platform_is_the_ledger(sim, ledger) -> None:
    platform, acknowledged = _platform_sales(sim), _acknowledged_sales(ledger)
    assert max(platform.values(), default=1) == 1, "a sale is on the platform twice"
    assert platform == acknowledged


def _state(ledger, key: str) -> str:
    return ledger.lookup(SALE, [key])[key].state


def _sold_yesterday_cancelled_today(his, ledger, sender) -> str:
    """The seeded sale of day-1 that the pharmacy cancels on the demo day, uploaded before it is cancelled."""
    key = his.demo.edge_cases.sale_cancelled_later
    t = his_schema.sale_line
    with his.engine.begin() as conn:
        cancel_time = conn.execute(select(t.c.cancel_time).where(t.c.sale_line_id == key)).scalar_one()
        conn.execute(update(t).where(t.c.sale_line_id == key).values(status="normal", cancel_time=None))
    run(SALE, his, ledger, sender, day=DAY - timedelta(days=1), run_id="yesterday")
    assert _state(ledger, key) == ls.ACKNOWLEDGED
    with his.engine.begin() as conn:
        conn.execute(update(t).where(t.c.sale_line_id == key).values(status="cancelled", cancel_time=cancel_time))
    return key


def _on_platform(sim, ledger, key: str) -> bool:
    identity = row_key(SALE_ID, ledger.lookup(SALE, [key])[key].payload_dict())
    return _platform_sales(sim)[identity] > 0


@pytest.mark.parametrize("fresh_his", ["postgres", "sqlite"], indirect=True)
def test_refused_3507_for_a_voided_sale_keeps_it_uncertain_until_a_retry_removes_it(fresh_his, fresh_ledger, sim):
    ledger, sender = fresh_ledger, make_sender(sim, fresh_ledger)
    key = _sold_yesterday_cancelled_today(fresh_his, ledger, sender)
    sim.faults.add(FaultRule(kind="refused", times=1, infno="3507"))

    with pytest.raises(DeliveryHalted, match="rejected"):
        run(SALE, fresh_his, ledger, sender, run_id="today-try1")
    assert _state(ledger, key) == ls.UNKNOWN, "a refused 3507 must not make the platform's copy disappear"
    assert _on_platform(sim, ledger, key)
    assert ledger.requeue([ledger.lookup(SALE, [key])[key].id], actor="ops", reason="try") == []

    again = run(SALE, fresh_his, ledger, sender, run_id="today-try2")  # Airflow's retry

    assert again.halted is None
    assert _state(ledger, key) == ls.WITHDRAWN
    assert not _on_platform(sim, ledger, key)
    _assert_platform_is_the_ledger(sim, ledger)


@pytest.mark.parametrize("fresh_his", ["postgres", "sqlite"], indirect=True)
def test_unanswered_3507_for_a_voided_sale_is_resolved_by_the_retry(fresh_his, fresh_ledger, sim):
    ledger, sender = fresh_ledger, make_sender(sim, fresh_ledger)
    key = _sold_yesterday_cancelled_today(fresh_his, ledger, sender)
    sim.faults.add(FaultRule(kind="drop", times=1, infno="3507"))  # the platform deleted; the answer is lost

    with pytest.raises(DeliveryHalted, match="unknown"):
        run(SALE, fresh_his, ledger, sender, run_id="today-try1")
    assert _state(ledger, key) == ls.UNKNOWN

    run(SALE, fresh_his, ledger, sender, run_id="today-try2")

    assert _state(ledger, key) == ls.WITHDRAWN
    # the lost 3507 removed the batch's other sales too: the retry sent them again, once
    _assert_platform_is_the_ledger(sim, ledger)


@pytest.mark.parametrize("fault", ["refused", "drop"])
@pytest.mark.parametrize("fresh_his", ["postgres", "sqlite"], indirect=True)
def test_3507_failing_for_records_of_unknown_outcome_never_uploads_them_twice(fresh_his, fresh_ledger, sim, fault):
    ledger = fresh_ledger
    sender = make_sender(sim, ledger, read_timeout=0.5)
    sim.faults.add(FaultRule(kind="slow", times=1, infno="3505A", delay_s=1.5))  # stored, answer too late
    with pytest.raises(DeliveryHalted, match="unknown"):
        run(SALE, fresh_his, ledger, sender, run_id="try1")
    unknown = [r.business_key for r in ledger.records(SALE, [ls.UNKNOWN])]
    assert unknown

    sim.faults.add(FaultRule(kind=fault, times=1, infno="3507"))
    with pytest.raises(DeliveryHalted):
        run(SALE, fresh_his, ledger, sender, run_id="try2")
    assert {_state(ledger, k) for k in unknown} == {ls.UNKNOWN}, "still uncertain: never rejected, never pending"
    ids = [ledger.lookup(SALE, [k])[k].id for k in unknown]
    assert ledger.requeue(ids, actor="ops", reason="send again") == []  # a re-queue cannot skip the correction

    final = run(SALE, fresh_his, ledger, sender, run_id="try3")

    assert final.halted is None and final.unknown == 0
    assert {_state(ledger, k) for k in unknown} <= {ls.ACKNOWLEDGED, ls.REJECTED}
    _assert_platform_is_the_ledger(sim, ledger)


@pytest.mark.parametrize("fresh_his", ["postgres", "sqlite"], indirect=True)
def test_a_busy_platform_leaves_rows_pending_and_the_retry_delivers(fresh_his, fresh_ledger, sim):
    his, ledger, sender = fresh_his, fresh_ledger, make_sender(sim, fresh_ledger)
    sim.faults.add(FaultRule(kind="infcode_-1", times=1, infno="3505A"))  # 系统繁忙，请稍后再试

    with pytest.raises(DeliveryHalted, match="busy"):
        run(SALE, his, ledger, sender, run_id="try1")
    counts = ledger.counts(SALE)[SALE]
    assert counts.get(ls.REJECTED, 0) == 0 and counts.get(ls.PENDING, 0) > 0

    final = run(SALE, his, ledger, sender, run_id="try2")

    assert final.halted is None and final.pending == 0
    _assert_platform_is_the_ledger(sim, ledger)

