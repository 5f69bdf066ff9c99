"""Each traceability feed, end to end: demo HIS (PostgreSQL and SQLite) → pipeline → 医保 simulator → ledger."""

from __future__ import annotations

import pytest

from hisbridge.ledger import schema as ls
from hisbridge.pipeline.spec import all_feed_ids

from .conftest import DAY, run

FEEDS = [f for f in all_feed_ids() if f.startswith("hsa_trace_")]
DATA_TYPE = {"hsa_trace_inventory": "1", "hsa_trace_stock_change": "2", "hsa_trace_purchase": "3",
             "hsa_trace_purchase_return": "3", "hsa_trace_sale": "4", "hsa_trace_sale_return": "4"}
# A return needs its sale on the platform first, as in production.
PREREQUISITES = {"hsa_trace_sale_return": ["hsa_trace_sale"], "hsa_trace_purchase_return": ["hsa_trace_purchase"]}


def _platform_rows(sim, data_type: str) -> int:
    return sim.state.summary()["records"].get(data_type, 0)


def _infnos_sent(sim) -> set[str]:
    return {entry["infno"] for entry in sim.state.journal.values()}


@pytest.mark.parametrize("mode", ["batch", "single"])
@pytest.mark.parametrize("feed", FEEDS)
def test_feed_delivers_its_window_and_accounts_for_every_record(feed, mode, his, ledger, sender, sim) -> None:
    from datetime import timedelta

    for pre in PREREQUISITES.get(feed, []):
        for day in (DAY - timedelta(days=1), DAY):
            run(pre, his, ledger, sender, day=day, mode=mode)
    before = _platform_rows(sim, DATA_TYPE[feed])

    summary = run(feed, his, ledger, sender, mode=mode)

    assert summary.selected > 0 and summary.acknowledged > 0
    assert summary.balanced(), summary.as_dict()
    assert summary.unknown == 0 and summary.pending == 0 and summary.halted is None
    from hisbridge.pipeline.spec import load_feed_spec

    txn = load_feed_spec(feed).platform_options
    assert (txn.batch in _infnos_sent(sim)) == (mode == "batch")
    assert (txn.single in _infnos_sent(sim)) == (mode == "single")
    # the platform holds exactly what the ledger says it acknowledged (returns add to the sale's data type)
    assert _platform_rows(sim, DATA_TYPE[feed]) - before == summary.acknowledged
    counts = ledger.counts(feed)[feed]
    assert counts.get(ls.ACKNOWLEDGED, 0) == summary.acknowledged


def test_rerun_of_a_window_sends_nothing_new(his, ledger, sender, sim) -> None:
    first = run("hsa_trace_sale", his, ledger, sender)
    journal_before = len(sim.state.journal)
    again = run("hsa_trace_sale", his, ledger, sender, run_id="cleared-and-rerun")
    assert first.acknowledged > 0
    assert again.messages == 0 and again.acknowledged == 0
    assert again.skipped == first.acknowledged
    assert again.rejected == first.rejected  # refusals are not retried unless the data changes or ops re-queue
    assert len(sim.state.journal) == journal_before


def test_bad_rows_are_quarantined_while_the_rest_of_the_batch_goes(his, ledger, sender) -> None:
    edge = his.demo.edge_cases
    summary = run("hsa_trace_sale", his, ledger, sender, batch_size=500)
    recs = ledger.lookup("hsa_trace_sale", [edge.sale_without_trace_code, edge.sale_bad_trace_code,
                                            edge.sale_of_uncoded_drug])
    assert recs[edge.sale_without_trace_code].state == ls.QUARANTINED
    assert "缺少药品追溯码" in recs[edge.sale_without_trace_code].reason
    assert "20位" in recs[edge.sale_bad_trace_code].reason
    assert "med_list_codg" in recs[edge.sale_of_uncoded_drug].reason
    assert summary.quarantined >= 3 and summary.acknowledged > summary.quarantined


def test_platform_row_rejection_is_recorded_with_its_words_and_not_retried(his, ledger, sender) -> None:
    first, second = his.demo.edge_cases.duplicate_trace_code_sales
    run("hsa_trace_sale", his, ledger, sender)
    recs = ledger.lookup("hsa_trace_sale", [first, second])
    assert recs[first].state == ls.ACKNOWLEDGED
    assert recs[second].state == ls.REJECTED and "已销售" in recs[second].reason
    again = run("hsa_trace_sale", his, ledger, sender, run_id="retry")
    assert again.messages == 0
    assert ledger.lookup("hsa_trace_sale", [second])[second].attempts == 1
    # ops re-queue it: the next run of the window sends it again (and the platform refuses it again)
    assert ledger.requeue([recs[second].id], actor="ops", reason="checked with pharmacy") == [recs[second].id]
    third = run("hsa_trace_sale", his, ledger, sender, run_id="after-requeue")
    assert third.messages == 1 and third.rejected == 1
    assert ledger.lookup("hsa_trace_sale", [second])[second].attempts == 2


def test_a_changed_declaration_re_decides_records_the_ledger_already_settled(his, ledger, sender, sim) -> None:
    """A re-run skips unchanged records without mapping them, unless the feed's declaration changed."""
    from hisbridge.pipeline.run import RunSettings, run_feed
    from hisbridge.pipeline.spec import ColumnSource, load_feed_spec

    from .conftest import whole_day

    first = run("hsa_trace_sale", his, ledger, sender)
    spec = load_feed_spec("hsa_trace_sale")
    fields = dict(spec.fields) | {"memo": ColumnSource(column="memo", default="复核")}  # a new default for 备注
    changed = spec.model_copy(update={"fields": fields})

    again = run_feed(changed, his.engine, ledger, sender, whole_day(), RunSettings(run_id="new-mapping", batch_size=25))

    assert first.acknowledged > 0 and again.messages > 0
    memos = [r.payload_dict().get("memo") for r in ledger.records("hsa_trace_sale", [ls.ACKNOWLEDGED], limit=10**6)]
    assert "复核" in memos
    assert run_feed(changed, his.engine, ledger, sender, whole_day(),
                    RunSettings(run_id="again", batch_size=25)).messages == 0
