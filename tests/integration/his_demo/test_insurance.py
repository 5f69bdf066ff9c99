"""The demo HIS's 医保 settlement data: deterministic, consistent money, every planted case present with the
properties the reconciliation, settlement-list, 目录对照 and fund self-check jobs rely on, clean elsewhere, and
the simulator seeded with exactly the planted differences."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from demo.his import insurance_refdata as ir
from demo.his import schema as s
from demo.his.generate import generate
from demo.his.insurance import (
    AMOUNT_DIFF,
    OVERDUE_DAYS,
    InsuranceSummary,
    age_on,
    generate_insurance,
    main,
    seed_platform,
)
from hisbridge.db import make_engine
from simulators.hsa.state import SimState

from .conftest import DAY, SCALE, SEED, Demo

PREV = DAY - timedelta(days=1)
MY_TABLES = ("charge_item", "catalog_map", "insu_item_limit", "inpatient_stay", "stay_diagnosis", "stay_operation",
             "insu_settlement", "fee_detail")  # fmt: skip
RULES = (
    "gender",
    "age",
    "once_per_day",
    "over_daily_qty",
    "after_discharge",
    "outpatient_in_stay",
    "indication",
)


@dataclass
class Ins:
    backend: str
    engine: Engine
    summary: InsuranceSummary
    base_counts: dict[str, int]  # patient and drug_dict rows before


def _count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _ins(demo: Demo) -> Ins:
    base = {"patient": _count(demo.engine, s.patient), "drug_dict": _count(demo.engine, s.drug_dict)}
    return Ins(demo.backend, demo.engine, generate_insurance(demo.engine, DAY, seed=SEED), base)


@pytest.fixture(scope="module")
def sqlite_ins(sqlite_demo: Demo) -> Ins:
    return _ins(sqlite_demo)


@pytest.fixture(scope="module")
def pg_ins(pg_demo: Demo) -> Ins:
    return _ins(pg_demo)


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def ins(request) -> Ins:
    return request.getfixturevalue(f"{'pg' if request.param == 'postgresql' else 'sqlite'}_ins")


def _rows(engine: Engine, stmt) -> list:
    with engine.connect() as conn:
        return list(conn.execute(stmt))


def _dump(engine: Engine, tables=MY_TABLES) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in s.metadata.sorted_tables
            if t.name in tables
        }


def _settlements(engine: Engine) -> dict[str, dict]:
    st = s.insu_settlement
    with engine.connect() as conn:
        return {r["setl_id"]: dict(r) for r in conn.execute(select(st).order_by(st.c.setl_id)).mappings()}


def _lines(engine: Engine) -> list[dict]:
    f = s.fee_detail
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(f).order_by(f.c.fee_id)).mappings()]


def _stays(engine: Engine) -> dict[str, dict]:
    t = s.inpatient_stay
    with engine.connect() as conn:
        return {r["adm_id"]: dict(r) for r in conn.execute(select(t).order_by(t.c.adm_id)).mappings()}


def _diags(engine: Engine) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    t = s.stay_diagnosis
    with engine.connect() as conn:
        for r in conn.execute(select(t).order_by(t.c.adm_id, t.c.seq_no)).mappings():
            out[r["adm_id"]].append(dict(r))
    return out


# ------------------------------------------------------------------------------------------------ generation


def test_same_seed_gives_identical_rows_and_another_seed_does_not(tmp_path) -> None:
    engines = [make_engine(f"sqlite:///{tmp_path / f'{n}.db'}") for n in ("a", "b", "c")]
    try:
        for e in engines:
            generate(e, DAY, 100, seed=7)
        first = generate_insurance(engines[0], DAY, seed=7, settlements=80)
        second = generate_insurance(engines[1], DAY, seed=7, settlements=80)
        other = generate_insurance(engines[2], DAY, seed=8, settlements=80)
        assert first == second
        tables = (*MY_TABLES, "patient", "drug_dict")
        assert _dump(engines[0], tables) == _dump(engines[1], tables)
        assert _dump(engines[0])["fee_detail"] != _dump(engines[2])["fee_detail"]
        assert first.edge_cases != other.edge_cases
    finally:
        for e in engines:
            e.dispose()


def test_default_size_is_generated_fast_on_sqlite(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    try:
        generate(engine, DAY, SCALE, SEED)
        started = time.perf_counter()
        summary = generate_insurance(engine, DAY)
        assert time.perf_counter() - started < 3.0
        assert summary.counts["insu_settlement"] > 0
    finally:
        engine.dispose()


def test_sqlite_and_postgresql_get_the_same_data(sqlite_ins: Ins, pg_ins: Ins) -> None:
    assert sqlite_ins.summary == pg_ins.summary
    tables = (*MY_TABLES, "patient", "drug_dict")
    assert _dump(sqlite_ins.engine, tables) == _dump(pg_ins.engine, tables)


def test_refuses_a_second_run_a_missing_demo_his_and_too_few_settlements(sqlite_ins: Ins, tmp_path) -> None:
    with pytest.raises(ValueError, match="already holds 医保"):
        generate_insurance(sqlite_ins.engine, DAY)
    with pytest.raises(ValueError, match="at least"):
        generate_insurance(sqlite_ins.engine, DAY, settlements=5)
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(ValueError, match="no demo HIS"):
            generate_insurance(empty, DAY)
    finally:
        empty.dispose()


def test_counts_are_the_rows_written(ins: Ins) -> None:
    counts = ins.summary.counts
    for name in MY_TABLES:
        table = s.metadata.tables[name]
        assert counts[name] == _count(ins.engine, table), name
    for name, before in ins.base_counts.items():
        assert counts[name] == _count(ins.engine, s.metadata.tables[name]) - before, name
    assert counts["drug_dict"] == 1
    # about the target on day-1 and day (the ward's older discharges and the cancellations come on top)
    on_days = [r for r in _settlements(ins.engine).values()
               if r["refd_setl_flag"] == "0" and r["setl_time"].date() in (PREV, DAY)]  # fmt: skip
    assert 180 <= len(on_days) <= 200
    assert {r["visit_kind"] for r in on_days} == {"O", "I"}
    assert counts["stay_operation"] > 0 and counts["catalog_map"] > 100


def test_money_adds_up_per_settlement_and_cancellations_mirror_their_original(ins: Ins) -> None:
    setls = _settlements(ins.engine)
    by_setl: dict[str, list[dict]] = defaultdict(list)
    for line in _lines(ins.engine):
        assert line["amount"] == (line["qty"] * line["unit_price"]).quantize(Decimal("0.01"))
        if line["setl_id"]:
            by_setl[line["setl_id"]].append(line)
    cancellations = 0
    for setl_id, r in setls.items():
        assert r["fund_pay_sumamt"] + r["acct_pay"] + r["psn_cash_pay"] == r["medfee_sumamt"], setl_id
        if r["refd_setl_flag"] == "1":
            cancellations += 1
            original = setls[r["cancel_of"]]
            assert original["status"] == "cancelled" and original["refd_setl_flag"] == "0"
            assert r["setl_time"] > original["setl_time"] and not by_setl.get(setl_id)
            for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay"):
                assert r[k] == -original[k]
            assert (r["mdtrt_id"], r["psn_no"], r["insutype"], r["clr_optins"]) == (
                original["mdtrt_id"], original["psn_no"], original["insutype"], original["clr_optins"])  # fmt: skip
            continue
        assert r["cancel_of"] is None and r["medfee_sumamt"] > 0
        assert sum(x["amount"] for x in by_setl[setl_id]) == r["medfee_sumamt"], setl_id
        want = "refunded" if r["status"] == "cancelled" else "normal"
        assert {x["status"] for x in by_setl[setl_id]} == {want}
        assert all(x["fee_time"] <= r["setl_time"] for x in by_setl[setl_id])
        assert all(
            x["mdtrt_id"] == r["mdtrt_id"] and x["patient_id"] == r["patient_id"] for x in by_setl[setl_id]
        )
        assert (r["clr_type"], r["visit_kind"] == "O") in (("11", True), ("21", False))
        assert (r["reg_id"] is None) == (r["visit_kind"] == "I") and (r["adm_id"] is None) == (
            r["visit_kind"] == "O"
        )
    assert cancellations == 2


def test_settlements_carry_the_patients_area_and_insurance(ins: Ins) -> None:
    p = s.patient.c
    patients = {r.patient_id: r for r in _rows(ins.engine, select(p.patient_id, p.psn_no, p.insuplc_admdvs,
                                                                  p.birth_date))}  # fmt: skip
    areas = set()
    for r in _settlements(ins.engine).values():
        patient = patients[r["patient_id"]]
        assert r["psn_no"] == patient.psn_no and r["clr_optins"] == patient.insuplc_admdvs
        assert r["insutype"] in ("310", "390")
        if age_on(patient.birth_date, DAY) < 18:
            assert r["insutype"] == "390"
        areas.add(r["clr_optins"])
    assert "360100" in areas and len(areas) > 1  # 异地 agencies too


# ------------------------------------------------------------------------------------------------ reconciliation


def test_reconciliation_cases(ins: Ins) -> None:
    edge, setls = ins.summary.edge_cases, _settlements(ins.engine)
    his_only = setls[edge.recon_his_only]
    assert his_only["setl_time"].date() == DAY and his_only["status"] == "normal"
    assert (his_only["clr_optins"], his_only["insutype"], his_only["clr_type"]) == ("360100", "310", "11")
    assert edge.recon_platform_only not in setls
    lost = [x for x in _lines(ins.engine) if x["mdtrt_id"] == edge.recon_platform_only_mdtrt_id]
    assert lost and all(x["setl_id"] is None and x["fee_time"].date() == DAY for x in lost)
    assert not any(r["mdtrt_id"] == edge.recon_platform_only_mdtrt_id for r in setls.values())
    diff = setls[edge.recon_amount_diff]
    assert diff["setl_time"].date() == DAY and diff["fund_pay_sumamt"] > AMOUNT_DIFF
    assert (diff["clr_optins"], diff["insutype"], diff["clr_type"]) == ("360100", "310", "21")
    cancelled, cancellation = setls[edge.settlement_cancelled], setls[edge.settlement_cancellation]
    assert cancelled["visit_kind"] == "O" and cancelled["status"] == "cancelled"
    assert cancellation["cancel_of"] == edge.settlement_cancelled and cancellation["refd_setl_flag"] == "1"
    assert cancelled["setl_time"].date() == cancellation["setl_time"].date() == DAY


# ------------------------------------------------------------------------------------------------ settlement list


def test_settlement_list_cases(ins: Ins) -> None:
    edge, setls, stays, diags = (
        ins.summary.edge_cases,
        _settlements(ins.engine),
        _stays(ins.engine),
        _diags(ins.engine),
    )
    deadline_lo = DAY - timedelta(days=29)

    def stay_of(setl_id: str) -> dict:
        return stays[setls[setl_id]["adm_id"]]

    def complete(setl_id: str) -> bool:
        r, st = setls[setl_id], stay_of(setl_id)
        mains = [d for d in diags[st["adm_id"]] if d["maindiag_flag"] == "1"]
        return (len(mains) == 1 and r["main_diag_code"] == mains[0]["diag_code"] and st["status"] == "discharged"
                and all(st[k] for k in ("medcasno", "dscg_way", "chfpdr_code", "resp_nurse_code", "coner_name",
                                        "coner_rlts", "coner_addr", "coner_tel", "prfs", "mdtrt_id"))
                and st["mdtrt_id"] == r["mdtrt_id"] and r["bill_code"] and r["bill_no"])  # fmt: skip

    expected = sorted(
        k for k, r in setls.items()
        if r["visit_kind"] == "I" and r["refd_setl_flag"] == "0" and r["status"] == "normal"
        and deadline_lo <= stay_of(k)["dscg_time"].date() <= DAY and k != edge.setl_list_no_main_diag
    )  # fmt: skip
    assert list(edge.setl_list_valid) == expected and len(expected) > 20
    assert all(complete(k) for k in expected)
    assert {k for k in expected if stay_of(k)["dscg_time"].date() == DAY} == set(edge.setl_list_valid_on_day)
    assert any(stay_of(k)["dscg_time"].date() == PREV for k in expected)

    nomain = stay_of(edge.setl_list_no_main_diag)
    assert nomain["dscg_time"].date() == DAY and setls[edge.setl_list_no_main_diag]["main_diag_code"] is None
    assert diags[nomain["adm_id"]] and not any(d["maindiag_flag"] == "1" for d in diags[nomain["adm_id"]])

    overdue = stay_of(edge.setl_list_overdue)
    assert (DAY - overdue["dscg_time"].date()).days == OVERDUE_DAYS >= 35
    assert complete(edge.setl_list_overdue) and setls[edge.setl_list_overdue]["status"] == "normal"
    # nothing between the deadline and the overdue one, so the overdue list is exactly one
    assert not [k for k, r in setls.items() if r["visit_kind"] == "I" and r["refd_setl_flag"] == "0"
                and 30 <= (DAY - stay_of(k)["dscg_time"].date()).days and k != edge.setl_list_overdue]  # fmt: skip

    cancelled, cancellation = setls[edge.setl_list_cancelled], setls[edge.setl_list_cancellation]
    assert stay_of(edge.setl_list_cancelled)["dscg_time"].date() == DAY - timedelta(days=3)
    assert cancelled["status"] == "cancelled" and complete(edge.setl_list_cancelled)
    assert cancellation["cancel_of"] == edge.setl_list_cancelled and cancellation["setl_time"].date() == DAY

    # every stay has one diagnosis row per seq and operations inside the stay
    op = s.stay_operation.c
    for r in _rows(ins.engine, select(op.adm_id, op.begin_time, op.end_time, op.oper_dr_code)):
        st = stays[r.adm_id]
        assert st["adm_time"] < r.begin_time < r.end_time < (st["dscg_time"] or datetime.max)


def test_stays_still_in_hospital_have_unsettled_fees_only(ins: Ins) -> None:
    open_stays = {k: v for k, v in _stays(ins.engine).items() if v["dscg_time"] is None}
    assert len(open_stays) >= 4 and all(v["status"] == "admitted" for v in open_stays.values())
    mdtrt = {v["mdtrt_id"] for v in open_stays.values()}
    lines = [x for x in _lines(ins.engine) if x["mdtrt_id"] in mdtrt]
    assert lines and all(x["setl_id"] is None and x["fee_time"] < datetime.combine(DAY, datetime.max.time())
                         for x in lines)  # fmt: skip


# ------------------------------------------------------------------------------------------------ 目录对照


def test_catalogue_cases(ins: Ins) -> None:
    edge = ins.summary.edge_cases
    m = s.catalog_map.c
    maps = {r.map_id: r for r in _rows(ins.engine, select(s.catalog_map))}
    items = {r.item_code: r for r in _rows(ins.engine, select(s.charge_item))}
    drugs = {r.drug_code: r for r in _rows(ins.engine, select(s.drug_dict))}
    day_start = datetime.combine(DAY, datetime.min.time())
    on_day = {k for k, r in maps.items() if r.updated_at >= day_start}
    planted = {*edge.catalog_new, *edge.catalog_changed, edge.catalog_withdrawn, edge.catalog_malformed}
    assert on_day == planted and len(planted) == 7
    # everything else was mapped long ago
    assert all(r.updated_at < day_start - timedelta(days=60) for k, r in maps.items() if k not in planted)

    def code_of(r) -> str | None:
        return drugs[r.item_code].med_list_codg if r.item_kind == "drug" else items[r.item_code].med_list_codg

    for k in edge.catalog_new:
        r = maps[k]
        assert r.status == "active" and r.begndate == DAY and code_of(r) == r.med_list_codg
    assert {maps[k].item_kind for k in edge.catalog_new} == {"drug", "item", "material"}
    old, new = (maps[k] for k in edge.catalog_changed)
    assert (old.item_code, old.list_type) == (
        new.item_code,
        new.list_type,
    ) and old.med_list_codg != new.med_list_codg
    assert (old.status, new.status) == ("withdrawn", "active") and old.updated_at <= new.updated_at
    assert code_of(new) == new.med_list_codg
    gone = maps[edge.catalog_withdrawn]
    assert gone.status == "withdrawn" and items[gone.item_code].is_active == 0
    assert items[gone.item_code].med_list_codg is None
    bad = maps[edge.catalog_malformed]
    assert bad.status == "active" and not re.fullmatch(r"[A-Z0-9]{9,30}", bad.med_list_codg)
    # every other national code is well formed and every coded dictionary entry has its active 对照
    for r in maps.values():
        if r.map_id != edge.catalog_malformed:
            assert re.fullmatch({"101": r"[XZ][A-Z0-9]{9,29}", "102": r"T[0-9A-Z]{9,29}", "201": r"\d{15}",
                                 "301": r"C[0-9A-Z]{19,26}"}[r.list_type], r.med_list_codg), r  # fmt: skip
    active = {(r.item_kind, r.item_code): r.med_list_codg for r in maps.values() if r.status == "active"}
    for code, d in drugs.items():
        assert active.get(("drug", code)) == d.med_list_codg
    for code, it in items.items():
        assert active.get((it.item_kind, code)) == it.med_list_codg
    assert (
        _rows(ins.engine, select(func.count()).select_from(s.catalog_map).where(m.status == "withdrawn"))[0][
            0
        ]
        == 3
    )


def test_uncoded_items_are_used_in_clearly_different_amounts(ins: Ins) -> None:
    edge = ins.summary.edge_cases
    since = datetime.combine(DAY - timedelta(days=29), datetime.min.time())
    recent: dict[str, Decimal] = defaultdict(Decimal)
    older: dict[str, Decimal] = defaultdict(Decimal)
    for x in _lines(ins.engine):
        if x["status"] == "normal":
            (recent if x["fee_time"] >= since else older)[x["item_code"]] += x["amount"]
    amounts = [recent[c] for c in edge.uncoded_ranking]
    assert amounts == [Decimal("1200.00"), Decimal("420.00"), Decimal("162.00"), Decimal("60.00")]
    assert all(a >= 2 * b for a, b in zip(amounts, amounts[1:], strict=False))
    items = {r.item_code: r for r in _rows(ins.engine, select(s.charge_item))}
    drugs = {r.drug_code: r for r in _rows(ins.engine, select(s.drug_dict))}
    for code in edge.uncoded_ranking:
        row = items.get(code) or drugs[code]
        assert row.med_list_codg is None and row.is_active == 1
    old, unused, stopped = edge.uncoded_not_ranked
    assert not recent[old] and older[old] and not recent[unused] and not older[unused]
    assert recent[stopped] and items[stopped].is_active == 0
    assert items[old].is_active == items[unused].is_active == 1


# ------------------------------------------------------------------------------------------------ fund self-check


def _self_check(engine: Engine, window: tuple[datetime, datetime]) -> dict[str, set[str]]:
    """The seven rules of the brief over the window's settled, valid lines (an independent reading)."""
    setls = _settlements(engine)
    stays, diags = _stays(engine), _diags(engine)
    p = s.patient.c
    patients = {r.patient_id: r for r in _rows(engine, select(p.patient_id, p.gender, p.birth_date))}
    limits = {(r.item_kind, r.item_code): r for r in _rows(engine, select(s.insu_item_limit))}
    types = {r.item_code: r.med_chrgitm_type for r in _rows(engine, select(s.charge_item))}
    found: dict[str, set[str]] = {rule: set() for rule in RULES}
    lines = [x for x in _lines(engine) if x["setl_id"] and x["status"] == "normal"
             and setls[x["setl_id"]]["refd_setl_flag"] == "0" and setls[x["setl_id"]]["status"] == "normal"
             and window[0] <= setls[x["setl_id"]]["setl_time"] < window[1]]  # fmt: skip
    per_day: dict[tuple, Decimal] = defaultdict(Decimal)
    seen: dict[tuple, int] = defaultdict(int)
    for x in sorted(lines, key=lambda x: (x["fee_time"], x["fee_id"])):
        r, pt = setls[x["setl_id"]], patients[x["patient_id"]]
        lim = limits.get((x["item_kind"], x["item_code"]))
        day_key = (x["patient_id"], x["item_kind"], x["item_code"], x["fee_time"].date())
        before = per_day[day_key]
        per_day[day_key] += x["qty"]
        seen[day_key] += 1
        age = age_on(pt.birth_date, x["fee_time"].date())
        once = (x["item_kind"] != "drug" and types.get(x["item_code"]) == "01") or (
            lim is not None and lim.daily_max_qty == 1)  # fmt: skip
        if lim is not None and lim.gender_limit and lim.gender_limit != pt.gender:
            found["gender"].add(x["fee_id"])
        if lim is not None and ((lim.min_age is not None and age < lim.min_age)
                                or (lim.max_age is not None and age > lim.max_age)):  # fmt: skip
            found["age"].add(x["fee_id"])
        if once and seen[day_key] > 1:
            found["once_per_day"].add(x["fee_id"])
        if lim is not None and lim.daily_max_qty is not None and before + x["qty"] > lim.daily_max_qty:
            found["over_daily_qty"].add(x["fee_id"])
        own = stays.get(r["adm_id"]) if r["adm_id"] else None
        if own and own["dscg_time"] and x["fee_time"] > own["dscg_time"]:
            found["after_discharge"].add(x["fee_id"])
        if x["visit_kind"] == "O" and any(
            st["patient_id"] == x["patient_id"] and st["status"] != "cancelled"
            and st["adm_time"].date() <= x["fee_time"].date() <= (st["dscg_time"] or datetime.max).date()
            for st in stays.values()
        ):  # fmt: skip
            found["outpatient_in_stay"].add(x["setl_id"])
        if lim is not None and lim.indication_diag:
            codes = [r["main_diag_code"] or ""] + [d["diag_code"] for d in diags.get(r["adm_id"] or "", [])]
            prefixes = [c.strip() for c in lim.indication_diag.split(",")]
            if not any(c.startswith(pre) for c in codes for pre in prefixes):
                found["indication"].add(x["fee_id"])
    return found


def _day(d: date) -> tuple[datetime, datetime]:
    start = datetime.combine(d, datetime.min.time())
    return start, start + timedelta(days=1)


def test_each_self_check_rule_has_exactly_its_planted_positive_on_day(ins: Ins) -> None:
    e = ins.summary.edge_cases
    found = _self_check(ins.engine, _day(DAY))
    assert found == {
        "gender": {e.check_gender},
        "age": {e.check_age},
        "once_per_day": {e.check_once_per_day[1]},
        "over_daily_qty": {e.check_over_daily_qty},
        "after_discharge": {e.check_after_discharge},
        "outpatient_in_stay": {e.check_outpatient_in_stay},
        "indication": {e.check_indication},
    }
    for d in (PREV, DAY - timedelta(days=3), DAY - timedelta(days=OVERDUE_DAYS)):
        assert not any(_self_check(ins.engine, _day(d)).values()), d
    everything = _self_check(ins.engine, (datetime(2000, 1, 1), datetime(2100, 1, 1)))
    assert everything == found


def test_self_check_positives_and_near_misses_have_their_properties(ins: Ins) -> None:
    e = ins.summary.edge_cases
    lines = {x["fee_id"]: x for x in _lines(ins.engine)}
    setls, stays, diags = _settlements(ins.engine), _stays(ins.engine), _diags(ins.engine)
    p = s.patient.c
    patients = {r.patient_id: r for r in _rows(ins.engine, select(p.patient_id, p.gender, p.birth_date))}

    def line(fee_id: str) -> dict:
        x = lines[fee_id]
        assert x["fee_time"].date() == DAY and x["status"] == "normal"
        assert setls[x["setl_id"]]["setl_time"].date() == DAY and setls[x["setl_id"]]["status"] == "normal"
        return x

    def who(fee_id: str):
        return patients[lines[fee_id]["patient_id"]]

    assert line(e.check_gender)["item_code"] == line(e.near_gender)["item_code"] == ir.TCT
    assert (who(e.check_gender).gender, who(e.near_gender).gender) == ("1", "2")
    assert (
        line(e.check_age)["item_code"] == ir.CHILD_MASSAGE and age_on(who(e.check_age).birth_date, DAY) >= 20
    )
    near_age = line(e.near_age)
    if near_age["item_code"] == ir.CHILD_MASSAGE:
        assert age_on(who(e.near_age).birth_date, DAY) <= 12
    else:
        assert near_age["item_code"] == ir.GERIATRIC and age_on(who(e.near_age).birth_date, DAY) >= 65
    first, dup = (line(k) for k in e.check_once_per_day)
    assert first["item_code"] == dup["item_code"] == ir.BED and first["setl_id"] == dup["setl_id"]
    assert first["fee_time"] < dup["fee_time"] and line(e.near_once_per_day)["item_code"] == ir.BED
    assert line(e.check_over_daily_qty)["qty"] == 12 and line(e.near_daily_qty)["qty"] == 8
    assert lines[e.check_over_daily_qty]["item_code"] == lines[e.near_daily_qty]["item_code"] == ir.GLUCOSE
    after, near_after = line(e.check_after_discharge), line(e.near_after_discharge)
    assert after["fee_time"] > stays[setls[after["setl_id"]]["adm_id"]]["dscg_time"]
    assert near_after["fee_time"] == stays[setls[near_after["setl_id"]]["adm_id"]]["dscg_time"]
    in_stay, covering = setls[e.check_outpatient_in_stay], stays[e.check_outpatient_in_stay_adm]
    assert in_stay["visit_kind"] == "O" and in_stay["patient_id"] == covering["patient_id"]
    assert covering["adm_time"] < in_stay["setl_time"] < covering["dscg_time"]
    after_stay = setls[e.near_outpatient_after_stay]
    ended = [st for st in stays.values() if st["patient_id"] == after_stay["patient_id"]]
    assert len(ended) == 1 and ended[0]["dscg_time"].date() == PREV and after_stay["setl_time"].date() == DAY
    drug, near_otp, near_ipt = (
        line(e.check_indication),
        line(e.near_indication[0]),
        line(e.near_indication[1]),
    )
    assert drug["item_name"] == near_otp["item_name"] == near_ipt["item_name"] == ir.INDICATED_DRUG
    assert setls[drug["setl_id"]]["main_diag_code"].startswith("I10")
    assert setls[near_otp["setl_id"]]["main_diag_code"].startswith("E11")
    ipt = setls[near_ipt["setl_id"]]
    assert not ipt["main_diag_code"].startswith("E11")
    assert any(d["diag_code"].startswith("E11") and d["maindiag_flag"] == "0" for d in diags[ipt["adm_id"]])


# ------------------------------------------------------------------------------------------------ the platform side


def test_seed_platform_gives_the_simulator_exactly_the_planted_differences(ins: Ins) -> None:
    e = ins.summary.edge_cases
    state = SimState()
    day_from = DAY - timedelta(days=40)
    added = seed_platform(state, ins.engine, day_from, DAY, e)
    store = state.settlement
    his = _settlements(ins.engine)
    assert set(store.settlements) == (set(his) - {e.recon_his_only}) | {e.recon_platform_only}
    assert added["settlements"] == len(store.settlements)
    for setl_id, r in his.items():
        if setl_id == e.recon_his_only:
            continue
        sim = store.settlements[setl_id]
        assert (sim.mdtrt_id, sim.psn_no, sim.insutype, sim.clr_type, sim.clr_optins, sim.cancel_of) == (
            r["mdtrt_id"], r["psn_no"], r["insutype"], r["clr_type"], r["clr_optins"], r["cancel_of"])  # fmt: skip
        assert sim.setl_time == r["setl_time"].strftime("%Y-%m-%d %H:%M:%S")
        assert sim.amount("medfee_sumamt") == r["medfee_sumamt"] and sim.amount("acct_pay") == r["acct_pay"]
        want_fund = r["fund_pay_sumamt"] - (AMOUNT_DIFF if setl_id == e.recon_amount_diff else 0)
        assert sim.amount("fund_pay_sumamt") == want_fund, setl_id
        assert sim.status == ("cancelled" if r["status"] == "cancelled" else "live")
    lost = store.settlements[e.recon_platform_only]
    lines = [x for x in _lines(ins.engine) if x["mdtrt_id"] == e.recon_platform_only_mdtrt_id]
    assert lost.amount("medfee_sumamt") == sum(x["amount"] for x in lines)
    assert lost.mdtrt_id == e.recon_platform_only_mdtrt_id and lost.setl_time[:10] == DAY.isoformat()
    assert (lost.clr_optins, lost.insutype, lost.clr_type) == ("360100", "390", "11")
    assert lost.amount("fund_pay_sumamt") + lost.amount("acct_pay") <= lost.amount("medfee_sumamt")
    # every insured demo patient is a person with the HIS's 险种 and 参保地
    p = s.patient.c
    insured = _rows(ins.engine, select(p.psn_no, p.insuplc_admdvs).where(p.psn_no.is_not(None)))
    assert all(r.psn_no in store.persons for r in insured)
    for r in his.values():
        insu = store.persons[r["psn_no"]].insu(r["insutype"])
        assert insu is not None and insu.insuplc_admdvs == r["clr_optins"]
    # the 对照 the platform held before day_from: the changed and withdrawn ones too, none of the day's new ones
    maps = {r.map_id: r for r in _rows(ins.engine, select(s.catalog_map))}
    held = {(k[1], k[2]): m.med_list_codg for k, m in store.matches.items()}
    old, new = (maps[k] for k in e.catalog_changed)
    assert held[(old.item_code, old.list_type)] == old.med_list_codg
    assert (maps[e.catalog_withdrawn].item_code, "201") in held
    for k in (*e.catalog_new, e.catalog_malformed):
        assert (maps[k].item_code, maps[k].list_type) not in held
    assert len(held) == added["matches"] > 100
    assert e.setl_list_cancelled in store.setl_lists and added["lists"] == 1
    # seeding again changes nothing
    assert seed_platform(state, ins.engine, day_from, DAY, e) == {"persons": 0, "settlements": 0, "matches": 0,
                                                                   "lists": 0}  # fmt: skip


def test_seed_platform_one_day_at_a_time(ins: Ins) -> None:
    e = ins.summary.edge_cases
    state = SimState()
    seed_platform(state, ins.engine, PREV, PREV, e)
    prev = set(state.settlement.settlements)
    assert prev and all(x.setl_time[:10] == PREV.isoformat() for x in state.settlement.settlements.values())
    assert e.recon_platform_only not in prev and e.setl_list_cancelled not in state.settlement.setl_lists
    seed_platform(state, ins.engine, DAY, DAY, e)
    day_ids = {k for k, r in _settlements(ins.engine).items() if r["setl_time"].date() == DAY}
    assert set(state.settlement.settlements) - prev == (day_ids - {e.recon_his_only}) | {
        e.recon_platform_only
    }


# ------------------------------------------------------------------------------------------------ CLI


def test_cli_prints_counts_and_edge_case_ids_without_personal_data(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'his.db'}"
    engine = make_engine(url)
    try:
        base = generate(engine, DAY, 100, seed=3)
    finally:
        engine.dispose()
    assert main(["--url", url, "--day", DAY.isoformat(), "--seed", "3", "--settlements", "60"]) == 0
    out = capsys.readouterr().out
    assert "fee_detail" in out and "insu_settlement" in out
    engine = make_engine(url)
    try:
        names = {r.name for r in _rows(engine, select(s.patient.c.name))}
        ids = {r.id_card_no for r in _rows(engine, select(s.patient.c.id_card_no))}
        setl_ids = set(_settlements(engine))
    finally:
        engine.dispose()
    assert any(k in out for k in setl_ids)
    for secret in (*names, *ids, *base.pii.names, *base.pii.phones):
        assert secret not in out
    assert main(["--url", url, "--day", DAY.isoformat()]) == 2
    assert "already holds" in capsys.readouterr().err
