"""医保基金自查 over a real PostgreSQL HIS: for every rule of the YAML a positive case (flagged, with the right amount
at risk) and a near miss (not flagged); the population (refunds, cancelled settlements, the window); the job's
report (identical bytes on re-run); and once the whole set of cases on SQLite, which must find the same.

A new rule in include/mappings/hsa_fund_self_check.yaml without an entry in ``CASES`` fails
``test_every_rule_has_a_positive_and_a_near_miss_case``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, delete, insert

from demo.his import schema as his_schema
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa import self_check
from hisbridge.platforms.hsa.jobs import JobContext, run_job

DAY = datetime(2026, 11, 24)
WINDOW = (DAY, DAY + timedelta(days=1))
SPEC = self_check.load_spec()
RULE_IDS = [r.id for r in SPEC.rules]
STAMP = datetime(2026, 11, 1)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """A time on DAY (the window's day) + ``day`` days."""
    return DAY + timedelta(days=day, hours=hour, minutes=minute)


class His:
    """The rows of one case. Every id is prefixed with the case's tag, so that cases can share one database."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self._setl: dict[str, dict] = {}

    def id(self, name: str) -> str:
        return f"{self.tag}{name}"

    def patient(self, name: str, gender: str = "1", birth: date | None = date(1980, 5, 1)) -> None:
        self.rows["patient"].append(dict(patient_id=self.id(name), name="测试患者", gender=gender, birth_date=birth,
                                         created_at=STAMP))

    def limit(self, item: str, kind: str = "drug", **limits) -> None:
        self.rows["insu_item_limit"].append(dict(item_kind=kind, item_code=self.id(item), updated_at=STAMP, **limits))

    def charge_item(self, item: str, chrgitm_type: str, kind: str = "item") -> None:
        self.rows["charge_item"].append(dict(item_code=self.id(item), item_name=f"项目{item}", item_kind=kind,
                                             med_chrgitm_type=chrgitm_type, is_active=1, updated_at=STAMP))

    def stay(self, name: str, patient: str, adm: datetime, dscg: datetime | None = None, diags: tuple = (),
             status: str | None = None) -> None:
        self.rows["inpatient_stay"].append(dict(
            adm_id=self.id(name), patient_id=self.id(patient), medcasno=self.id(name), med_type="21", ipt_med_type="1",
            adm_time=adm, adm_dept_code="W01", dscg_time=dscg, status=status or ("discharged" if dscg else "admitted"),
            updated_at=STAMP))
        for n, code in enumerate(diags, 1):
            self.rows["stay_diagnosis"].append(dict(adm_id=self.id(name), seq_no=n, diag_type="1", diag_code=code,
                                                    diag_name=f"诊断{code}", maindiag_flag="1" if n == 1 else "0"))

    def settle(self, name: str, patient: str, *, kind: str = "O", when: datetime | None = None,
               stay: str | None = None, main_diag: str | None = None, status: str = "normal",
               refd: str = "0") -> None:
        row = dict(setl_id=self.id(name), mdtrt_id=self.id(f"M{name}"), psn_no=self.id(f"N{patient}"),
                   patient_id=self.id(patient), visit_kind=kind, adm_id=self.id(stay) if stay else None,
                   insutype="310", clr_type="11" if kind == "O" else "21", clr_optins="360100",
                   med_type="11" if kind == "O" else "21", setl_time=when or at(16), medfee_sumamt=Decimal("100"),
                   fund_pay_sumamt=Decimal("60"), acct_pay=Decimal("20"), psn_cash_pay=Decimal("20"),
                   refd_setl_flag=refd, status=status, main_diag_code=main_diag, updated_at=STAMP)
        self.rows["insu_settlement"].append(row)
        self._setl[name] = row

    def fee(self, name: str, setl: str, item: str, when: datetime, *, qty: str = "1", price: str = "10.00",
            kind: str = "drug", status: str = "normal") -> None:
        s = self._setl[setl]
        self.rows["fee_detail"].append(dict(
            fee_id=self.id(name), setl_id=s["setl_id"], mdtrt_id=s["mdtrt_id"], patient_id=s["patient_id"],
            visit_kind=s["visit_kind"], item_kind=kind, item_code=self.id(item), item_name=f"品名{item}",
            fee_time=when, qty=Decimal(qty), unit_price=Decimal(price),
            amount=(Decimal(qty) * Decimal(price)).quantize(Decimal("0.01")), status=status, updated_at=STAMP))

    def insert(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for table in his_schema.metadata.sorted_tables:
                rows = self.rows.get(table.name)
                if rows:  # one executemany: every row with every column the rows use
                    keys = {k for row in rows for k in row}
                    conn.execute(insert(table), [{k: row.get(k) for k in keys} for row in rows])


# -- the cases: rule id → (positive, near miss) --------------------------------------------------------------
Expected = list[tuple[str, str]]  # (fee name, amount at risk)


@dataclass(frozen=True)
class RuleCase:
    positive: Callable[[His], Expected]
    near_miss: Callable[[His], None]


def gender_pos(h: His) -> Expected:
    h.limit("DGL", gender_limit="2", limit_note="限女性")
    h.patient("P", gender="1")
    h.settle("S", "P")
    h.fee("F", "S", "DGL", at(9), qty="2", price="15.50")
    h.fee("FOK", "S", "DFREE", at(9))  # no limit at all
    return [("F", "31.00")]


def gender_miss(h: His) -> None:
    h.limit("DGL", gender_limit="2")
    h.patient("P", gender="2")
    h.settle("S", "P")
    h.fee("F", "S", "DGL", at(9), qty="2", price="15.50")


def age_pos(h: His) -> Expected:
    h.limit("DKID", max_age=14, limit_note="儿童专用")
    h.limit("DADU", min_age=18)
    h.patient("P1", birth=date(2011, 11, 24))  # 15 on DAY: one year too old
    h.patient("P2", birth=date(2008, 11, 25))  # still 17 on DAY: 18 tomorrow
    h.settle("S1", "P1")
    h.settle("S2", "P2")
    h.fee("F1", "S1", "DKID", at(9), price="8.80")
    h.fee("F2", "S2", "DADU", at(9), qty="3", price="5.00")
    return [("F1", "8.80"), ("F2", "15.00")]


def age_miss(h: His) -> None:
    h.limit("DKID", max_age=14)
    h.limit("DADU", min_age=18)
    h.patient("P1", birth=date(2011, 11, 25))  # 14 until tomorrow
    h.patient("P2", birth=date(2008, 11, 24))  # 18 on DAY
    h.settle("S1", "P1")
    h.settle("S2", "P2")
    h.fee("F1", "S1", "DKID", at(9))
    h.fee("F2", "S2", "DADU", at(9))


def duplicate_pos(h: His) -> Expected:
    h.charge_item("BED", "01")  # 床位费: once a day by its charge type
    h.limit("DONE", daily_max_qty=1)  # once a day by its daily limit
    h.patient("P")
    h.stay("A", "P", at(8, day=-3), at(10))
    h.settle("S", "P", kind="I", when=at(11), stay="A")
    h.fee("F1", "S", "BED", at(8, day=-1), price="60.00", kind="item")
    h.fee("F2", "S", "BED", at(20, day=-1), price="60.00", kind="item")
    h.fee("F3", "S", "DONE", at(9, day=-2))
    h.fee("F4", "S", "DONE", at(9, day=-2))  # same time: the later fee id is the repeat
    return [("F2", "60.00"), ("F4", "10.00")]


def duplicate_miss(h: His) -> None:
    h.charge_item("BED", "01")
    h.charge_item("NURSE", "07")  # 护理费 is not once a day as a whole
    h.patient("P")
    h.stay("A", "P", at(8, day=-3), at(10))
    h.settle("S", "P", kind="I", when=at(11), stay="A")
    h.fee("F1", "S", "BED", at(23, 59, day=-2), price="60.00", kind="item")
    h.fee("F2", "S", "BED", at(0, 1, day=-1), price="60.00", kind="item")
    h.fee("F3", "S", "NURSE", at(8, day=-1), kind="item")
    h.fee("F4", "S", "NURSE", at(9, day=-1), kind="item")


def over_qty_pos(h: His) -> Expected:
    h.limit("DQ", daily_max_qty=3)
    h.patient("P")
    h.stay("A", "P", at(8, day=-3), at(10))
    h.settle("S", "P", kind="I", when=at(11), stay="A")
    h.fee("F1", "S", "DQ", at(8, day=-1), qty="2")
    h.fee("F2", "S", "DQ", at(12, day=-1), qty="2")  # 4 > 3: one too many at 10.00
    h.fee("F3", "S", "DQ", at(18, day=-1), qty="1", price="12.00")  # all of it over the limit
    return [("F2", "10.00"), ("F3", "12.00")]


def over_qty_miss(h: His) -> None:
    h.limit("DQ", daily_max_qty=3)
    h.limit("DF", daily_max_qty=Decimal("0.3"))
    h.patient("P")
    h.stay("A", "P", at(8, day=-3), at(10))
    h.settle("S", "P", kind="I", when=at(11), stay="A")
    h.fee("F1", "S", "DQ", at(8, day=-1), qty="2")
    h.fee("F2", "S", "DQ", at(12, day=-1), qty="1")  # exactly the limit
    h.fee("F3", "S", "DQ", at(8, day=-2), qty="3")  # another day
    h.fee("F4", "S", "DF", at(8, day=-1), qty="0.1")
    h.fee("F5", "S", "DF", at(9, day=-1), qty="0.2")  # 0.1 + 0.2 is 0.3, not more


def after_discharge_pos(h: His) -> Expected:
    h.patient("P")
    h.stay("A", "P", at(8, day=-2), at(10))
    h.settle("S", "P", kind="I", when=at(11), stay="A")
    h.fee("F0", "S", "D1", at(9))
    h.fee("F1", "S", "D1", at(10, 30), price="25.00")
    return [("F1", "25.00")]


def after_discharge_miss(h: His) -> None:
    h.patient("P")
    h.stay("A", "P", at(8, day=-2), at(10))
    h.settle("S", "P", kind="I", when=at(11), stay="A")
    h.fee("F1", "S", "D1", at(10), price="25.00")  # at the discharge time itself (出院带药)


def during_stay_pos(h: His) -> Expected:
    h.patient("P1")
    h.stay("A1", "P1", at(8, day=-2))  # still in hospital
    h.settle("S1", "P1", when=at(15))
    h.fee("F1", "S1", "D1", at(14), price="30.00")
    h.patient("P2")
    h.stay("A2", "P2", at(16))  # admitted in the afternoon of the outpatient visit
    h.settle("S2", "P2", when=at(9, 30))
    h.fee("F2", "S2", "D1", at(9))
    return [("F1", "30.00"), ("F2", "10.00")]


def during_stay_miss(h: His) -> None:
    h.patient("P1")
    h.stay("A1", "P1", at(8, day=-5), at(23, 30, day=-1))  # discharged the evening before
    h.settle("S1", "P1", when=at(9))
    h.fee("F1", "S1", "D1", at(8))
    h.patient("P2")
    h.stay("A2", "P2", at(8, day=-2), at(10))
    h.settle("S2", "P2", kind="I", when=at(11), stay="A2")  # the stay's own inpatient lines
    h.fee("F2", "S2", "D1", at(9))
    h.patient("P3")
    h.stay("A3", "P3", at(8, day=-2), status="cancelled")  # a cancelled admission covers nothing
    h.settle("S3", "P3", when=at(9))
    h.fee("F3", "S3", "D1", at(8))


def indication_pos(h: His) -> Expected:
    h.limit("DI", indication_diag="E11,E10", limit_note="限糖尿病")
    h.patient("P")
    h.stay("A", "P", at(8, day=-3), at(10), diags=("I10", "J18.900"))
    h.settle("S", "P", kind="I", when=at(11), stay="A", main_diag="I10")
    h.fee("F", "S", "DI", at(8, day=-1), qty="2", price="36.50")
    return [("F", "73.00")]


def indication_miss(h: His) -> None:
    h.limit("DI", indication_diag="E11, E10", limit_note="限糖尿病")
    h.patient("P1")
    h.stay("A", "P1", at(8, day=-3), at(10), diags=("I10", "E11.900"))  # the second diagnosis qualifies
    h.settle("S1", "P1", kind="I", when=at(11), stay="A", main_diag="I10")
    h.fee("F1", "S1", "DI", at(8, day=-1))
    h.patient("P2")
    h.settle("S2", "P2", main_diag="e10.9")  # an outpatient's main diagnosis, in lower case
    h.fee("F2", "S2", "DI", at(9))


def unverifiable_pos(h: His) -> Expected:
    h.limit("DA", max_age=14)
    h.limit("DG", gender_limit="2")
    h.patient("P1", birth=None)
    h.patient("P2", gender="0")  # 未知的性别
    h.settle("S1", "P1")
    h.settle("S2", "P2")
    h.fee("F1", "S1", "DA", at(9))
    h.fee("F2", "S2", "DG", at(9), price="20.00")
    return [("F1", "10.00"), ("F2", "20.00")]


def unverifiable_miss(h: His) -> None:
    h.limit("DA", max_age=14)
    h.limit("DG", gender_limit="2")
    h.patient("P1", birth=date(2016, 3, 1))
    h.patient("P2", gender="2", birth=None)  # no birth date, but the item has no age limit
    h.patient("P3", birth=None)  # no birth date, but the item has no limit at all
    h.settle("S1", "P1")
    h.settle("S2", "P2")
    h.settle("S3", "P3")
    h.fee("F1", "S1", "DA", at(9))
    h.fee("F2", "S2", "DG", at(9))
    h.fee("F3", "S3", "DFREE", at(9))


CASES: dict[str, RuleCase] = {
    "gender_limit": RuleCase(gender_pos, gender_miss),
    "age_limit": RuleCase(age_pos, age_miss),
    "duplicate_daily": RuleCase(duplicate_pos, duplicate_miss),
    "over_daily_qty": RuleCase(over_qty_pos, over_qty_miss),
    "after_discharge": RuleCase(after_discharge_pos, after_discharge_miss),
    "outpatient_during_stay": RuleCase(during_stay_pos, during_stay_miss),
    "indication_limit": RuleCase(indication_pos, indication_miss),
    "limit_unverifiable": RuleCase(unverifiable_pos, unverifiable_miss),
}


# -- fixtures ----------------------------------------------------------------------------------------------------
CASE_TABLES = ("fee_detail", "insu_settlement", "stay_diagnosis", "inpatient_stay", "insu_item_limit",
               "charge_item", "patient")


def _base(engine: Engine) -> None:
    his_schema.create_schema(engine)
    with engine.begin() as conn:
        conn.execute(insert(his_schema.dept), [dict(dept_code="W01", dept_name="内科病区", dept_type="inpatient",
                                                   campus="main", is_active=1, updated_at=STAMP)])


@pytest.fixture(scope="module")
def pg_his(pg_module_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_module_url)
    _base(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def his(pg_his: Engine) -> Engine:
    """The module's PostgreSQL HIS, emptied of every case's rows."""
    with pg_his.begin() as conn:
        for name in CASE_TABLES:
            conn.execute(delete(his_schema.metadata.tables[name]))
    return pg_his


def _findings(engine: Engine, rule_id: str) -> list[tuple[str | None, Decimal]]:
    result = self_check.run_checks(engine, WINDOW, SPEC)
    assert result.errors == {}
    return [(f.fee_id, f.amount_at_risk) for f in result.findings if f.rule_id == rule_id]


# -- every rule: flagged with the right amount, and a near miss not flagged ---------------------------------------
def test_every_rule_has_a_positive_and_a_near_miss_case() -> None:
    missing = [r for r in RULE_IDS if r not in CASES]
    assert not missing, f"rules without a test case (add them to CASES): {missing}"
    assert set(CASES) <= set(RULE_IDS), "a case for a rule that is no longer in the YAML"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_flags_its_positive_case_with_the_amount_at_risk(his: Engine, rule_id: str) -> None:
    h = His("T")
    expected = CASES[rule_id].positive(h)
    h.insert(his)
    assert sorted(_findings(his, rule_id)) == sorted((h.id(fee), Decimal(amount)) for fee, amount in expected)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_does_not_flag_its_near_miss(his: Engine, rule_id: str) -> None:
    h = His("T")
    CASES[rule_id].near_miss(h)
    h.insert(his)
    assert _findings(his, rule_id) == []


def test_findings_explain_themselves_in_chinese(his: Engine) -> None:
    h = His("T")
    during_stay_pos(h)
    h.insert(his)
    found = {f.fee_id: f.detail for f in self_check.run_checks(his, WINDOW, SPEC).findings}
    assert found[h.id("F1")] == f"门诊费用日期 2026-11-24 在住院期间（住院号 {h.id('A1')}，2026-11-22 入院，— 出院）"
    u = His("U")
    indication_pos(u)
    u.insert(his)
    found = {f.fee_id: f.detail for f in self_check.run_checks(his, WINDOW, SPEC).findings}
    assert found[u.id("F")] == "限定诊断 E11,E10（限糖尿病），本次诊断 I10、J18.900"


# -- which lines are checked at all -------------------------------------------------------------------------------
def test_only_valid_settlements_of_the_window_and_lines_not_refunded_are_checked(his: Engine) -> None:
    h = His("T")
    h.limit("DGL", gender_limit="2")
    h.patient("P", gender="1")
    h.stay("A", "P", at(8, day=-2), at(10))
    h.settle("OK", "P", kind="I", stay="A", when=at(11))
    h.fee("F_OK", "OK", "DGL", at(10, 30))  # flagged twice: wrong gender, after discharge
    h.fee("F_REFUNDED", "OK", "DGL", at(10, 30), status="refunded")
    h.settle("CANCELLED", "P", kind="I", stay="A", when=at(11), status="cancelled")
    h.fee("F_CANCELLED", "CANCELLED", "DGL", at(10, 30))
    h.settle("REVERSAL", "P", kind="I", stay="A", when=at(12), refd="1")
    h.fee("F_REVERSAL", "REVERSAL", "DGL", at(10, 30))
    h.settle("BEFORE", "P", kind="I", stay="A", when=at(23, 59, day=-1))
    h.fee("F_BEFORE", "BEFORE", "DGL", at(10, 30))
    h.settle("AFTER", "P", kind="I", stay="A", when=WINDOW[1])
    h.fee("F_AFTER", "AFTER", "DGL", at(10, 30))
    h.insert(his)

    result = self_check.run_checks(his, WINDOW, SPEC)
    assert (result.fee_lines, result.settlements) == (1, 1)
    assert sorted((f.rule_id, f.fee_id) for f in result.findings) == [
        ("after_discharge", h.id("F_OK")), ("gender_limit", h.id("F_OK"))]
    # the line is flagged by two rules but can be paid back only once
    assert result.amount_at_risk == Decimal("10.00")


# -- the job and its report ----------------------------------------------------------------------------------------
def _ctx(his: Engine, tmp_path) -> JobContext:
    return JobContext(his=his, ledger=Ledger(his), window=WINDOW, actor="test", reports=tmp_path)


def test_job_writes_the_same_report_twice_and_returns_counts(his: Engine, tmp_path, caplog) -> None:
    h = His("T")
    duplicate_pos(h)
    h.insert(his)
    caplog.set_level(logging.INFO)

    summary = run_job("hisbridge.platforms.hsa.self_check:run", _ctx(his, tmp_path))
    first = {p.name: p.read_bytes() for p in (tmp_path / "hsa_fund_self_check").iterdir()}
    again = run_job("hisbridge.platforms.hsa.self_check:run", _ctx(his, tmp_path))
    second = {p.name: p.read_bytes() for p in (tmp_path / "hsa_fund_self_check").iterdir()}

    assert sorted(first) == ["2026-11-24.html", "2026-11-24.xlsx"]
    assert first == second and summary == again
    assert summary["findings"] == {r: {"duplicate_daily": 2, "over_daily_qty": 1}.get(r, 0) for r in RULE_IDS}
    # F4 (daily limit 1, billed twice) is both a repeat and over the limit: counted once
    assert summary["amount_by_rule"]["duplicate_daily"] == "70.00"
    assert summary["amount_by_rule"]["over_daily_qty"] == "10.00"
    assert summary["amount_at_risk"] == "70.00"
    assert (summary["fee_lines"], summary["settlements"], summary["window"]) == (4, 1, "2026-11-24")
    # logs: counts, never a patient
    assert "fund self-check 2026-11-24" in caplog.text
    assert h.id("P") not in caplog.text and "测试患者" not in caplog.text

    wb = load_workbook(tmp_path / "hsa_fund_self_check" / "2026-11-24.xlsx")
    assert wb.sheetnames[:2] == ["概要", "规则一览"]
    assert len(wb.sheetnames) == 2 + len(RULE_IDS)
    dup = wb.worksheets[2 + RULE_IDS.index("duplicate_daily")]
    rows = [[c.value for c in r] for r in dup.iter_rows()]
    header = rows[1]
    assert header[:3] == ["规则", "结算ID", "就诊ID"] and "核查要点" in header and "涉及金额" in header
    data = {r[header.index("费用明细流水号")]: r for r in rows[2:]}
    assert set(data) == {h.id("F2"), h.id("F4")}
    assert data[h.id("F2")][header.index("涉及金额")] == 60.0
    assert data[h.id("F2")][header.index("核查要点")].startswith("核对当天医嘱")
    page = (tmp_path / "hsa_fund_self_check" / "2026-11-24.html").read_text(encoding="utf-8")
    assert "按日收费项目同日重复收费（2）" in page and "70.00" in page


def test_empty_window_reports_no_findings(his: Engine, tmp_path) -> None:
    summary = run_job("hisbridge.platforms.hsa.self_check:run", _ctx(his, tmp_path))
    assert summary["fee_lines"] == 0 and summary["amount_at_risk"] == "0.00"
    assert set(summary["findings"].values()) == {0}
    assert (tmp_path / "hsa_fund_self_check" / "2026-11-24.html").is_file()


def test_a_rule_that_cannot_run_is_reported_and_fails_the_job_after_the_others(his: Engine, tmp_path,
                                                                               monkeypatch) -> None:
    h = His("T")
    gender_pos(h)
    h.insert(his)
    data = SPEC.model_dump(exclude_none=True)
    broken_sql = "SELECT fee_id FROM no_such_table WHERE fee_time >= :window_start AND fee_time < :window_end"
    data["rules"].append(dict(data["rules"][0], id="broken_sql", sql=broken_sql))
    del data["rules"][-1]["pandas"]
    broken = self_check.parse_spec(data)
    monkeypatch.setattr(self_check, "load_spec", lambda *a, **k: broken)

    with pytest.raises(RuntimeError, match="broken_sql.*no_such_table"):
        run_job("hisbridge.platforms.hsa.self_check:run", _ctx(his, tmp_path))
    page = (tmp_path / "hsa_fund_self_check" / "2026-11-24.html").read_text(encoding="utf-8")
    assert "执行失败" in page and h.id("F") in page  # the other rules' findings are there


# -- the same rules on SQLite (the demo's HIS) -------------------------------------------------------------------
def _all_cases() -> tuple[list[His], dict[str, list[tuple[str, Decimal]]]]:
    builders, expected = [], {}
    for n, rule_id in enumerate(RULE_IDS):
        pos, miss = His(f"{n:02d}p"), His(f"{n:02d}n")
        expected[rule_id] = [(pos.id(fee), Decimal(amount)) for fee, amount in CASES[rule_id].positive(pos)]
        CASES[rule_id].near_miss(miss)
        builders += [pos, miss]
    return builders, expected


def test_sqlite_finds_exactly_what_postgresql_finds(his: Engine, sqlite_url: str) -> None:
    lite = make_engine(sqlite_url)
    _base(lite)
    builders, expected = _all_cases()
    for h in builders:
        h.insert(his)
        h.insert(lite)

    def found(engine: Engine) -> list[tuple]:
        result = self_check.run_checks(engine, WINDOW, SPEC)
        assert result.errors == {}
        return [(f.rule_id, f.setl_id, f.mdtrt_id, f.patient_id, f.fee_id, f.item_code, f.item_name, f.fee_time,
                 f.amount_at_risk, f.detail) for f in result.findings]

    on_pg, on_sqlite = found(his), found(lite)
    assert on_sqlite == on_pg
    for rule_id, wanted in expected.items():
        got = {(r[4], r[8]) for r in on_pg if r[0] == rule_id}
        assert set(wanted) <= got, rule_id
        assert not any(fee.startswith(f"{RULE_IDS.index(rule_id):02d}n") for fee, _ in got), rule_id
    lite.dispose()
