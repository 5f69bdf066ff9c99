"""Settlements seeded into the simulator (tests, demo, benchmarks) hold the amounts given, in any numeric form,
and a seeded cancellation cancels its original as 2208 would."""

from __future__ import annotations

from decimal import Decimal

from simulators.hsa.settlement import SettlementStore

PSN = "360100000000000001"


def test_amounts_are_kept_whatever_their_type_and_cash_is_the_rest() -> None:
    store = SettlementStore()
    s = store.add_settlement(setl_id="S1", mdtrt_id="M1", psn_no=PSN, setl_time="2026-11-24 10:00:00",
                             medfee_sumamt=Decimal("100.505"), fund_pay_sumamt=60, acct_pay="10.2")
    assert (s.amount("medfee_sumamt"), s.amount("fund_pay_sumamt"), s.amount("acct_pay")) == (
        Decimal("100.51"), Decimal("60.00"), Decimal("10.20"))
    assert s.amount("psn_cash_pay") == Decimal("30.31") and s.infno == "2207" and s.status == "live"


def test_a_seeded_cancellation_cancels_its_original() -> None:
    store = SettlementStore()
    store.add_settlement(setl_id="S1", mdtrt_id="M1", psn_no=PSN, setl_time="2026-11-24 10:00:00",
                         medfee_sumamt="500", fund_pay_sumamt="300", acct_pay="0", clr_type="21")
    twin = store.add_settlement(setl_id="S2", mdtrt_id="M1", psn_no=PSN, setl_time="2026-11-24 11:00:00",
                                medfee_sumamt="-500", fund_pay_sumamt="-300", acct_pay="0", clr_type="21",
                                cancel_of="S1")
    assert twin.refund and twin.infno == "2305"
    assert store.settlements["S1"].status == "cancelled" and store.settlements["S1"].cancelled_by == "S2"
