"""HsaJobOperator.execute builds a job's context from Airflow's connections and variables: the window in local
time, the actor, journalled 医保 calls through the shared sign-in, and the options merged with the DAG's Variable.
Each real job ends its task log with a Chinese summary, a WARNING when something needs a person (so does the
sign-out task)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from airflow.sdk.exceptions import AirflowFailException

from demo.his.generate import generate
from hisbridge.db import make_engine
from hisbridge.ledger.store import Ledger
from hisbridge.operators import HsaJobOperator, HsaSignOutOperator
from hisbridge.platforms.hsa.jobs import JobContext, JobRefused, load_job, run_job
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.support.task_log import operator_lines, task_log  # noqa: F401 - the fixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "job-operator-test-secret-0123456789"


def person_lookup(ctx: JobContext) -> dict:
    """A job for this test: one journalled 1101, and what the context held."""
    answer = ctx.gateway.call("1101", {"mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X",
                                       "psn_cert_type": "01", "certno": "36010219800101001X"}, caller=ctx.actor)
    return {"msgid": answer.msgid, "window": [str(w) for w in ctx.window], "options": dict(ctx.params)}


def no_platform(ctx: JobContext) -> dict:
    return {"ok": 1}


def misconfigured(ctx: JobContext) -> dict:
    raise JobRefused("rule broken_sql could not run")


@pytest.fixture
def env(monkeypatch, tmp_path, pg_url):
    his_path = tmp_path / "his.db"
    generate(make_engine(f"sqlite:///{his_path}"), date(2026, 11, 24), 40, seed=3)
    with SimServer(SimState(auth_mode="tif", paasid="hb-job", secret=SECRET)) as sim:
        monkeypatch.setenv("AIRFLOW_CONN_HSA_PLATFORM", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": "http", "password": SECRET,
            "extra": {"fixmedins_code": "H36010000001", "fixmedins_name": "南昌市第一医院", "mdtrtarea_admvs": "360100",
                      "recer_sys_code": "his", "auth": "tif", "paasid": "hb-job", "opter": "hisbridge",
                      "opter_name": "数据集成平台", "ip": "127.0.0.1"}}))
        monkeypatch.setenv("AIRFLOW_CONN_HIS_DB", json.dumps({"conn_type": "sqlite", "host": str(his_path)}))
        monkeypatch.setenv("AIRFLOW_CONN_HISBRIDGE_DB", json.dumps({
            "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres",
            "schema": pg_url.rsplit("/", 1)[1]}))
        yield SimpleNamespace(sim=sim, ledger=Ledger(make_engine(pg_url)), monkeypatch=monkeypatch)


def _context(start, end) -> dict:
    ti = SimpleNamespace(dag_id="hsa_job_test", task_id="lookup", try_number=2)
    return {"data_interval_start": start, "data_interval_end": end, "ti": ti, "run_id": "manual__x"}


DAY = (datetime(2026, 11, 23, 16, tzinfo=ZoneInfo("UTC")), datetime(2026, 11, 24, 16, tzinfo=ZoneInfo("UTC")))


def test_a_job_gets_the_local_window_the_actor_and_journalled_calls(env) -> None:
    env.monkeypatch.setenv("AIRFLOW_VAR_HSA_JOB_TEST_PARAMS", json.dumps({"deadline_days": 10}))
    op = HsaJobOperator(task_id="lookup", job=f"{__name__}:person_lookup", options={"deadline_days": 30, "x": 1})
    summary = op.execute(_context(*DAY))
    assert summary["window"] == ["2026-11-24 00:00:00", "2026-11-25 00:00:00"]  # Asia/Shanghai wall clock
    assert summary["options"] == {"deadline_days": 10, "x": 1}  # the Variable overrides the DAG file's options
    entry = env.ledger.journal_entries(platform="hsa")[0]
    assert (entry["operation"], entry["msgid"], entry["outcome"]) == ("1101", summary["msgid"], "acknowledged")
    assert entry["caller"] == "airflow:hsa_job_test.lookup#2"
    assert [e["infno"] for e in env.sim.state.journal.values()] == ["9001", "1101"]  # signed in once, shared


def test_a_job_that_never_calls_the_platform_never_signs_in(env) -> None:
    assert HsaJobOperator(task_id="lookup", job=f"{__name__}:no_platform").execute(_context(*DAY)) == {"ok": 1}
    assert not env.sim.state.journal


def test_a_run_without_data_interval_fails_without_retry(env) -> None:
    with pytest.raises(AirflowFailException, match="no data interval"):
        HsaJobOperator(task_id="lookup", job=f"{__name__}:no_platform").execute(_context(None, None))


def test_a_refused_job_fails_without_retry(env) -> None:
    with pytest.raises(AirflowFailException, match="broken_sql"):
        HsaJobOperator(task_id="lookup", job=f"{__name__}:misconfigured").execute(_context(*DAY))


def test_job_names_are_checked() -> None:
    with pytest.raises(ValueError, match="package.module:function"):
        load_job("hisbridge.platforms.hsa.jobs")
    with pytest.raises(ValueError, match="no such job"):
        load_job("hisbridge.platforms.hsa.jobs:nothing_here")
    ctx = JobContext(his=None, ledger=None, window=(datetime(2026, 11, 24), datetime(2026, 11, 25)),  # type: ignore[arg-type]
                     actor="t")
    with pytest.raises(RuntimeError, match="no 医保 client"):
        run_job(lambda c: {"n": c.client}, ctx)


# -- the task summary of each real job ------------------------------------------------------------------------------
JOBS = "hisbridge.platforms.hsa"
BASE = "http://ops.example:8080"
MONTH = (datetime(2026, 10, 31, 16, tzinfo=ZoneInfo("UTC")), datetime(2026, 11, 30, 16, tzinfo=ZoneInfo("UTC")))


@pytest.fixture
def logged(env, request, tmp_path):
    """Run an operator; its own log lines (level, text), in order (``caplog`` with the operators' lines)."""
    caplog = request.getfixturevalue("task_log")
    env.monkeypatch.setenv("HISBRIDGE_REPORTS_DIR", str(tmp_path / "reports"))
    env.monkeypatch.setenv("AIRFLOW__API__BASE_URL", BASE)

    def run(op, context: dict) -> tuple[object, list[tuple[int, str]]]:
        caplog.clear()
        result = op.execute(context)
        return result, operator_lines(caplog, op)
    return run


def _job(name: str) -> HsaJobOperator:
    return HsaJobOperator(task_id="job", job=f"{JOBS}.{name}")


def test_a_balanced_day_ends_with_one_info_line_naming_the_report(logged) -> None:
    summary, lines = logged(_job("reconciliation:daily"), _context(*DAY))
    assert summary["balanced"] == summary["groups"] > 0 and summary["unbalanced"] == 0
    assert lines[-1] == (logging.INFO, (
        f"汇总：医保日对账 2026-11-24：结算 0 笔，对账组 {summary['groups']} 个 — 平 {summary['groups']}、不平 0、平台拒绝 0；"
        "明细对账 0 组 — 一致 0、仅HIS有 0、仅平台有 0、金额不符 0；"
        f"报表 {BASE}/hisbridge/reports/hsa_daily_reconciliation/2026-11-24.html"))
    assert not [t for level, t in lines if level >= logging.WARNING]


def test_a_settlement_only_the_platform_holds_is_a_warning_to_reconcile(env, logged) -> None:
    with env.sim.state.lock:  # the platform recorded a settlement the HIS does not have
        env.sim.state.settlement.add_settlement(setl_id="S-ONLY-PLATFORM", mdtrt_id="MD1", psn_no="360100000000000001",
                                                setl_time="2026-11-24 09:30:00", medfee_sumamt="120.00",
                                                fund_pay_sumamt="80.00", acct_pay="0")
    summary, lines = logged(_job("reconciliation:daily"), _context(*DAY))
    assert summary["unbalanced"] == 1 and summary["platform_only"] == 1
    level, text = lines[-1]
    assert level == logging.WARNING and text == (
        "任务成功，但对账有差异需要处理：不平的对账组 1、仅平台有的结算 1；逐笔差异和处理办法见报表 "
        f"{BASE}/hisbridge/reports/hsa_daily_reconciliation/2026-11-24.html")
    assert lines[-2][1].startswith("汇总：医保日对账 2026-11-24：") and "不平 1" in lines[-2][1]


def test_the_month_warns_of_its_days_without_a_balanced_daily_reconciliation(logged) -> None:
    _, lines = logged(_job("reconciliation:daily"), _context(*DAY))
    summary, lines = logged(_job("reconciliation:monthly"), _context(*MONTH))
    assert summary["days"] == 30 and summary["days_not_balanced"] == 29  # only the 24th was reconciled
    assert lines[-2][0] == logging.INFO and lines[-2][1].startswith("汇总：医保月度对账 2026-11：")
    assert "30 天中日对账未平 29 天" in lines[-2][1]
    assert lines[-1] == (logging.WARNING, "任务成功，但月度对账有差异需要处理：日对账未平的天数 29；见报表 "
                                          f"{BASE}/hisbridge/reports/hsa_monthly_reconciliation/2026-11.html")


def test_self_check_settlement_list_and_catalog_report_end_with_their_summaries(logged) -> None:
    check, lines = logged(_job("self_check:run"), _context(*DAY))
    assert lines[-1] == (logging.INFO, (
        f"汇总：医保基金自查 2026-11-24 00:00–24:00（北京时间）：费用明细 {check['fee_lines']} 行、结算 {check['settlements']} 笔，"
        f"规则 {len(check['findings'])} 条；疑点 0 条，涉及金额 0.00 元；"
        f"报表 {BASE}/hisbridge/reports/hsa_fund_self_check/2026-11-24.html"))

    upload, lines = logged(_job("settlement_list:upload"), _context(*DAY))
    assert lines[-1][0] == logging.INFO and lines[-1][1].startswith(
        f"汇总：医保结算清单上传 2026-11-24 00:00–24:00（北京时间）：待处理结算 {upload['selected']} 笔 — 已上传 ")

    # the demo plants a drug without its national code, dispensed in the 30 days: a warning, with the list
    catalog, lines = logged(_job("catalog_report:unmapped_report"), _context(*DAY))
    assert catalog["used"] >= 1
    assert lines[-2] == (logging.INFO, (
        f"汇总：医保目录未对照项目 2026-11-24：未对照 {catalog['unmapped']} 项（药品 {catalog['drugs']}、"
        f"医疗服务项目 {catalog['items']}、医用耗材 {catalog['materials']}），其中近30天使用过 {catalog['used']} 项；"
        f"报表 {BASE}/hisbridge/reports/hsa_catalog_unmapped/2026-11-24.html"))
    assert lines[-1][0] == logging.WARNING and lines[-1][1].startswith(
        f"任务成功，但有 {catalog['used']} 项近30天使用过的项目未对照医保目录")


@pytest.mark.usefixtures("task_log")
def test_a_refused_job_says_so_in_chinese_before_failing(env, caplog) -> None:
    with pytest.raises(AirflowFailException):
        HsaJobOperator(task_id="lookup", job=f"{__name__}:misconfigured").execute(_context(*DAY))
    assert operator_lines(caplog, HsaJobOperator)[-1] == (logging.WARNING, f"医保作业 {__name__}:misconfigured 未完成：rule broken_sql could not run"
                                         "（须先修改配置或数据，任务不重试）")


def test_a_job_the_summary_does_not_know_ends_with_its_counts(logged) -> None:
    _, lines = logged(HsaJobOperator(task_id="lookup", job=f"{__name__}:no_platform"), _context(*DAY))
    assert lines[-1] == (logging.INFO, f"汇总：医保作业 {__name__}:no_platform 2026-11-24 00:00–24:00（北京时间）：ok 1")


def test_sign_out_says_how_many_sign_ins_it_closed(env, logged) -> None:
    HsaJobOperator(task_id="lookup", job=f"{__name__}:person_lookup").execute(_context(*DAY))  # signs in today
    now = datetime.now(ZoneInfo("UTC"))
    counts, lines = logged(HsaSignOutOperator(task_id="sign_out"), {"data_interval_end": now})
    assert counts == {"signed_out": 1, "refused": 0, "superseded": 0, "failed": 0}
    day = (now + timedelta(hours=8)).date()
    assert lines[-1] == (logging.INFO, f"汇总：医保签退 {day} 及之前的签到：已签退 1、平台侧已结束(已关闭) 0、签退时被任务续签(保持打开) 0")
    _, lines = logged(HsaSignOutOperator(task_id="sign_out"), {"data_interval_end": now})
    assert lines[-1] == (logging.INFO, f"汇总：医保签退 {day} 及之前的签到：没有未签退的签到")
