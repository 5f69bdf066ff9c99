"""医保结算清单上传 (4101A / 4103 / 4102) against a PostgreSQL HIS and ledger and the in-process 医保 simulator:
a valid discharge is uploaded and confirmed, a list without main diagnosis is kept back, an overdue one is listed,
a platform refusal is reported in its words, a cancelled settlement gets one 4102, and a re-run of the day sends
nothing and writes the same report bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, update

from demo.his import schema as his
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.client import HsaClient, HsaSettings
from hisbridge.platforms.hsa.jobs import JobContext
from hisbridge.platforms.hsa.msgid import CounterMsgIds
from hisbridge.platforms.hsa.settlement_list import SettlementListHalted, upload
from simulators.hsa.server import SimServer
from simulators.hsa.settlement import SetlList
from simulators.hsa.state import SimState

SECRET = "settlement-list-secret"
DAY = (datetime(2026, 11, 24), datetime(2026, 11, 25))
NEXT_DAY = (datetime(2026, 11, 25), datetime(2026, 11, 26))
ZHANG, LI = "360100000000000001", "360100000000000002"
NOW = datetime(2026, 11, 1)


def settings_for(url: str) -> HsaSettings:
    return HsaSettings(base_url=url, fixmedins_code="H36010000001", fixmedins_name="南昌市第一医院",
                       mdtrtarea_admvs="360100", recer_sys_code="his", auth="tif", paasid="hb-sl", secret=SECRET,
                       opter="bas001", opter_name="病案员", ip="127.0.0.1", read_timeout=2.0)


@dataclass
class Rig:
    sim: SimServer
    his: Engine
    ledger: Ledger
    reports: Path

    def run(self, window=DAY, url: str | None = None) -> dict:
        ctx = JobContext(his=self.his, ledger=self.ledger, window=window, actor="test",
                         client_factory=lambda: HsaClient(settings_for(url or self.sim.url),
                                                          msgids=CounterMsgIds(self.ledger.next_value)),
                         reports=self.reports)
        try:
            return upload(ctx)
        finally:
            ctx.close()

    def journal(self, setl_id: str, operation: str) -> list[dict]:
        return [e for e in self.ledger.journal_entries(platform="hsa", business_ref=setl_id)
                if e["operation"] == operation]

    def page(self, window=DAY) -> str:
        return (self.reports / "hsa_settlement_list" / f"{window[0]:%Y-%m-%d}.html").read_text(encoding="utf-8")

    def report_bytes(self, window=DAY) -> tuple[bytes, bytes]:
        folder = self.reports / "hsa_settlement_list"
        return ((folder / f"{window[0]:%Y-%m-%d}.xlsx").read_bytes(),
                (folder / f"{window[0]:%Y-%m-%d}.html").read_bytes())

    def on_platform(self, setl_id: str, mdtrt_id: str, psn_no: str, setl_time: datetime) -> None:
        with self.sim.state.lock:
            self.sim.state.settlement.add_settlement(
                setl_id=setl_id, mdtrt_id=mdtrt_id, psn_no=psn_no, setl_time=f"{setl_time:%Y-%m-%d %H:%M:%S}",
                medfee_sumamt="8000.00", fund_pay_sumamt="6000.00", acct_pay="500.00", clr_type="21",
                med_type="21")


@pytest.fixture
def rig(pg_url: str, tmp_path: Path) -> Iterator[Rig]:
    engine = make_engine(pg_url)  # one PostgreSQL database holds the HIS tables and the ledger's
    his.create_schema(engine)
    ledger = Ledger(engine)
    ledger.ensure_schema()
    _reference_data(engine)
    with SimServer(SimState(auth_mode="tif", paasid="hb-sl", secret=SECRET)) as sim:
        yield Rig(sim, engine, ledger, tmp_path / "reports")
    engine.dispose()


def _reference_data(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(his.dept), [{"dept_code": "4010", "dept_name": "心血管内科一病区", "dept_type": "inpatient",
                                         "campus": "main", "is_active": 1, "updated_at": NOW}])
        conn.execute(insert(his.staff), [
            {"staff_code": code, "name": name, "gender": "1", "role": role, "dept_code": "4010", "is_active": 1,
             "updated_at": NOW} for code, name, role in (("D001", "医生甲", "doctor"), ("N001", "护士乙", "nurse"))])
        conn.execute(insert(his.patient), [
            {"patient_id": pid, "name": name, "gender": "1", "birth_date": date(1970, 1, 1), "psn_no": psn,
             "insuplc_admdvs": "360100", "created_at": NOW}
            for pid, name, psn in (("P1", "张三", ZHANG), ("P2", "李四", LI))])


def discharge(rig: Rig, n: int, *, patient: str = "P1", psn_no: str = ZHANG, at: datetime = datetime(2026, 11, 24, 9),
              main_diagnosis: bool = True, on_platform: bool = True) -> str:
    """One settled 医保 inpatient stay discharged ``at``; returns its setl_id."""
    adm, mdtrt, setl = f"A{n}", f"M{n}", f"S{n}"
    with rig.his.begin() as conn:
        conn.execute(insert(his.inpatient_stay).values(
            adm_id=adm, patient_id=patient, mdtrt_id=mdtrt, medcasno=f"BA{n:04d}", med_type="21", ipt_med_type="1",
            adm_way="2", trt_type="1", adm_time=at - timedelta(days=7), adm_dept_code="4010", dscg_time=at,
            dscg_dept_code="4010", dscg_way="1", chfpdr_code="D001", resp_nurse_code="N001", coner_name="联系人",
            coner_rlts="1", coner_addr="南昌市东湖区", coner_tel="13800000000", prfs="17", status="discharged",
            updated_at=at))
        conn.execute(insert(his.stay_diagnosis), [
            {"adm_id": adm, "seq_no": 1, "diag_type": "1", "diag_code": "I21.900", "diag_name": "急性心肌梗死",
             "maindiag_flag": "1" if main_diagnosis else "0", "adm_cond_type": "1"},
            {"adm_id": adm, "seq_no": 2, "diag_type": "1", "diag_code": "I10.x00", "diag_name": "高血压",
             "maindiag_flag": "0", "adm_cond_type": "1"}])
        conn.execute(insert(his.stay_operation).values(
            adm_id=adm, seq_no=1, oprn_oprt_type="1", oprn_oprt_code="36.0600", oprn_oprt_name="冠状动脉支架置入术",
            begin_time=at - timedelta(days=5), end_time=at - timedelta(days=5, hours=-1), anst_way="3",
            oper_dr_code="D001"))
        conn.execute(insert(his.insu_settlement).values(
            setl_id=setl, mdtrt_id=mdtrt, psn_no=psn_no, patient_id=patient, visit_kind="I", adm_id=adm,
            insutype="310", clr_type="21", clr_optins="360100", med_type="21", setl_time=at, medfee_sumamt=8000,
            fund_pay_sumamt=6000, acct_pay=500, psn_cash_pay=1500, refd_setl_flag="0", status="normal",
            bill_code="36010001", bill_no=f"{n:08d}", updated_at=at))
    if on_platform:
        rig.on_platform(setl, mdtrt, psn_no, at)
    return setl


def test_a_valid_discharge_is_uploaded_and_4103_confirms_it(rig: Rig) -> None:
    setl = discharge(rig, 1)
    summary = rig.run()
    assert summary["uploaded"] == 1 and summary["sent_uploaded"] == 1
    held = rig.sim.state.settlement.setl_lists[setl]
    assert held.nodes["setlinfo"]["medcasno"] == "BA0001" and len(held.nodes["diseinfo"]) == 2
    [up] = rig.journal(setl, "4101A")
    assert up["outcome"] == "acknowledged"
    assert [e["outcome"] for e in rig.journal(setl, "4103")] == ["acknowledged"]
    page = rig.page()
    assert held.setl_list_id in page and "平台已确认" in page
    assert "张三" not in page  # ids only, never the patient's name


def test_a_list_without_main_diagnosis_is_quarantined_and_nothing_is_sent(rig: Rig) -> None:
    setl = discharge(rig, 2, patient="P2", psn_no=LI, main_diagnosis=False)
    summary = rig.run()
    assert summary["quarantined"] == 1 and summary["uploaded"] == 0
    assert rig.ledger.journal_entries(platform="hsa", business_ref=setl) == []
    assert setl not in rig.sim.state.settlement.setl_lists
    assert "无主诊断（住院诊断中没有主诊断标志为 1 的诊断）" in rig.page()

    with rig.his.begin() as conn:  # fixed in the 病案首页: the next run uploads it
        conn.execute(update(his.stay_diagnosis).where(his.stay_diagnosis.c.adm_id == "A2",
                                                      his.stay_diagnosis.c.seq_no == 1).values(maindiag_flag="1"))
    assert rig.run(NEXT_DAY)["sent_uploaded"] == 1
    assert setl in rig.sim.state.settlement.setl_lists


def test_an_overdue_discharge_is_listed_not_sent(rig: Rig) -> None:
    setl = discharge(rig, 3, at=datetime(2026, 10, 1, 10))
    summary = rig.run()
    assert summary["overdue"] == 1 and summary.get("sent_uploaded", 0) == 0
    assert setl not in rig.sim.state.settlement.setl_lists
    page = rig.page()
    # due 2026-10-31 10:00, window end 2026-11-25: 25 days overdue
    assert "超期未上传（1）" in page and "2026-10-31" in page and "<td class=n>25</td>" in page
    assert "无上传记录" in page


def test_a_platform_refusal_is_reported_in_its_words_and_not_resent(rig: Rig) -> None:
    setl = discharge(rig, 4, on_platform=False)  # the platform has no such settlement
    summary = rig.run()
    assert summary["refused"] == 1
    words = rig.journal(setl, "4101A")[0]["err_msg"]
    assert "结算ID[S4]不存在或已撤销" in words
    assert "结算ID[S4]不存在或已撤销" in rig.page()
    rig.run()
    assert len(rig.journal(setl, "4101A")) == 1  # unchanged content: not sent again
    with rig.his.begin() as conn:  # changed at the source: sent again on the next run
        conn.execute(update(his.insu_settlement).where(his.insu_settlement.c.setl_id == setl).values(bill_no="99"))
    rig.run()
    assert len(rig.journal(setl, "4101A")) == 2


def test_a_rerun_of_the_day_sends_nothing_and_writes_the_same_report(rig: Rig) -> None:
    discharge(rig, 1)
    discharge(rig, 2, patient="P2", psn_no=LI, main_diagnosis=False)
    discharge(rig, 3, at=datetime(2026, 10, 1, 10))
    discharge(rig, 4, on_platform=False)
    first = rig.run()
    report = rig.report_bytes()
    uploads = len(rig.journal("S1", "4101A")) + len(rig.journal("S4", "4101A"))
    second = rig.run()
    assert second.get("sent_uploaded", 0) == 0 and second.get("sent_refused", 0) == 0
    assert len(rig.journal("S1", "4101A")) + len(rig.journal("S4", "4101A")) == uploads
    assert rig.report_bytes() == report
    for key in ("uploaded", "quarantined", "refused", "overdue"):
        assert first[key] == second[key] == 1


def test_a_list_already_on_the_platform_counts_as_uploaded(rig: Rig) -> None:
    setl = discharge(rig, 5)
    with rig.sim.state.lock:  # uploaded by hand, outside hisbridge
        rig.sim.state.settlement.setl_lists[setl] = SetlList("900000001", setl, ZHANG, "H36010000001", "4101A",
                                                             {"setlinfo": {"setl_id": setl}}, "manual", "x")
    summary = rig.run()
    assert summary["uploaded"] == 1 and summary["refused"] == 0
    assert "结算清单已上传" in rig.journal(setl, "4101A")[0]["err_msg"]
    assert "900000001" in rig.page() and "平台已有此清单" in rig.page()
    rig.run()
    assert len(rig.journal(setl, "4101A")) == 1


def test_a_settlement_cancelled_after_upload_gets_one_4102(rig: Rig) -> None:
    setl = discharge(rig, 6, at=datetime(2026, 11, 24, 15))
    rig.run()
    assert rig.sim.state.settlement.setl_lists[setl].stas_type is None
    with rig.his.begin() as conn:  # 2305 in the HIS the next day
        conn.execute(update(his.insu_settlement).where(his.insu_settlement.c.setl_id == setl).values(
            status="cancelled"))
        conn.execute(insert(his.insu_settlement).values(
            setl_id="S6R", mdtrt_id="M6", psn_no=ZHANG, patient_id="P1", visit_kind="I", adm_id="A6", insutype="310",
            clr_type="21", clr_optins="360100", med_type="21", setl_time=datetime(2026, 11, 25, 9),
            medfee_sumamt=-8000, fund_pay_sumamt=-6000, acct_pay=-500, psn_cash_pay=-1500, refd_setl_flag="1",
            cancel_of=setl, status="normal", updated_at=datetime(2026, 11, 25, 9)))
    assert rig.run(NEXT_DAY)["status_changes"] == 1
    assert rig.sim.state.settlement.setl_lists[setl].stas_type == "0"
    [change] = rig.journal(setl, "4102")
    assert change["outcome"] == "acknowledged"
    assert change["msgid"] in rig.page(NEXT_DAY)
    report = rig.report_bytes(NEXT_DAY)
    rig.run(NEXT_DAY)
    assert len(rig.journal(setl, "4102")) == 1
    assert rig.report_bytes(NEXT_DAY) == report


def test_an_unreachable_platform_leaves_lists_pending_and_fails_the_task(rig: Rig) -> None:
    setl = discharge(rig, 7)
    with pytest.raises(SettlementListHalted):
        rig.run(url="http://127.0.0.1:9")  # nothing listens there
    page = rig.page()
    assert "待处理（1）" in page and setl in page
    assert setl not in rig.sim.state.settlement.setl_lists
    assert rig.run()["sent_uploaded"] == 1  # the platform is back: the retry uploads it


def test_a_cancelled_settlement_whose_list_was_uploaded_outside_hisbridge_gets_one_4102(rig: Rig) -> None:
    setl = discharge(rig, 8, at=datetime(2026, 11, 24, 15))
    with rig.sim.state.lock:  # the list went up by hand; the journal knows nothing of it
        rig.sim.state.settlement.setl_lists[setl] = SetlList("900000008", setl, ZHANG, "H36010000001", "4101A",
                                                             {"setlinfo": {"setl_id": setl}}, "manual", "x")
    with rig.his.begin() as conn:
        conn.execute(update(his.insu_settlement).where(his.insu_settlement.c.setl_id == setl).values(
            status="cancelled"))
    assert rig.run()["status_changes"] == 1
    assert rig.sim.state.settlement.setl_lists[setl].stas_type == "0"
    assert rig.journal(setl, "4101A") == []  # nothing uploaded again
    rig.run()
    assert len(rig.journal(setl, "4102")) == 1 and len(rig.journal(setl, "4103")) == 1


def test_a_cancelled_settlement_never_uploaded_is_asked_about_and_left_alone(rig: Rig) -> None:
    setl = discharge(rig, 9, at=datetime(2026, 11, 24, 15))
    with rig.his.begin() as conn:
        conn.execute(update(his.insu_settlement).where(his.insu_settlement.c.setl_id == setl).values(
            status="cancelled"))
    assert rig.run()["status_changes"] == 0
    assert rig.journal(setl, "4102") == [] and rig.journal(setl, "4101A") == []
