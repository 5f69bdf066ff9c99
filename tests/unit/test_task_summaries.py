"""The Chinese task summaries of the non-feed tasks as plain functions: the cases a real run in the integration
tests does not reach (differences, gaps still open, refusals, findings), one line each. The real task logs are
asserted with each operator's own tests (``operator_lines``)."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hisbridge import PROJECT_DIR
from hisbridge import task_summary as ts

INFO, WARN = logging.INFO, logging.WARNING
DAY = (datetime(2026, 11, 24), datetime(2026, 11, 25))
BASE = "http://ops:8080"


def warnings(lines: list[tuple[int, str]]) -> list[str]:
    return [text for level, text in lines if level == WARN]


def test_every_hsa_job_of_the_dag_files_has_its_own_summary() -> None:
    named = {m for path in (PROJECT_DIR / "dags").glob("*.py")
             for m in re.findall(r'job="([\w.]+:\w+)"', path.read_text(encoding="utf-8"))}
    assert named and named <= set(ts._JOBS), named - set(ts._JOBS)


def test_emit_logs_each_line_at_its_level_and_prints_a_percent_sign_as_it_is(caplog) -> None:
    log = logging.getLogger("hisbridge.test_emit")
    with caplog.at_level(INFO, logger=log.name):
        ts.emit(log, [(INFO, "汇总：可用率·医保（%） 99.5"), (WARN, "任务成功，但……")])
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [(INFO, "汇总：可用率·医保（%） 99.5"), (WARN, "任务成功，但……")]


def test_a_daily_reconciliation_difference_names_each_kind_with_its_count() -> None:
    lines = ts.hsa_job_lines("hisbridge.platforms.hsa.reconciliation:daily", {
        "day": "2026-11-24", "settlements": 40, "groups": 4, "balanced": 2, "unbalanced": 1, "refused": 1,
        "failed": 0, "detail_scopes": 1, "matched": 30, "his_only": 2, "platform_only": 0, "amount_diff": 1}, DAY, BASE)
    assert warnings(lines) == ["任务成功，但对账有差异需要处理：不平的对账组 1、平台拒绝的对账组 1、仅HIS有的结算 2、金额不符的结算 1；"
                               f"逐笔差异和处理办法见报表 {BASE}/hisbridge/reports/hsa_daily_reconciliation/2026-11-24.html"]


def test_self_check_findings_are_named_by_their_rules_chinese_titles() -> None:
    lines = ts.hsa_job_lines("hisbridge.platforms.hsa.self_check:run", {
        "window": "2026-11-24", "fee_lines": 900, "settlements": 40, "amount_at_risk": "56.00",
        "findings": {"gender_limit": 2, "age_limit": 0, "after_discharge": 1}}, DAY, BASE)
    assert lines[0] == (INFO, "汇总：医保基金自查 2026-11-24 00:00–24:00（北京时间）：费用明细 900 行、结算 40 笔，规则 3 条；"
                           f"疑点 3 条，涉及金额 56.00 元；报表 {BASE}/hisbridge/reports/hsa_fund_self_check/2026-11-24.html")
    assert warnings(lines) == ["任务成功，但自查发现疑点 3 条（涉及金额 56.00 元），请医保办逐条核查：限性别项目用于异性患者 2 条；"
                               f"出院后仍有计费 1 条；明细见报表 {BASE}/hisbridge/reports/hsa_fund_self_check/2026-11-24.html"]


def test_settlement_lists_not_uploaded_are_a_warning_and_a_clean_day_is_not() -> None:
    job = "hisbridge.platforms.hsa.settlement_list:upload"
    clean = {"selected": 3, "uploaded": 3, "quarantined": 0, "refused": 0, "overdue": 0, "status_changes": 0,
             "pending": 0}
    assert warnings(ts.hsa_job_lines(job, clean, DAY, BASE)) == []
    lines = ts.hsa_job_lines(job, clean | {"uploaded": 0, "quarantined": 1, "overdue": 2}, DAY, BASE)
    assert warnings(lines) == ["任务成功，但有结算清单未上传：隔离(数据不全) 1、逾期未上传 2（份）；原因和处理办法见报表 "
                               f"{BASE}/hisbridge/reports/hsa_settlement_list/2026-11-24.html，修改 HIS 数据后下次运行自动上传"]


def test_a_job_that_stopped_is_said_by_its_title() -> None:
    assert ts.hsa_job_failed_lines("hisbridge.platforms.hsa.reconciliation:daily", "平台不可达") == [
        (WARN, "医保日对账未完成：平台不可达")]


def test_sign_out_with_nothing_open_and_a_failure() -> None:
    assert ts.sign_out_lines("2026-11-24", {"signed_out": 0, "refused": 0, "superseded": 0, "failed": 0}) == [
        (INFO, "汇总：医保签退 2026-11-24 及之前的签到：没有未签退的签到")]
    assert ts.sign_out_failed_lines("2026-11-24", TimeoutError()) == [
        (WARN, "医保签退 2026-11-24 未完成：TimeoutError；未签退的签到保持打开，任务重试时再签退")]


def test_city_brain_warns_per_feed_with_its_title_its_page_and_its_reasons() -> None:
    summary = {"window_start": "2026-11-24 08:00:00", "window_end": "2026-11-24 08:05:00", "slices": 2, "feeds": {
        "city_brain_push_registered": {"selected": 5, "acknowledged": 5, "messages": 5},
        "city_brain_push_charged": {"selected": 4, "acknowledged": 1, "quarantined": 2, "unknown": 1, "messages": 2,
                                    "reasons": {"等待挂号事件 id=REGISTERED:V1 先送达": 2}}}}
    lines = ts.city_brain_push_lines(summary, {"city_brain_push_charged": "收费"}, BASE)
    assert lines[0] == (INFO, "汇总：城市大脑推送 窗口 2026-11-24 08:00–08:05（北京时间）：2 类事件，抽取 9 条 — 已确认 6、平台拒收 0、"
                           "隔离 2、结果未知 1、跳过(已确认未变化) 0、撤回 0、待发送 0；报文 7 条，窗口内同一就诊事件交错，分 2 段按就诊顺序推送")
    assert warnings(lines) == [
        f"任务成功，但收费（city_brain_push_charged）：有记录未送达：2 条隔离、0 条被拒，见 {BASE}/hisbridge/ledger/failures?"
        "feed=city_brain_push_charged&state=quarantined&state=rejected （修正后在该页或用 python -m hisbridge ledger requeue 重新排队）",
        "收费（city_brain_push_charged）：1 条结果未知（已发出，平台是否收到尚不确定）：下次运行或重试时先向平台核实，不会盲目重发；"
        f"见 {BASE}/hisbridge/ledger/failures?feed=city_brain_push_charged&state=unknown",
        "收费（city_brain_push_charged）：主要原因：等待挂号事件 id=REGISTERED:V1 先送达 × 2"]


def test_regional_open_gaps_refusals_and_rows_the_platform_did_not_take_are_each_a_warning() -> None:
    day = {"first": {"his_count": 10, "uploaded": 8, "acknowledged": 6, "failed": 1, "waiting": 1, "missing": 2},
           "after_resend": {"his_count": 10, "uploaded": 9, "acknowledged": 6, "failed": 1, "waiting": 2, "missing": 1},
           "resent": 1}
    summary = {"days": [{"day": "2026-11-23", **day}, {"day": "2026-11-24", **day}],
               "alerts": ["市区卫平台上传缺口：…，平台尚未取走 2 条（检查平台抽取任务）"],
               "gap_days": ["2026-11-23", "2026-11-24"], "open_gap_days": ["2026-11-24", "2026-11-23"]}
    lines = ts.regional_health_lines("lab_report", "检验报告", summary, BASE)
    assert lines[0] == (INFO, "汇总：市区卫平台上传核对 检验报告（lab_report） 2026-11-23 至 2026-11-24：核对 2 天 — HIS 20、前置库 18、"
                           "已上传 12、失败 2、待上传 4（条）；有缺口 2 天，补传 2 条，仍有缺口 2 天")
    assert warnings(lines) == [
        f"任务成功，但检验报告仍有缺口：2026-11-23、2026-11-24（补传后仍缺，原因见上方告警），见 {BASE}/hisbridge/ledger/regional",
        "检验报告有 2 条被平台拒收（失败），不会自动重发：更正数据或重新排队后下次检查补传，见 "
        f"{BASE}/hisbridge/ledger/failures?feed=regional_lab_report&state=rejected",
        f"检验报告有数据超过宽限期仍未被平台取走：检查市区卫平台的抽取任务，见 {BASE}/hisbridge/ledger/regional"]


def test_a_contract_check_that_passes_with_warnings_says_them() -> None:
    report = SimpleNamespace(title="候诊叫号视图契约", dialect="oracle", site=None, passed=True, errors=[],
                             warnings=["[reader_catalog_only] 只读账号：未提供密码，仅按目录检查"], notes=["a", "b"])
    assert ts.queue_check_lines(report) == [
        (INFO, "汇总：候诊叫号视图契约检查 oracle，站点 默认：通过（错误 0，警告 1，已检查 2 项）"),
        (WARN, "任务成功，但有警告：[reader_catalog_only] 只读账号：未提供密码，仅按目录检查")]


def test_records_still_in_the_outbox_and_refused_credentials_are_warnings() -> None:
    lines = ts.record_resend_lines({"acknowledged": 1, "not_sent": 2, "misconfigured": 1}, ("not_sent", "unknown"))
    assert lines == [(INFO, "汇总：互认行为记录补传：已确认 1、未发出 2、认证失败 1（条）"),
                     (WARN, "2 条仍未送达（已保留在待补传队列），任务失败后重试或下次运行再发"),
                     (WARN, "1 条因互认平台拒绝本院认证未送达：检查连接 mutual_recognition")]


def test_mapped_items_waiting_for_a_requeue_are_a_warning_with_the_command() -> None:
    lines = ts.mutual_unmapped_lines({"period": "2026-11-25", "unmapped": 0, "lab_panel": 0, "lab_item": 0,
                                      "exam_item": 0, "used": 0, "quarantined": 0, "awaiting_requeue": 3}, BASE)
    assert warnings(lines) == ["3 条隔离记录的项目已对照，等待重新排队：python -m hisbridge ledger requeue（清单中有命令），之后清除该窗口的任务"]


def test_gaps_found_without_fill_are_left_open_and_said_so() -> None:
    end = datetime(2026, 11, 24, 2, 20, tzinfo=ZoneInfo("UTC"))
    lines = ts.window_gaps_lines({"feeds_checked": 3, "missing_windows": 4, "by_feed": {"b": 1, "a": 3}, "fill": []},
                                 end, ["hsa_trace_sale"])
    assert lines == [(INFO, "汇总：漏跑窗口检查 截至 2026-11-24 10:20（北京时间）：检查 3 个接口，漏跑 4 个窗口（a 3、b 1）"),
                     (WARN, "漏跑窗口无人补跑：hsa_trace_sale；未开启自动回填（参数 fill=false）")]


@pytest.mark.parametrize(("deleted", "tail"), [([], "删除 0 份旧备份"), (["a.dump", "b.dump"], "删除 2 份旧备份")])
def test_backup_summary_names_the_file_size_checksum_counts_and_retention(deleted, tail) -> None:
    lines = ts.backup_lines({"file": "/b/hisbridge-ledger-x.dump", "size": 3 * 2**20, "sha256": "ab12",
                             "records": 7, "messages": 9, "deleted": deleted}, 7, 12)
    assert lines == [(INFO, "汇总：台账备份：/b/hisbridge-ledger-x.dump，3.0 MiB，sha256 ab12，记录 7 条、报文 9 条，校验通过（可读、校验和一致）；"
                         f"保留策略（每日 7 份、每月 12 份）{tail}")]


def test_export_and_monthly_summaries_without_anything_pending_are_info_only() -> None:
    assert ts.export_lines("在院患者信息", "2026-11-24", 0, "/x/2026-11-24", ["a.csv", "a.xlsx"]) == [
        (INFO, "汇总：九龙湖导出 在院患者信息 2026-11-24：0 行，2 个文件（a.csv、a.xlsx），目录 /x/2026-11-24")]
    lines = ts.monthly_report_lines({"month": "2026-11", "本月经手记录（条）": 10, "月末平台拒收（条）": 0,
                                     "月末已隔离（条）": 0, "月末结果未知（条）": 0, "可用率·医保（%）": 99.9}, BASE)
    assert lines == [(INFO, "汇总：运维·月度运行报告 2026-11：本月经手记录 10、月末平台拒收 0、月末已隔离 0、月末结果未知 0；可用率·医保（%） 99.9；"
                         f"报表 {BASE}/hisbridge/reports/hisbridge_monthly_ops_report/2026-11.html")]
