"""医保日对账 / 月度对账 against a PostgreSQL HIS and ledger (one database, separate engines) and the in-process
simulator over HTTP: a balanced day needs 3201 only, each mismatch kind is found and reported with what to do, a
re-run sends nothing and writes the same bytes, changed HIS data is sent again, the month adds up and lists its
bad day, a refused group is reported without losing the others, and a transport fault fails the run after the
other groups are done."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, insert, update

from demo.his.schema import create_schema, insu_settlement, patient
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.platforms.hsa.client import HsaClient
from hisbridge.platforms.hsa.errors import Rejected
from hisbridge.platforms.hsa.jobs import JobContext, run_job
from hisbridge.platforms.hsa.msgid import CounterMsgIds
from hisbridge.platforms.hsa.reconciliation import ReconciliationIncomplete, daily, monthly
from hisbridge.platforms.hsa.txns.reconciliation import DETAIL_FILE_COLUMNS
from simulators.hsa.faults import FaultRule
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.integration.platforms.hsa.gateway.conftest import SECRET, settings_for

DAY = date(2026, 11, 24)
PSN = {"P1": "360100000000000001", "P2": "360100000000000002", "P3": "440300000000000003"}


@dataclass
class World:
    sim: SimServer
    his: Engine
    ledger: Ledger
    reports: Path

    def ctx(self, start: datetime, end: datetime, **params) -> JobContext:
        def client() -> HsaClient:
            return HsaClient(settings_for(self.sim), msgids=CounterMsgIds(self.ledger.next_value))

        return JobContext(his=self.his, ledger=self.ledger, window=(start, end), actor="test", client_factory=client,
                          params=params, reports=self.reports)

    def day(self, day: date = DAY, **params) -> dict:
        start = datetime.combine(day, datetime.min.time())
        return run_job(daily, self.ctx(start, start + timedelta(days=1), **params))

    def month(self, first: date = date(2026, 11, 1), **params) -> dict:
        start = datetime.combine(first, datetime.min.time())
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return run_job(monthly, self.ctx(start, datetime.combine(following, datetime.min.time()), **params))

    def his_row(self, setl_id: str, at: str, medfee: str, fund: str, acct: str = "0", *, patient_id: str = "P1",
                insutype: str = "310", clr_type: str = "11", optins: str = "360100", refd: str = "0",
                cancel_of: str | None = None, status: str = "normal") -> None:
        cash = Decimal(medfee) - Decimal(fund) - Decimal(acct)
        with self.his.begin() as conn:
            conn.execute(insert(insu_settlement).values(
                setl_id=setl_id, mdtrt_id=f"MD{setl_id}", psn_no=PSN[patient_id], patient_id=patient_id,
                visit_kind="O" if clr_type == "11" else "I", insutype=insutype, clr_type=clr_type, clr_optins=optins,
                med_type="11" if clr_type == "11" else "21", setl_time=datetime.fromisoformat(at),
                medfee_sumamt=Decimal(medfee), fund_pay_sumamt=Decimal(fund), acct_pay=Decimal(acct),
                psn_cash_pay=cash, refd_setl_flag=refd, cancel_of=cancel_of, status=status,
                msgid=f"H36010000001{setl_id}"[:30], updated_at=datetime.fromisoformat(at)))

    def platform_row(self, setl_id: str, at: str, medfee: str, fund: str, acct: str = "0", *,
                     patient_id: str = "P1", insutype: str = "310", clr_type: str = "11", optins: str = "360100",
                     cancel_of: str | None = None) -> None:
        with self.sim.state.lock:
            self.sim.state.settlement.add_settlement(
                setl_id=setl_id, mdtrt_id=f"MD{setl_id}", psn_no=PSN[patient_id], setl_time=at, medfee_sumamt=medfee,
                fund_pay_sumamt=fund, acct_pay=acct, clr_type=clr_type, clr_optins=optins, insutype=insutype,
                cancel_of=cancel_of)

    def both(self, setl_id: str, at: str, medfee: str, fund: str, acct: str = "0", **kw) -> None:
        self.his_row(setl_id, at, medfee, fund, acct, **kw)
        kw.pop("refd", None), kw.pop("status", None)
        self.platform_row(setl_id, at, medfee, fund, acct, **kw)

    def sent(self) -> Counter:
        """infno → how many messages the simulator received."""
        with self.sim.state.lock:
            return Counter(e["infno"] for e in self.sim.state.journal.values())

    def report(self, kind: str, period: str) -> tuple[bytes, bytes]:
        folder = self.reports / kind
        return (folder / f"{period}.xlsx").read_bytes(), (folder / f"{period}.html").read_bytes()

    def sheet(self, kind: str, period: str, title: str) -> list[dict]:
        wb = load_workbook(io.BytesIO(self.report(kind, period)[0]))
        ws = wb[title]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        head = next(i for i, r in enumerate(rows) if r and all(c is not None for c in r))
        return [dict(zip(rows[head], r, strict=True)) for r in rows[head + 1:]]


@pytest.fixture
def world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    his = make_engine(pg_url)
    create_schema(his)
    with his.begin() as conn:
        for pid, psn in PSN.items():
            conn.execute(insert(patient).values(patient_id=pid, name="测试", gender="1", psn_no=psn,
                                                insuplc_admdvs=psn[:6], created_at=datetime(2026, 1, 1)))
    ledger = Ledger(make_engine(pg_url))
    ledger.ensure_schema()
    with SimServer(SimState(auth_mode="tif", paasid="hb-gw", secret=SECRET)) as sim:
        yield World(sim, his, ledger, tmp_path / "reports")


def _seed_day(w: World) -> None:
    """A normal day on both sides: outpatient and inpatient, two 险种, an 异地 patient, a same-day cancellation."""
    w.both("S001", "2026-11-24 08:10:00", "120.50", "80.00", "10.00")
    w.both("S002", "2026-11-24 09:00:00", "56.00", "30.00", patient_id="P2", insutype="390")
    w.both("S003", "2026-11-24 10:30:00", "3200.00", "2500.00", clr_type="21")
    w.both("S004", "2026-11-24 11:00:00", "88.00", "40.00", patient_id="P3", optins="440300")
    w.both("S005", "2026-11-24 14:00:00", "45.00", "20.00", "5.00", status="cancelled")
    w.both("S006", "2026-11-24 14:20:00", "-45.00", "-20.00", "-5.00", refd="1", cancel_of="S005")
    w.his_row("S999", "2026-11-25 00:00:00", "10.00", "5.00")  # the next day: outside the window


def test_balanced_day_sends_3201_only_and_no_files(world: World) -> None:
    _seed_day(world)
    summary = world.day()
    # 4 configured pairs of 360100 + the 异地 agency's group
    assert summary["groups"] == 5
    assert (summary["balanced"], summary["unbalanced"], summary["refused"]) == (5, 0, 0)
    assert summary["settlements"] == 6  # refd_setl_flag 1: the cancelled original and its negative twin count
    assert set(world.sent()) == {"9001", "3201"} and world.sent()["3201"] == 5
    groups = world.sheet("hsa_daily_reconciliation", "2026-11-24", "总账对账(3201)")
    assert {g["结算经办机构"] for g in groups} == {"360100", "440300"}
    assert all(g["对账结果"] == "平" for g in groups)
    journal = world.ledger.journal_entries(platform="hsa", business_ref="3201/360100/310/11/2026-11-24")
    assert [e["outcome"] for e in journal] == ["acknowledged"]


def test_each_mismatch_is_found_and_reported_with_advice(world: World) -> None:
    _seed_day(world)
    world.his_row("H100", "2026-11-24 15:00:00", "66.00", "33.00")  # HIS only
    world.platform_row("P200", "2026-11-24 15:30:00", "77.00", "40.00", acct="7.00")  # platform only
    world.his_row("D300", "2026-11-24 16:00:00", "120.00", "60.00")  # amounts differ
    world.platform_row("D300", "2026-11-24 16:00:00", "100.00", "60.00")

    summary = world.day()

    assert (summary["his_only"], summary["platform_only"], summary["amount_diff"]) == (1, 1, 1)
    assert summary["unbalanced"] == 1 and summary["detail_scopes"] == 1  # 360100/310/11 only; 3202 per (agency, 11)
    assert summary["matched"] == 4  # S001, S002 (390 shares the scope), S005, S006
    assert world.sent()["9101"] == world.sent()["3202"] == world.sent()["9102"] == 1
    period = "2026-11-24"
    [his_only] = world.sheet("hsa_daily_reconciliation", period, "仅HIS有(中心无此结算)")
    assert his_only["结算ID"] == "H100" and his_only["人员编号"] == PSN["P1"] and his_only["HIS 医疗费总额"] == 66.0
    assert "5203" in his_only["处理建议"] and "作废" in his_only["处理建议"]
    assert his_only["平台说明"] == "中心无此结算记录"
    [platform_only] = world.sheet("hsa_daily_reconciliation", period, "仅平台有(HIS无此结算)")
    assert platform_only["结算ID"] == "P200" and platform_only["平台 个人账户支付"] == 7.0
    assert "补录" in platform_only["处理建议"] and "2208" in platform_only["处理建议"]
    [differs] = world.sheet("hsa_daily_reconciliation", period, "金额或信息不一致")
    assert differs["结算ID"] == "D300" and differs["差异"] == "医疗费总额：HIS 120.00，平台 100.00"
    assert (differs["HIS 医疗费总额"], differs["平台 医疗费总额"]) == (120.0, 100.0)
    assert "以平台为准" in differs["处理建议"]
    [scope] = world.sheet("hsa_daily_reconciliation", period, "明细对账(3202)")
    assert (scope["HIS 笔数"], scope["平台笔数"], scope["一致"]) == (6, 6, 4)


def test_detail_file_lines_are_in_the_documented_column_order(world: World) -> None:
    world.both("S001", "2026-11-24 08:10:00", "120.50", "80.00", "10.00")
    world.his_row("H100", "2026-11-24 15:00:00", "66.00", "33.00")
    world.his_row("R101", "2026-11-24 15:10:00", "-66.00", "-33.00", refd="1", cancel_of="H100")
    world.day()
    with world.sim.state.lock:
        [uploaded] = [f for f in world.sim.state.settlement.files.values() if f.source == "9101"]
    assert uploaded.filename == "H36010000001_360100_11_20261124_20261124.zip"
    with zipfile.ZipFile(io.BytesIO(uploaded.data)) as zf:
        [name] = zf.namelist()
        lines = zf.read(name).decode("utf-8").splitlines()
    assert DETAIL_FILE_COLUMNS == ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay",
                                   "refd_setl_flag")
    assert [line.split("\t") for line in lines] == [
        ["H100", "MDH100", PSN["P1"], "66.00", "33.00", "0.00", "0"],
        ["R101", "MDR101", PSN["P1"], "-66.00", "-33.00", "0.00", "1"],
        ["S001", "MDS001", PSN["P1"], "120.50", "80.00", "10.00", "0"],
    ]


def test_rerun_sends_nothing_and_writes_the_same_report(world: World) -> None:
    _seed_day(world)
    world.his_row("H100", "2026-11-24 15:00:00", "66.00", "33.00")
    world.platform_row("P200", "2026-11-24 15:30:00", "77.00", "40.00")
    first = world.day()
    sent = world.sent()
    report = world.report("hsa_daily_reconciliation", "2026-11-24")
    journal = len(world.ledger.journal_entries(platform="hsa", limit=1000))

    again = world.day()

    assert again == first
    assert world.sent() == sent  # not even a sign-in: nothing was sent
    assert len(world.ledger.journal_entries(platform="hsa", limit=1000)) == journal
    assert world.report("hsa_daily_reconciliation", "2026-11-24") == report


def test_changed_his_data_is_sent_again_and_only_that(world: World) -> None:
    _seed_day(world)
    world.day()
    before = world.sent()
    with world.his.begin() as conn:  # the HIS corrects S003's amounts: its group (360100/310/21) is no longer 平
        conn.execute(update(insu_settlement).where(insu_settlement.c.setl_id == "S003")
                     .values(medfee_sumamt=Decimal("3300.00")))

    summary = world.day()

    after = world.sent()
    assert after["3201"] - before["3201"] == 1
    assert after["9101"] - before["9101"] == after["3202"] - before["3202"] == 1
    assert summary["unbalanced"] == 1 and summary["amount_diff"] == 1


def test_refused_group_is_reported_and_the_others_are_reconciled(world: World) -> None:
    _seed_day(world)
    world.sim.faults.add(FaultRule(kind="refused", infno="3201", err_msg="该险种本期已清算，不能重复对账"))

    summary = world.day()

    assert (summary["groups"], summary["refused"], summary["balanced"]) == (5, 1, 4)
    groups = world.sheet("hsa_daily_reconciliation", "2026-11-24", "总账对账(3201)")
    [refused] = [g for g in groups if g["对账结果"] == "平台拒绝"]
    assert refused["平台说明"] == "该险种本期已清算，不能重复对账" and "重新运行" in refused["处理建议"]
    sent = world.sent()
    assert world.day() == summary and world.sent() == sent  # the refusal is journalled, not sent again


def test_transport_fault_fails_the_run_after_the_other_groups(world: World) -> None:
    _seed_day(world)
    world.sim.faults.add(FaultRule(kind="http_500_before", infno="3201"))

    with pytest.raises(ReconciliationIncomplete):
        world.day()

    groups = world.sheet("hsa_daily_reconciliation", "2026-11-24", "总账对账(3201)")
    assert sorted(g["对账结果"] for g in groups) == ["平"] * 4 + ["未完成（平台不可达）"]
    sent = world.sent()["3201"]
    summary = world.day()  # Airflow's retry: only the unfinished group goes again
    assert summary["balanced"] == 5 and world.sent()["3201"] == sent + 1


def test_monthly_adds_up_and_lists_the_unbalanced_day(world: World) -> None:
    _seed_day(world)
    world.both("T001", "2026-11-03 09:00:00", "200.00", "150.00")
    world.platform_row("T002", "2026-11-03 10:00:00", "30.00", "10.00")  # the HIS lost it
    world.both("U001", "2026-11-30 23:59:59", "10.00", "5.00")
    world.his_row("X001", "2026-12-01 00:00:00", "1.00", "1.00")  # next month
    assert world.day(date(2026, 11, 3))["platform_only"] == 1
    assert world.day()["unbalanced"] == 0

    summary = world.month()

    assert summary["month"] == "2026-11" and summary["days"] == 30
    assert summary["settlements"] == 6 + 1 + 1 + 1  # the 24th, S999 on the 25th, T001, U001
    assert summary["unbalanced"] == 1  # the month's 360100/310/11 lacks T002 on the HIS side
    days = world.sheet("hsa_monthly_reconciliation", "2026-11", "每日HIS合计")
    assert sum(d["HIS 结算笔数"] for d in days) == summary["settlements"]
    status = {d["日期"]: d["日对账结果"] for d in days}
    assert (status["2026-11-03"], status["2026-11-24"], status["2026-11-30"]) == ("不平", "平", "未对账")
    bad = world.sheet("hsa_monthly_reconciliation", "2026-11", "日对账非平的日期")
    assert [(b["日期"], b["对账组（经办机构/险种/清算类别）"]) for b in bad if b["结果"] == "不平"] == [
        ("2026-11-03", "360100/310/11")]
    sent = world.sent()
    assert world.month() == summary and world.sent() == sent


def test_client_moves_files_with_9101_and_9102(world: World) -> None:
    client = HsaClient(settings_for(world.sim))
    up = client.upload_file("x.zip", b"PK-not-really-a-zip")
    assert up.file_qury_no and up.filename == "x.zip"
    assert client.download_file(up.file_qury_no, "x.zip") == b"PK-not-really-a-zip"
    with pytest.raises(Rejected, match="不存在"):
        client.download_file("F000000000000000000000000", "x.zip")
