"""目录对照 end to end: a PostgreSQL HIS and ledger, the feed pipeline (``run_feed``) and the 医保 simulator.

3301 for a new 对照, 3302 for a withdrawn one, a changed national code as 3302 of the old *then* 3301 of the new
(the platform holds one active 对照 per item and list type), bad codes quarantined with Chinese reasons, lost
answers resolved; and the 未对照 worklist ranked by 30 days of use, the same bytes on a re-run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, update

from demo.his import schema as his_schema
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.platform import DeliveryHalted
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import load_feed_spec
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.jobs import JobContext, run_job
from hisbridge.platforms.hsa.msgid import CounterMsgIds
from hisbridge.platforms.hsa.sender import HsaSender
from simulators.hsa.faults import FaultRule
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState

FEED = "hsa_catalog_mapping"
CODE = "H36010000001"
SECRET = "catalog-test-secret-0123456789"
DAY1, DAY2 = date(2026, 11, 24), date(2026, 11, 25)
T0 = datetime(2026, 11, 1, 8, 0)

AMOXICILLIN = "XJ01CAA040A001010100959"
AMOXICILLIN_NEW = "XJ01CAA040A001010100958"  # sorts before the old code: key order alone would send it first
CONSULTATION = "001102000010000"
SYRINGE = "C14020112345678901234"


# -- the HIS ---------------------------------------------------------------------------------------------------
@pytest.fixture
def his(pg_module_url: str) -> Engine:
    """A PostgreSQL HIS of this test's own: dictionaries, no 对照 yet."""
    engine = make_engine(pg_module_url)
    his_schema.drop_schema(engine)
    his_schema.create_schema(engine)
    drug = dict(spec=None, dosage_form=None, drug_cat="西药", pack_unit="盒", dose_unit=None, pack_qty=None,
                aprvno=None, med_list_codg=None, rx_type="RX", trace_required="Y", is_active=1, updated_at=T0)
    item = dict(med_chrgitm_type=None, unit=None, spec=None, med_list_codg=None, is_active=1, updated_at=T0)
    with engine.begin() as conn:
        conn.execute(insert(his_schema.drug_dict), [
            drug | dict(drug_code="D001", drug_name="阿莫西林胶囊", spec="0.25g", dosage_form="胶囊剂", dose_unit="粒",
                        pack_qty=24, aprvno="国药准字H44021351", med_list_codg=AMOXICILLIN),
            drug | dict(drug_code="D002", drug_name="布洛芬缓释胶囊", spec="0.3g", rx_type="OTC"),
            drug | dict(drug_code="D003", drug_name="某新上市药", drug_cat="中成药"),
            drug | dict(drug_code="D004", drug_name="停用药", is_active=0),
            drug | dict(drug_code="D005", drug_name="维生素C片", med_list_codg="XA11GAV001A001010100001"),
        ])
        conn.execute(insert(his_schema.charge_item), [
            item | dict(item_code="I001", item_name="普通门诊诊察费", item_kind="item", unit="次",
                        med_list_codg=CONSULTATION),
            item | dict(item_code="I002", item_name="中医定向透药疗法", item_kind="item", unit="次"),
            item | dict(item_code="M001", item_name="一次性使用输液器", item_kind="material", unit="套", spec="带针"),
            item | dict(item_code="M002", item_name="医用棉签", item_kind="material", unit="包", med_list_codg=SYRINGE),
        ])
    return engine


def add_map(his: Engine, map_id: str, kind: str, code: str, list_type: str, national: str, at: datetime,
            status: str = "active") -> None:
    with his.begin() as conn:
        conn.execute(insert(his_schema.catalog_map).values(
            map_id=map_id, item_kind=kind, item_code=code, list_type=list_type, med_list_codg=national,
            begndate=date(2026, 1, 1), enddate=date(2099, 12, 31), status=status, updated_at=at))


def withdraw(his: Engine, map_id: str, at: datetime) -> None:
    with his.begin() as conn:
        conn.execute(update(his_schema.catalog_map).where(his_schema.catalog_map.c.map_id == map_id)
                     .values(status="withdrawn", updated_at=at))


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)


# -- ledger, simulator, sender ---------------------------------------------------------------------------------
@pytest.fixture
def ledger(pg_url: str) -> Ledger:
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    return ledger


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimState(auth_mode="tif", paasid="hb-test", secret=SECRET)) as server:
        yield server


def settings_for(sim: SimServer, **overrides) -> HsaSettings:
    values = dict(base_url=sim.url, fixmedins_code=CODE, fixmedins_name="南昌市第一医院", mdtrtarea_admvs="360100",
                  recer_sys_code="his", auth="tif", paasid="hb-test", secret=SECRET, opter="hisbridge",
                  opter_name="数据集成平台", ip="127.0.0.1")
    return HsaSettings(**(values | overrides))


@pytest.fixture
def sender(sim: SimServer, ledger: Ledger) -> HsaSender:
    return HsaSender(HsaClient(settings_for(sim), msgids=CounterMsgIds(ledger.next_value, ledger.drop_counters)))


def run(his: Engine, ledger: Ledger, sender: HsaSender, day: date, *, run_id: str | None = None,
        chunk_size: int = 2000) -> FeedSummary:
    start = datetime.combine(day, datetime.min.time())
    settings = RunSettings(run_id=run_id or f"test-{day}", chunk_size=chunk_size)
    return run_feed(load_feed_spec(FEED), his, ledger, sender, (start, start + timedelta(days=1)), settings)


def held(sim: SimServer) -> dict[tuple[str, str], tuple[str, str]]:
    """(HIS code, list type) → (national code, status) as the platform holds its 对照."""
    with sim.state.lock:
        return {(m.fixmedins_hilist_id, m.list_type): (m.med_list_codg, m.status)
                for m in sim.state.settlement.matches.values()}


def catalog_calls(sim: SimServer) -> list[tuple[str, str]]:
    """(infno, outcome) of every 3301/3302 the platform received, in arrival order."""
    with sim.state.lock:
        return [(e["infno"], e["outcome"]) for e in sim.state.journal.values() if e["infno"] in ("3301", "3302")]


def state(ledger: Ledger, key: str) -> str:
    return ledger.lookup(FEED, [key])[key].state


def key(code: str, list_type: str, national: str) -> str:
    return f"{code}|{list_type}|{national}"


# -- 3301 / 3302 -----------------------------------------------------------------------------------------------
def test_new_mapping_is_uploaded_and_held_by_the_platform_and_a_rerun_sends_nothing(his, ledger, sender, sim):
    add_map(his, "CM001", "drug", "D001", "101", AMOXICILLIN, at(DAY1, 10))
    add_map(his, "CM002", "item", "I001", "201", CONSULTATION, at(DAY1, 11))
    add_map(his, "CM003", "material", "M002", "301", SYRINGE, at(DAY1, 12))

    first = run(his, ledger, sender, DAY1)
    assert (first.selected, first.acknowledged, first.messages) == (3, 3, 3) and first.balanced()
    assert held(sim) == {("D001", "101"): (AMOXICILLIN, "active"), ("I001", "201"): (CONSULTATION, "active"),
                         ("M002", "301"): (SYRINGE, "active")}
    with sim.state.lock:
        sent = sim.state.settlement.matches[(CODE, "D001", "101")].data
    assert sent["fixmedins_hilist_name"] == "阿莫西林胶囊" and sent["pacspec"] == "24粒/盒"
    assert (sent["spec"], sent["dosform"], sent["prcunt"], sent["aprvno"]) == ("0.25g", "胶囊剂", "盒", "国药准字H44021351")
    assert state(ledger, key("D001", "101", AMOXICILLIN)) == ls.ACKNOWLEDGED

    again = run(his, ledger, sender, DAY1, run_id="rerun")
    assert (again.selected, again.skipped, again.messages) == (3, 3, 0)
    assert catalog_calls(sim) == [("3301", "success")] * 3


def test_changed_code_withdraws_the_old_mapping_before_sending_the_new_one(his, ledger, sender, sim):
    add_map(his, "CM001", "drug", "D001", "101", AMOXICILLIN, at(DAY1, 10))
    run(his, ledger, sender, DAY1)
    # the HIS changes the national code: the old row withdrawn, a new row added, in one edit
    withdraw(his, "CM001", at(DAY2, 9))
    add_map(his, "CM002", "drug", "D001", "101", AMOXICILLIN_NEW, at(DAY2, 9))

    # one record per chunk: the order comes from the extraction itself, not from one chunk's plan
    summary = run(his, ledger, sender, DAY2, chunk_size=1)
    assert (summary.selected, summary.withdrawn, summary.acknowledged, summary.rejected) == (2, 1, 1, 0)
    assert catalog_calls(sim) == [("3301", "success"), ("3302", "success"), ("3301", "success")]
    assert held(sim) == {("D001", "101"): (AMOXICILLIN_NEW, "active")}
    assert state(ledger, key("D001", "101", AMOXICILLIN)) == ls.WITHDRAWN
    assert state(ledger, key("D001", "101", AMOXICILLIN_NEW)) == ls.ACKNOWLEDGED

    again = run(his, ledger, sender, DAY2, run_id="rerun")
    assert again.messages == 0 and (again.withdrawn, again.skipped) == (1, 1)


def test_withdrawn_mapping_is_revoked_with_3302_and_one_never_sent_is_asked_off_the_platform_too(
        his, ledger, sender, sim):
    add_map(his, "CM001", "item", "I001", "201", CONSULTATION, at(DAY1, 10))
    run(his, ledger, sender, DAY1)
    withdraw(his, "CM001", at(DAY2, 15))
    add_map(his, "CM002", "material", "M002", "301", SYRINGE, at(DAY2, 8))
    withdraw(his, "CM002", at(DAY2, 16))  # a slip corrected the same day: the platform never had it

    summary = run(his, ledger, sender, DAY2)
    # the ledger never sent CM002, but a 对照 may have been made outside hisbridge (before go-live): 3302 is
    # sent anyway and the platform's "未查询到" counts as done
    assert (summary.selected, summary.withdrawn, summary.messages) == (2, 2, 2)
    calls = catalog_calls(sim)
    assert calls[:2] == [("3301", "success"), ("3302", "success")] and calls[2][0] == "3302"
    assert calls[2][1] != "success"
    assert held(sim) == {("I001", "201"): (CONSULTATION, "revoked")}
    revoked = ledger.lookup(FEED, [key("I001", "201", CONSULTATION)])[key("I001", "201", CONSULTATION)]
    assert revoked.state == ls.WITHDRAWN and "removed by" in (revoked.reason or "")
    assert state(ledger, key("M002", "301", SYRINGE)) == ls.WITHDRAWN


def test_a_withdrawn_duplicate_of_a_standing_mapping_revokes_nothing(his, ledger, sender, sim):
    add_map(his, "CM001", "drug", "D001", "101", AMOXICILLIN, at(DAY1, 10))
    run(his, ledger, sender, DAY1)
    add_map(his, "CM009", "drug", "D001", "101", AMOXICILLIN, at(DAY2, 10), status="withdrawn")

    summary = run(his, ledger, sender, DAY2)
    assert summary.selected == 0 and summary.messages == 0
    assert held(sim) == {("D001", "101"): (AMOXICILLIN, "active")}


def test_invalid_mappings_are_quarantined_with_chinese_reasons_and_the_rest_is_sent(his, ledger, sender, sim):
    add_map(his, "CM001", "drug", "D005", "101", "12345ABCDE", at(DAY1, 9))  # not a 西药/中成药 code
    add_map(his, "CM002", "material", "M001", "201", SYRINGE, at(DAY1, 9))  # a consumable as a service item
    add_map(his, "CM003", "drug", "D999", "101", AMOXICILLIN, at(DAY1, 9))  # no such drug in the HIS
    add_map(his, "CM004", "drug", "D001", "101", AMOXICILLIN, at(DAY1, 9))

    summary = run(his, ledger, sender, DAY1)
    assert (summary.selected, summary.quarantined, summary.acknowledged, summary.messages) == (4, 3, 1, 1)
    reasons = {r.business_key: r.reason or "" for r in ledger.records(FEED, [ls.QUARANTINED])}
    assert "西药中成药的国家医保药品编码须以X(西药)或Z(中成药)开头" in reasons[key("D005", "101", "12345ABCDE")]
    assert "医用耗材的目录类别须为301" in reasons[key("M001", "201", SYRINGE)]
    assert "HIS药品/收费项目字典中找不到该编码" in reasons[key("D999", "101", AMOXICILLIN)]
    assert held(sim) == {("D001", "101"): (AMOXICILLIN, "active")}


def test_a_3301_whose_answer_was_lost_after_the_platform_stored_it_is_revoked_then_sent_again(his, ledger, sim):
    sender = HsaSender(HsaClient(settings_for(sim, read_timeout=0.5), msgids=CounterMsgIds(ledger.next_value)))
    add_map(his, "CM001", "drug", "D001", "101", AMOXICILLIN, at(DAY1, 10))
    sim.faults.add(FaultRule(kind="slow", times=1, infno="3301", delay_s=1.5))
    with pytest.raises(DeliveryHalted, match="unknown"):
        run(his, ledger, sender, DAY1, run_id="try1")
    assert state(ledger, key("D001", "101", AMOXICILLIN)) == ls.UNKNOWN
    assert held(sim) == {("D001", "101"): (AMOXICILLIN, "active")}  # a blind re-send would be refused

    retry = run(his, ledger, sender, DAY1, run_id="try2")
    assert retry.acknowledged == 1 and retry.unknown == 0
    assert [infno for infno, _ in catalog_calls(sim)] == ["3301", "3302", "3301"]
    assert held(sim) == {("D001", "101"): (AMOXICILLIN, "active")}
    assert state(ledger, key("D001", "101", AMOXICILLIN)) == ls.ACKNOWLEDGED


def test_a_3301_that_never_reached_the_platform_is_sent_again_after_3302_finds_nothing(his, ledger, sender, sim):
    add_map(his, "CM001", "drug", "D001", "101", AMOXICILLIN, at(DAY1, 10))
    sim.faults.add(FaultRule(kind="http_500_before", times=1, infno="3301"))
    with pytest.raises(DeliveryHalted):
        run(his, ledger, sender, DAY1, run_id="try1")
    assert held(sim) == {}

    retry = run(his, ledger, sender, DAY1, run_id="try2")
    assert retry.acknowledged == 1
    assert catalog_calls(sim)[-2:] == [("3302", "error"), ("3301", "success")]
    with sim.state.lock:
        [refusal] = [e["err_msg"] for e in sim.state.journal.values() if e["infno"] == "3302"]
    assert refusal.startswith("未查询到有效的目录对照信息")  # nothing to revoke: what the retry wanted
    assert held(sim) == {("D001", "101"): (AMOXICILLIN, "active")}


# -- 未对照项目报告 ----------------------------------------------------------------------------------------------
def _usage(his: Engine) -> None:
    """30 days of use before the end of DAY1, plus lines that must not count."""
    end = at(DAY2, 0)
    with his.begin() as conn:
        conn.execute(insert(his_schema.dept).values(dept_code="YF01", dept_name="门诊药房", dept_type="pharmacy",
                                                    campus="main", is_active=1, updated_at=T0))
        conn.execute(insert(his_schema.patient).values(patient_id="P001", name="患者甲", gender="1", created_at=T0))
        conn.execute(insert(his_schema.prescription).values(
            rx_no="RX001", patient_id="P001", dept_code="YF01", rx_time=T0, setl_type="ZF", external_flag="N",
            status="normal", updated_at=T0))
        conn.execute(insert(his_schema.stock_batch).values(batch_id="B001", drug_code="D002", dept_code="YF01",
                                                           in_time=T0, updated_at=T0))
        sale = dict(rx_no="RX001", rtal_docno="LS001", dept_code="YF01", drug_code="D002", batch_id="B001",
                    split_flag="N", status="normal", updated_at=T0)
        conn.execute(insert(his_schema.sale_line), [
            sale | dict(sale_line_id="S1", line_no=1, qty=2, amount=Decimal("30.00"), sale_time=end - timedelta(days=30)),
            sale | dict(sale_line_id="S2", line_no=2, qty=4, amount=Decimal("60.00"), sale_time=end - timedelta(hours=1)),
            sale | dict(sale_line_id="S3", line_no=3, qty=9, amount=Decimal("900.00"), sale_time=end - timedelta(days=31)),
            sale | dict(sale_line_id="S4", line_no=4, qty=5, amount=Decimal("500.00"), sale_time=end - timedelta(days=2),
                        status="cancelled"),
            sale | dict(sale_line_id="S5", line_no=5, qty=5, amount=Decimal("700.00"), sale_time=end),  # next day
        ])
        fee = dict(mdtrt_id="MD001", patient_id="P001", visit_kind="O", unit_price=Decimal("1"), status="normal",
                   updated_at=T0)
        conn.execute(insert(his_schema.fee_detail), [
            fee | dict(fee_id="F1", item_kind="drug", item_code="D002", item_name="布洛芬缓释胶囊", qty=4,
                       amount=Decimal("60.00"), fee_time=end - timedelta(days=3)),
            fee | dict(fee_id="F2", item_kind="material", item_code="M001", item_name="一次性使用输液器", qty=40,
                       amount=Decimal("200.00"), fee_time=end - timedelta(days=5)),
            fee | dict(fee_id="F3", item_kind="item", item_code="I002", item_name="中医定向透药疗法", qty=1,
                       amount=Decimal("30.00"), fee_time=end - timedelta(days=6)),
            fee | dict(fee_id="F4", item_kind="item", item_code="I002", item_name="中医定向透药疗法", qty=10,
                       amount=Decimal("300.00"), fee_time=end - timedelta(days=6), status="refunded"),
            fee | dict(fee_id="F5", item_kind="drug", item_code="D001", item_name="阿莫西林胶囊", qty=99,
                       amount=Decimal("9999.00"), fee_time=end - timedelta(days=1)),  # mapped: not listed
        ])


def _report_job(his: Engine, ledger: Ledger, reports: Path) -> dict:
    ctx = JobContext(his=his, ledger=ledger, window=(at(DAY1, 0), at(DAY2, 0)), actor="test", reports=reports)
    return run_job("hisbridge.platforms.hsa.catalog_report:unmapped_report", ctx)


def test_unmapped_report_ranks_by_30_days_of_use_and_is_the_same_bytes_on_a_rerun(his, ledger, tmp_path):
    _usage(his)
    summary = _report_job(his, ledger, tmp_path)
    assert summary == {"period": "2026-11-24", "unmapped": 4, "drugs": 2, "items": 1, "materials": 1, "used": 3}

    folder = tmp_path / "hsa_catalog_unmapped"
    page = (folder / "2026-11-24.html").read_text(encoding="utf-8")
    # M001 200.00 > D002 max(fee 60, sale 30 + 60) = 90.00 > I002 30.00 (refund excluded) > D003 unused
    codes = [c for c in ("M001", "D002", "I002", "D003") if c in page]
    assert sorted(codes, key=page.index) == ["M001", "D002", "I002", "D003"]
    assert "D004" not in page and "D001" not in page  # inactive / mapped
    assert "90.00" in page and "900.00" not in page and "500.00" not in page and "700.00" not in page
    assert "药品无国家医保目录编码" in page

    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert set(before) == {"2026-11-24.html", "2026-11-24.xlsx"}
    assert _report_job(his, ledger, tmp_path) == summary
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
