"""The demo HIS generator: deterministic, realistic identifiers, every seeded edge case present."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import Engine, func, select

from demo.his import idcard
from demo.his import schema as s
from demo.his.generate import generate
from hisbridge.db import make_engine

from .conftest import DAY, SCALE, Demo


def _dump(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in s.metadata.sorted_tables
        }


def _scalar(engine: Engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def _rows(engine: Engine, stmt) -> list:
    with engine.connect() as conn:
        return list(conn.execute(stmt))


def test_same_seed_gives_identical_rows_and_another_seed_does_not(tmp_path) -> None:
    engines = [make_engine(f"sqlite:///{tmp_path / f'{n}.db'}") for n in ("a", "b", "c")]
    try:
        first = generate(engines[0], DAY, 60, seed=7)
        second = generate(engines[1], DAY, 60, seed=7)
        other = generate(engines[2], DAY, 60, seed=8)
        assert first == second
        assert _dump(engines[0]) == _dump(engines[1])
        assert _dump(engines[0])["patient"] != _dump(engines[2])["patient"]
        assert first.edge_cases != other.edge_cases or first.pii != other.pii
    finally:
        for e in engines:
            e.dispose()


def test_sqlite_and_postgresql_get_the_same_data(sqlite_demo: Demo, pg_demo: Demo) -> None:
    assert sqlite_demo.summary == pg_demo.summary
    assert _dump(sqlite_demo.engine) == _dump(pg_demo.engine)


def test_refuses_a_tiny_scale_and_a_filled_database(sqlite_demo: Demo) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(sqlite_demo.engine, DAY, 5)
    with pytest.raises(ValueError, match="already holds demo data"):
        generate(sqlite_demo.engine, DAY, SCALE)


def test_counts_are_the_rows_written(demo: Demo) -> None:
    counts = demo.summary.counts
    for table in s.metadata.sorted_tables:
        assert counts[table.name] == _scalar(demo.engine, select(func.count()).select_from(table)), table.name
    assert counts["sale_line"] == SCALE
    assert counts["drug_dict"] >= 100
    assert counts["sale_return"] >= 1 and counts["stock_take"] > 0 and counts["stock_move"] >= 9


def test_id_numbers_are_valid_nanchang_numbers_matching_birth_date_and_gender(demo: Demo) -> None:
    rows = _rows(demo.engine, select(s.patient.c.id_card_no, s.patient.c.birth_date, s.patient.c.gender))
    rows += _rows(demo.engine, select(s.staff.c.id_card_no, s.staff.c.birth_date, s.staff.c.gender))
    assert len(rows) > 300
    for id_no, birth, gender in rows:
        assert idcard.is_valid(id_no), id_no
        assert id_no[:6] in idcard.NANCHANG_AREAS
        assert idcard.birth_date_of(id_no) == birth
        assert idcard.gender_of(id_no) == gender
    assert len({r[0] for r in rows}) == len(rows), "ID numbers are unique"


def test_phones_are_11_digit_mobiles(demo: Demo) -> None:
    phones = [p for (p,) in _rows(demo.engine, select(s.patient.c.phone))]
    phones += [p for (p,) in _rows(demo.engine, select(s.staff.c.phone))]
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)


def test_pii_lists_hold_every_name_id_number_and_phone(demo: Demo) -> None:
    pii = demo.summary.pii
    for table in (s.patient, s.staff):
        for name, id_no, phone in _rows(demo.engine, select(table.c.name, table.c.id_card_no, table.c.phone)):
            assert name in pii.names and id_no in pii.id_card_nos and phone in pii.phones


def test_national_drug_codes_look_like_hsa_codes(demo: Demo) -> None:
    codes = [c for (c,) in _rows(demo.engine, select(s.drug_dict.c.med_list_codg))]
    present = [c for c in codes if c is not None]
    assert len(present) == len(codes) - 1
    assert all(re.fullmatch(r"[XZT][A-Z0-9]{19,}", c) for c in present)
    assert len(set(present)) == len(present)


def test_registrations_are_on_the_day_and_a_few_the_day_before(demo: Demo) -> None:
    by_day = Counter(d for (d,) in _rows(demo.engine, select(s.registration.c.visit_date)))
    assert set(by_day) == {DAY, DAY - timedelta(days=1)}
    assert by_day[DAY] > 5 * by_day[DAY - timedelta(days=1)] > 0
    statuses = Counter(st for (st,) in _rows(demo.engine, select(s.registration.c.visit_status)))
    assert set(statuses) == {"waiting", "called", "done", "absent"}


def test_sales_happen_between_8_and_20_with_consistent_times(demo: Demo) -> None:
    stmt = (
        select(s.sale_line.c.sale_time, s.prescription.c.rx_time, s.registration.c.reg_time)
        .join(s.prescription, s.prescription.c.rx_no == s.sale_line.c.rx_no)
        .join(s.registration, s.registration.c.reg_id == s.prescription.c.reg_id)
    )
    rows = _rows(demo.engine, stmt)
    assert len(rows) == SCALE
    for sale_time, rx_time, reg_time in rows:
        assert time(8) <= sale_time.time() < time(20)
        assert reg_time <= rx_time < sale_time
    assert sum(1 for r in rows if r[0].date() == DAY) > 0.9 * SCALE


def test_trace_codes_are_20_digits_and_one_package_is_sold_only_once_except_the_edge_case(demo: Demo) -> None:
    edge = demo.summary.edge_cases
    sold = _rows(
        demo.engine,
        select(s.drug_trace_code.c.trace_code, s.drug_trace_code.c.src_id).where(
            s.drug_trace_code.c.src_kind == s.TRACE_SALE
        ),
    )
    assert all(re.fullmatch(r"\d{20}", c) for c, _ in sold if c != edge.bad_trace_code)
    twice = {c: n for c, n in Counter(c for c, _ in sold).items() if n > 1}
    assert twice == {edge.duplicate_trace_code: 2}
    assert sorted(i for c, i in sold if c == edge.duplicate_trace_code) == sorted(
        edge.duplicate_trace_code_sales
    )
    codes_per_line = Counter(i for _, i in sold)
    assert max(codes_per_line.values()) == 3


def test_every_edge_case_is_in_the_database(demo: Demo) -> None:
    e, eng = demo.summary.edge_cases, demo.engine
    sl, tc = s.sale_line, s.drug_trace_code
    yesterday = DAY - timedelta(days=1)

    def sale(line_id: str):
        return _rows(eng, select(sl).where(sl.c.sale_line_id == line_id))[0]

    def codes(kind: str, src_id: str) -> list[str]:
        stmt = select(tc.c.trace_code).where(tc.c.src_kind == kind, tc.c.src_id == src_id)
        return [c for (c,) in _rows(eng, stmt)]

    same_day = sale(e.sale_cancelled_same_day)
    assert same_day.status == "cancelled" and same_day.sale_time.date() == same_day.cancel_time.date() == DAY
    later = sale(e.sale_cancelled_later)
    assert (
        later.status == "cancelled"
        and later.sale_time.date() == yesterday
        and later.cancel_time.date() == DAY
    )

    ret = _rows(eng, select(s.sale_return).where(s.sale_return.c.return_id == e.sale_return_of_earlier_sale))[
        0
    ]
    returned = sale(e.sale_returned)
    assert ret.sale_line_id == e.sale_returned and returned.sale_time.date() == yesterday
    assert ret.return_time.date() == DAY
    assert codes(s.TRACE_SALE_RETURN, ret.return_id)[0] in codes(s.TRACE_SALE, returned.sale_line_id)

    no_code = sale(e.sale_without_trace_code)
    required = _rows(
        eng, select(s.drug_dict.c.trace_required).where(s.drug_dict.c.drug_code == no_code.drug_code)
    )
    assert required[0][0] == "Y" and codes(s.TRACE_SALE, no_code.sale_line_id) == []

    assert codes(s.TRACE_SALE, e.sale_bad_trace_code) == [e.bad_trace_code] and len(e.bad_trace_code) == 19

    drug = _rows(eng, select(s.drug_dict).where(s.drug_dict.c.drug_code == e.drug_without_national_code))[0]
    assert drug.med_list_codg is None
    assert sale(e.sale_of_uncoded_drug).drug_code == drug.drug_code
    pl = _rows(
        eng, select(s.purchase_line).where(s.purchase_line.c.purchase_line_id == e.purchase_of_uncoded_drug)
    )
    assert pl[0].drug_code == drug.drug_code
    take = _rows(eng, select(s.stock_take).where(s.stock_take.c.take_id == e.stock_take_of_uncoded_drug))
    assert take[0].drug_code == drug.drug_code and take[0].take_date == DAY

    first, second = (sale(i) for i in e.duplicate_trace_code_sales)
    assert first.sale_time < second.sale_time and first.drug_code == second.drug_code
    assert e.duplicate_trace_code in codes(s.TRACE_SALE, first.sale_line_id)
    assert codes(s.TRACE_SALE, second.sale_line_id) == [e.duplicate_trace_code]

    reg = s.registration
    cancelled = _rows(eng, select(reg).where(reg.c.reg_id == e.registration_cancelled))[0]
    refunded = _rows(eng, select(reg).where(reg.c.reg_id == e.registration_refunded))[0]
    assert (cancelled.status, refunded.status) == ("cancelled", "refunded")
    assert cancelled.visit_date == refunded.visit_date == DAY
    assert cancelled.cancel_time.date() == refunded.cancel_time.date() == DAY

    receipt = _rows(
        eng, select(s.purchase_receipt).where(s.purchase_receipt.c.receipt_no == e.purchase_cancelled)
    )
    assert receipt[0].status == "cancelled" and receipt[0].cancel_time.date() == DAY
    lines = _rows(
        eng,
        select(s.purchase_line.c.purchase_line_id).where(
            s.purchase_line.c.receipt_no == e.purchase_cancelled
        ),
    )
    assert sorted(r[0] for r in lines) == sorted(e.purchase_cancelled_lines)

    move = _rows(eng, select(s.stock_move).where(s.stock_move.c.move_id == e.stock_move_cancelled))[0]
    assert move.status == "cancelled" and move.move_time.date() == move.cancel_time.date() == DAY


def test_nothing_is_stocked_sold_or_counted_in_the_week_before(demo: Demo) -> None:
    """Stock was received 10–60 days earlier and a few sales happen the day before; the week before is quiet."""
    lo = datetime.combine(DAY - timedelta(days=9), time())
    hi = datetime.combine(DAY - timedelta(days=1), time())
    with demo.engine.connect() as conn:
        for col in (
            s.purchase_receipt.c.receipt_time,
            s.purchase_return.c.return_time,
            s.sale_line.c.sale_time,
            s.sale_return.c.return_time,
            s.stock_move.c.move_time,
            s.stock_take.c.take_time,
        ):
            n = conn.execute(select(func.count()).where(col >= lo, col < hi)).scalar_one()
            assert n == 0, col
