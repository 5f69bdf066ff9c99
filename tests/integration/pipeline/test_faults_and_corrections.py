"""Transport faults, unknown outcomes and corrections: nothing lost, nothing sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from demo.his import schema as his_schema
from hisbridge.ledger import schema as ls
from hisbridge.pipeline.platform import DeliveryHalted, DeliveryMisconfigured
from simulators.hsa.faults import FaultRule

from .conftest import DAY, make_sender, run


def _platform_sales(sim) -> int:
    return sim.state.summary()["records"]["4"]


def _acknowledged(ledger, feed="hsa_trace_sale") -> int:
    return ledger.counts(feed)[feed].get(ls.ACKNOWLEDGED, 0)


def test_5xx_burst_halts_the_run_then_a_retry_delivers_everything_once(his, ledger, sender, sim) -> None:
    sim.faults.add(FaultRule(kind="http_500_before", times=2, infno="3505A"))
    for attempt in (1, 2):
        with pytest.raises(DeliveryHalted):
            run("hsa_trace_sale", his, ledger, sender, run_id=f"try{attempt}")
        assert ledger.counts("hsa_trace_sale")["hsa_trace_sale"].get(ls.UNKNOWN, 0) > 0
    final = run("hsa_trace_sale", his, ledger, sender, run_id="try3")
    assert final.halted is None and final.unknown == 0
    # every acknowledged sale is on the platform exactly once
    assert _platform_sales(sim) == _acknowledged(ledger)


def test_read_timeout_after_the_platform_stored_the_batch_is_withdrawn_then_resent(his, ledger, sim) -> None:
    sender = make_sender(sim, ledger, read_timeout=0.5)
    sim.faults.add(FaultRule(kind="slow", times=1, infno="3505A", delay_s=2.0))
    with pytest.raises(DeliveryHalted, match="unknown"):
        run("hsa_trace_sale", his, ledger, sender, run_id="try1")
    unknown = ledger.records("hsa_trace_sale", [ls.UNKNOWN])
    assert unknown, "the timed-out batch must be left unknown, not pending"
    stored_before_retry = _platform_sales(sim)
    assert stored_before_retry >= len(unknown)  # the platform did store it: a blind re-send would duplicate

    final = run("hsa_trace_sale", his, ledger, sender, run_id="try2")
    assert final.unknown == 0 and final.halted is None
    infnos = [e["infno"] for e in sim.state.journal.values()]
    assert "3507" in infnos
    assert _platform_sales(sim) == _acknowledged(ledger)
    for rec in unknown:
        assert ledger.lookup("hsa_trace_sale", [rec.business_key])[rec.business_key].state in (
            ls.ACKNOWLEDGED, ls.REJECTED)


def test_dropped_connection_is_unknown_and_never_requeued_by_hand(his, ledger, sender, sim) -> None:
    sim.faults.add(FaultRule(kind="drop", times=1, infno="3505A"))
    with pytest.raises(DeliveryHalted):
        run("hsa_trace_sale", his, ledger, sender)
    unknown = ledger.records("hsa_trace_sale", [ls.UNKNOWN])
    assert unknown
    assert ledger.requeue([r.id for r in unknown], actor="ops", reason="try again") == []


def test_gateway_refusing_our_secret_fails_without_losing_records(his, ledger, sim) -> None:
    sender = make_sender(sim, ledger, secret="wrong-secret-for-this-gateway")
    with pytest.raises(DeliveryMisconfigured):
        run("hsa_trace_sale", his, ledger, sender)
    states = ledger.counts("hsa_trace_sale").get("hsa_trace_sale", {})
    assert states.get(ls.ACKNOWLEDGED, 0) == 0 and _platform_sales(sim) == 0


@pytest.mark.parametrize("fresh_his", ["postgres", "sqlite"], indirect=True)
def test_changed_record_is_corrected_with_3507_then_uploaded_again(fresh_his, fresh_ledger, sim) -> None:
    ledger, sender = fresh_ledger, make_sender(sim, fresh_ledger)
    run("hsa_trace_sale", fresh_his, ledger, sender)
    t = his_schema.sale_line
    with fresh_his.engine.begin() as conn:
        key = conn.execute(select(t.c.sale_line_id).where(t.c.status == "normal",
                                                          t.c.sale_line_id.like("FY20261124%"))
                           .order_by(t.c.sale_line_id).limit(1)).scalar_one()
        assert ledger.lookup("hsa_trace_sale", [key])[key].state == ls.ACKNOWLEDGED
        conn.execute(update(t).where(t.c.sale_line_id == key).values(remark="更正：数量录入错误"))
    before = ledger.lookup("hsa_trace_sale", [key])[key]

    summary = run("hsa_trace_sale", fresh_his, ledger, sender, run_id="after-fix")

    after = ledger.lookup("hsa_trace_sale", [key])[key]
    assert after.state == ls.ACKNOWLEDGED and after.content_hash != before.content_hash
    assert after.attempts == 2 and summary.messages >= 2
    assert "更正" in after.payload
    assert _platform_sales(sim) == _acknowledged(ledger)


@pytest.mark.parametrize("fresh_his", ["postgres", "sqlite"], indirect=True)
def test_sale_voided_after_upload_is_withdrawn_and_its_batch_siblings_stay_on_the_platform(
        fresh_his, fresh_ledger, sim) -> None:
    ledger, sender = fresh_ledger, make_sender(sim, fresh_ledger)
    cancelled = fresh_his.demo.edge_cases.sale_cancelled_later
    t = his_schema.sale_line
    with fresh_his.engine.begin() as conn:  # as it stood when yesterday's windows ran
        cancel_time = conn.execute(select(t.c.cancel_time).where(t.c.sale_line_id == cancelled)).scalar_one()
        conn.execute(update(t).where(t.c.sale_line_id == cancelled).values(status="normal", cancel_time=None))
    run("hsa_trace_sale", fresh_his, ledger, sender, day=DAY - timedelta(days=1))
    assert ledger.lookup("hsa_trace_sale", [cancelled])[cancelled].state == ls.ACKNOWLEDGED
    with fresh_his.engine.begin() as conn:  # the pharmacy cancels it today
        conn.execute(update(t).where(t.c.sale_line_id == cancelled).values(status="cancelled",
                                                                            cancel_time=cancel_time))

    summary = run("hsa_trace_sale", fresh_his, ledger, sender)

    assert ledger.lookup("hsa_trace_sale", [cancelled])[cancelled].state == ls.WITHDRAWN
    assert summary.withdrawn >= 1
    assert any(e["infno"] == "3507" for e in sim.state.journal.values())
    # the cancelled sale is gone, its batch siblings were re-uploaded, today's sales added: platform == ledger
    assert _platform_sales(sim) == _acknowledged(ledger)


def test_a_run_waits_for_another_run_of_its_correction_scope(his, ledger, sender) -> None:
    """3507 removes a batch's sales and returns together: those feeds never interleave."""
    from hisbridge.pipeline.spec import load_feed_spec
    from hisbridge.platforms.hsa.feeds import correction_scope

    scope = correction_scope(load_feed_spec("hsa_trace_sale_return"))
    assert scope == correction_scope(load_feed_spec("hsa_trace_sale"))
    with ledger.lease(scope, "someone-else", wait_s=0):
        with pytest.raises(DeliveryHalted, match="another run holds"):
            run("hsa_trace_sale", his, ledger, sender, lease_wait_s=0.3)
        assert ledger.counts("hsa_trace_sale") == {}
    assert run("hsa_trace_sale", his, ledger, sender).acknowledged > 0
    with ledger.lease(scope, "next-run", wait_s=0):  # the finished run released its lease
        pass


def test_an_expired_sign_in_is_renewed_and_the_ledger_keeps_both_msgids(his, ledger, sender, sim) -> None:
    run("hsa_trace_purchase", his, ledger, sender)  # signs in
    import requests

    assert requests.post(sim.url + "/__admin__/sign_ins/expire", timeout=5).ok
    summary = run("hsa_trace_inventory", his, ledger, sender)
    assert summary.acknowledged > 0 and summary.unknown == 0
    from sqlalchemy import select as sa_select

    with ledger.engine.connect() as conn:
        resent = conn.execute(sa_select(ls.delivery_message.c.msgid, ls.delivery_message.c.resent_as_msgid)
                              .where(ls.delivery_message.c.resent_as_msgid.is_not(None))).all()
    assert len(resent) == 1 and resent[0].msgid != resent[0].resent_as_msgid


def test_messages_queued_behind_a_fault_are_recorded_as_not_sent_and_their_records_pending(his, ledger, sender, sim):
    sim.faults.add(FaultRule(kind="http_500_before", times=1, infno="3505A"))
    summary = run("hsa_trace_sale", his, ledger, sender, batch_size=5, raise_on_halt=False)

    assert summary.halted and summary.balanced()
    outcomes = [m["outcome"] for m in ledger.messages("hsa_trace_sale")]
    assert "in_flight" not in outcomes  # nothing left looking as if it might have been sent
    assert outcomes.count("unknown") == 1  # the one the fault hit
    pending = ledger.records("hsa_trace_sale", [ls.PENDING], limit=10_000)
    assert summary.pending == len(pending) > 0
    assert {r.reason for r in pending} == {"not sent: run halted"}
    unsent = {m["msgid"] for m in ledger.messages("hsa_trace_sale") if m["outcome"] == "not_sent"}
    assert unsent, "messages queued behind the fault were already recorded as leaving"
    taken_back = [r.id for r in pending if r.last_msgid in unsent]
    assert taken_back
    with ledger.engine.connect() as conn:  # their answer ("not sent") put them back, once: no second write
        again = conn.execute(select(ls.delivery_event.c.record_id).where(
            ls.delivery_event.c.record_id.in_(taken_back))).scalars().all()
    assert again == []
