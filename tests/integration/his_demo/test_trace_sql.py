"""The six traceability extraction SQL files on SQLite and real PostgreSQL, against the generated demo day."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import and_, or_, select

from demo.his import schema as s
from hisbridge.pipeline.spec import load_feed_spec

from .conftest import DAY, FEEDS, KEYS, Demo, day_window, run_feed_sql

YESTERDAY = DAY - timedelta(days=1)


def _records(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


@pytest.mark.parametrize("feed", FEEDS)
def test_feed_returns_rows_for_the_demo_day_and_none_a_week_earlier(demo: Demo, feed: str) -> None:
    assert run_feed_sql(demo.engine, feed, *day_window(DAY))
    assert run_feed_sql(demo.engine, feed, *day_window(DAY - timedelta(days=7))) == []


@pytest.mark.parametrize("feed", FEEDS)
def test_rows_of_one_record_are_adjacent_and_ordered(demo: Demo, feed: str) -> None:
    key = KEYS[feed]
    rows = run_feed_sql(demo.engine, feed, *day_window(DAY))
    keys = [r[key] for r in rows]
    assert keys == sorted(keys)
    runs = [k for i, k in enumerate(keys) if i == 0 or keys[i - 1] != k]
    assert len(runs) == len(set(runs)), "a record's rows are split"
    for rows_of_one in _records(rows, key).values():
        codes = [r["trace_code"] for r in rows_of_one]
        assert codes == sorted(codes, key=lambda c: (c is None, c or ""))
        # every column other than the code is the record's own and repeats unchanged
        first = {k: v for k, v in rows_of_one[0].items() if k != "trace_code"}
        assert all({k: v for k, v in r.items() if k != "trace_code"} == first for r in rows_of_one)


@pytest.mark.parametrize("feed", FEEDS)
def test_sql_returns_every_column_the_mapping_reads(demo: Demo, feed: str) -> None:
    rows = run_feed_sql(demo.engine, feed, *day_window(DAY))
    assert load_feed_spec(feed).source_columns <= set(rows[0])
    assert {r["voided"] for r in rows} <= {0, 1}


def test_sale_feed_selects_the_days_sales_and_the_days_cancellations_one_row_per_code(demo: Demo) -> None:
    start, end = day_window(DAY)
    sl, tc = s.sale_line, s.drug_trace_code
    in_window = or_(
        and_(sl.c.sale_time >= start, sl.c.sale_time < end),
        and_(sl.c.cancel_time >= start, sl.c.cancel_time < end),
    )
    with demo.engine.connect() as conn:
        expected = {r[0] for r in conn.execute(select(sl.c.sale_line_id).where(in_window))}
        n_codes = Counter(
            r[0] for r in conn.execute(select(tc.c.src_id).where(tc.c.src_kind == s.TRACE_SALE))
        )
    records = _records(run_feed_sql(demo.engine, "hsa_trace_sale", start, end), "sale_line_id")
    assert set(records) == expected
    assert {k: len(v) for k, v in records.items()} == {k: max(1, n_codes[k]) for k in expected}


def test_cancelled_sales_come_back_voided_when_cancelled_in_the_window(demo: Demo) -> None:
    e = demo.summary.edge_cases
    today = _records(run_feed_sql(demo.engine, "hsa_trace_sale", *day_window(DAY)), "sale_line_id")
    assert {r["voided"] for r in today[e.sale_cancelled_same_day]} == {1}
    # sold yesterday (uploaded by yesterday's run), cancelled today: today's window sees it, voided
    later = today[e.sale_cancelled_later]
    assert {r["voided"] for r in later} == {1}
    assert str(later[0]["sel_retn_time"]).startswith(str(YESTERDAY))
    assert str(later[0]["cancel_time"]).startswith(str(DAY))
    normal = [k for k, rs in today.items() if rs[0]["voided"] == 0]
    assert len(normal) > 0.9 * len(today)
    yesterday = _records(run_feed_sql(demo.engine, "hsa_trace_sale", *day_window(YESTERDAY)), "sale_line_id")
    assert e.sale_cancelled_later in yesterday and e.sale_cancelled_same_day not in yesterday


def test_sale_without_code_appears_once_with_no_code(demo: Demo) -> None:
    e = demo.summary.edge_cases
    records = _records(run_feed_sql(demo.engine, "hsa_trace_sale", *day_window(DAY)), "sale_line_id")
    assert [r["trace_code"] for r in records[e.sale_without_trace_code]] == [None]
    assert [r["trace_code"] for r in records[e.sale_bad_trace_code]] == [e.bad_trace_code]
    first, second = e.duplicate_trace_code_sales
    assert e.duplicate_trace_code in [r["trace_code"] for r in records[first]]
    assert [r["trace_code"] for r in records[second]] == [e.duplicate_trace_code]
    assert all(1 <= len(rs) <= 3 for k, rs in records.items() if k != e.sale_without_trace_code)


def test_sale_rows_carry_patient_and_settlement_fields(demo: Demo) -> None:
    rows = run_feed_sql(demo.engine, "hsa_trace_sale", *day_window(DAY))
    assert all(r["certno"] and r["psn_name"] and r["psn_cert_kind"] == "id_card" for r in rows)
    insured = [r for r in rows if r["setl_type"] == "YB"]
    assert insured and all(
        r["setl_id"] and r["psn_no"] and r["hi_feesetl_kind"] in ("local", "remote") for r in insured
    )
    self_paid = [r for r in rows if r["setl_type"] == "ZF"]
    assert self_paid and all(r["setl_id"] is None and r["hi_feesetl_kind"] == "self" for r in self_paid)
    assert all(r["mdtrt_sn"] for r in rows)
    assert {r["rx_type"] for r in rows} == {"RX", "OTC"} and {r["split_flag"] for r in rows} == {"Y", "N"}


def test_drug_without_national_code_is_extracted_with_null_code(demo: Demo) -> None:
    e = demo.summary.edge_cases
    for feed, key in (
        ("hsa_trace_sale", e.sale_of_uncoded_drug),
        ("hsa_trace_purchase", e.purchase_of_uncoded_drug),
        ("hsa_trace_inventory", e.stock_take_of_uncoded_drug),
    ):
        records = _records(run_feed_sql(demo.engine, feed, *day_window(DAY)), KEYS[feed])
        rows = records[key]
        assert rows[0]["fixmedins_hilist_id"] == e.drug_without_national_code
        assert rows[0]["med_list_codg"] is None
        coded = [k for k, rs in records.items() if rs[0]["med_list_codg"] is not None]
        assert len(coded) > len(records) / 2


def test_sale_return_of_an_earlier_sale_links_to_it(demo: Demo) -> None:
    e = demo.summary.edge_cases
    records = _records(run_feed_sql(demo.engine, "hsa_trace_sale_return", *day_window(DAY)), "sale_return_id")
    rows = records[e.sale_return_of_earlier_sale]
    assert rows[0]["medins_prod_sel_no"] == e.sale_returned
    assert rows[0]["trace_code"] is not None
    sold = _records(run_feed_sql(demo.engine, "hsa_trace_sale", *day_window(YESTERDAY)), "sale_line_id")
    assert rows[0]["trace_code"] in [r["trace_code"] for r in sold[e.sale_returned]]
    assert rows[0]["fixmedins_bchno"] == sold[e.sale_returned][0]["fixmedins_bchno"]


def test_cancelled_purchase_and_movement_are_voided(demo: Demo) -> None:
    e = demo.summary.edge_cases
    purchases = _records(
        run_feed_sql(demo.engine, "hsa_trace_purchase", *day_window(DAY)), "purchase_line_id"
    )
    voided = {k for k, rs in purchases.items() if rs[0]["voided"] == 1}
    assert voided == set(e.purchase_cancelled_lines)
    assert all(rs[0]["trace_code"] is None and len(rs) == 1 for rs in purchases.values())
    moves = _records(run_feed_sql(demo.engine, "hsa_trace_stock_change", *day_window(DAY)), "move_id")
    assert {k for k, rs in moves.items() if rs[0]["voided"] == 1} == {e.stock_move_cancelled}


def test_every_movement_type_in_the_window_has_a_mapping(demo: Demo) -> None:
    spec = load_feed_spec("hsa_trace_stock_change")
    rows = run_feed_sql(demo.engine, "hsa_trace_stock_change", *day_window(DAY))
    seen = {r["move_type"] for r in rows}
    assert len(seen) == 9 and seen <= set(spec.codes["inv_chg_type"])


def test_purchase_return_links_to_the_purchase_that_received_the_batch(demo: Demo) -> None:
    rows = run_feed_sql(demo.engine, "hsa_trace_purchase_return", *day_window(DAY))
    pl = s.purchase_line
    with demo.engine.connect() as conn:
        for r in rows:
            batch = conn.execute(
                select(pl.c.batch_id).where(pl.c.purchase_line_id == r["medins_prod_purc_no"])
            )
            assert batch.scalar_one() == r["fixmedins_bchno"]
            assert r["purc_invo_no"] and r["spler_name"]
