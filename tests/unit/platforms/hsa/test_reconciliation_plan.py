"""The pure half of 医保对账: the configuration, which settlements count, the 3201 groups and bodies, the 3202 file
and the reading and classification of its result file — tables of cases, no database, no platform."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.gateway.service import validated
from hisbridge.platforms.hsa.reconciliation_detail import (
    RESULT_COLUMNS,
    classify,
    detail_file,
    detail_lines,
    parse_result_file,
    zipped,
)
from hisbridge.platforms.hsa.reconciliation_plan import (
    HisSettlement,
    Totals,
    counts,
    detail_body,
    load_config,
    plan_groups,
    scope_rows,
    totals_body,
)
from hisbridge.platforms.hsa.txns.reconciliation import DETAIL_FILE_COLUMNS

DAY = date(2026, 11, 24)


def row(setl_id: str, medfee: str = "100.00", fund: str = "60.00", acct: str = "10.00", *, insutype: str = "310",
        clr_type: str = "11", optins: str = "360100", refd: str = "0", status: str = "normal") -> HisSettlement:
    m, f, a = Decimal(medfee), Decimal(fund), Decimal(acct)
    return HisSettlement(setl_id, f"MD{setl_id}", "360100000000000001", insutype, clr_type, optins,
                         datetime(2026, 11, 24, 9), m, f, a, m - f - a, refd, status)


def result_line(setl_id: str, code: str, medfee: str = "100.00", fund: str = "60.00", acct: str = "10.00",
                memo: str = "", psn_no: str = "360100000000000001", refd: str = "0") -> str:
    return "\t".join([psn_no, f"MD{setl_id}", setl_id, f"msg{setl_id}", code, refd, memo, medfee, fund, acct])


def result_file(*lines: str) -> bytes:
    return zipped("stmt_result.txt", "".join(line + "\n" for line in lines).encode("utf-8"), DAY)


@pytest.fixture
def config():
    return load_config()


def test_the_shipped_configuration_reads_and_unknown_keys_are_refused(config) -> None:
    assert config.setl_optins == ("360100",) and config.refd_setl_flag == "1"
    assert config.detail_file.separator == "\t" and config.result_codes["2"] == "his_only"
    assert all(getattr(config.advice, name) for name in type(config.advice).model_fields)
    with pytest.raises(ValidationError):
        load_config({"refd_setl_flg": "0"})
    assert load_config({"refd_setl_flag": "0"}).refd_setl_flag == "0"


@pytest.mark.parametrize(("flag", "refd", "status", "counted"), [
    ("1", "0", "normal", True),
    ("1", "0", "cancelled", True),  # a cancelled original still counts, with its negative twin
    ("1", "1", "normal", True),
    ("0", "0", "normal", True),
    ("0", "0", "cancelled", False),
    ("0", "1", "normal", False),
])  # fmt: skip
def test_the_refund_rule_decides_what_counts(config, flag, refd, status, counted) -> None:
    assert counts(row("S1", refd=refd, status=status), load_config({"refd_setl_flag": flag})) is counted


def test_groups_are_the_configured_pairs_plus_what_the_his_has_sorted(config) -> None:
    rows = [row("A", insutype="390"), row("B", optins="440300"), row("C", insutype="320", clr_type="21"),
            row("D"), row("E", refd="1")]
    groups = plan_groups(rows, config)
    assert list(groups) == [("360100", "310", "11"), ("360100", "310", "21"), ("360100", "320", "21"),
                            ("360100", "390", "11"), ("360100", "390", "21"), ("440300", "310", "11")]
    assert [r.setl_id for r in groups[("360100", "310", "11")]] == ["D", "E"]
    assert groups[("360100", "390", "21")] == []
    assert [r.setl_id for r in scope_rows(rows, ("360100", "11"), config)] == ["A", "D", "E"]


def test_totals_body_is_a_valid_3201_and_sends_the_flag_only_when_configured(config) -> None:
    totals = Totals.of([row("A"), row("B", "-100.00", "-60.00", "-10.00", refd="1"), row("C", "50.10", "20.00", "0")])
    assert (totals.count, totals.medfee_sumamt, totals.cash_payamt) == (3, Decimal("50.10"), Decimal("30.10"))
    body = validated(catalogue.get("3201"), totals_body(("360100", "310", "11"), DAY, DAY, totals, config))
    assert body == {"insutype": "310", "clr_type": "11", "setl_optins": "360100", "stmt_begndate": "2026-11-24",
                    "stmt_enddate": "2026-11-24", "medfee_sumamt": 50.1, "fund_pay_sumamt": 20,
                    "acct_pay": 0, "fixmedins_setl_cnt": 3, "refd_setl_flag": "1"}
    quiet = load_config({"send_refd_setl_flag": False, "send_3202_clr_type": False})
    assert "refd_setl_flag" not in totals_body(("360100", "310", "11"), DAY, DAY, totals, quiet)
    detail = validated(catalogue.get("3202"), detail_body(("360100", "11"), "F1", DAY, DAY, totals, quiet))
    assert "clr_type" not in detail and detail["cash_payamt"] == 30.1 and detail["file_qury_no"] == "F1"


def test_detail_lines_follow_the_declared_column_order_and_separator(config) -> None:
    lines = detail_lines([row("A"), row("B", "-5.5", "-2", "0", refd="1")], config)
    assert lines == ("A\tMDA\t360100000000000001\t100.00\t60.00\t10.00\t0\n"
                     "B\tMDB\t360100000000000001\t-5.50\t-2.00\t0.00\t1\n")
    assert DETAIL_FILE_COLUMNS[:3] == ("setl_id", "mdtrt_id", "psn_no") and DETAIL_FILE_COLUMNS[-1] == "refd_setl_flag"
    spaced = load_config({"detail_file": {"separator": " ", "line_end": "\r\n"}})
    assert detail_lines([row("A")], spaced) == "A MDA 360100000000000001 100.00 60.00 10.00 0\r\n"


def test_the_detail_zip_is_the_same_bytes_for_the_same_lines(config) -> None:
    first = detail_file([row("A"), row("B")], "H1_360100_11_20261124_20261124", DAY, config)
    assert first == detail_file([row("A"), row("B")], "H1_360100_11_20261124_20261124", DAY, config)
    assert first != detail_file([row("A"), row("B", "100.01")], "H1_360100_11_20261124_20261124", DAY, config)
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert zf.namelist() == ["H1_360100_11_20261124_20261124.txt"]


def test_result_file_rows_are_read_and_bad_lines_reported(config) -> None:
    data = result_file(result_line("A", "0"), "only\tthree\tcolumns", result_line("B", "1", medfee="x"), "")
    parsed = parse_result_file(data, config)
    assert [r.setl_id for r in parsed.rows] == ["A"]
    assert parsed.problems == ["第2行应为10列，实际3列", "第3行金额无法识别"]
    assert RESULT_COLUMNS[:5] == ("psn_no", "mdtrt_id", "setl_id", "msgid", "stmt_rslt")
    gbk = parse_result_file(result_line("A", "2", memo="中心无此结算记录").encode("gbk"), config)
    assert gbk.rows[0].memo == "中心无此结算记录"
    assert parse_result_file(b"PK\x03\x04broken", config).problems


def test_classification_names_each_kind_and_what_differs(config) -> None:
    his = [row("M"), row("D", "120.00"), row("H"), row("N"), row("I")]
    result = parse_result_file(result_file(
        result_line("M", "0"),
        result_line("D", "1", medfee="100.00", memo="金额不一致"),
        result_line("H", "2", memo="中心无此结算记录"),
        result_line("P", "3", medfee="77.00", memo="医药机构无此结算记录"),
        result_line("Q", "3"),
        result_line("N", "9", memo="?"),
        result_line("I", "1", psn_no="360100000000000002"),
    ), config)
    elsewhere = {"Q": row("Q", clr_type="21", status="cancelled")}
    found = {f.setl_id: f for f in classify(("360100", "11"), his, result, config, elsewhere)}
    assert {k: f.kind for k, f in found.items()} == {
        "M": "match", "D": "differs", "H": "his_only", "P": "platform_only", "Q": "platform_only", "N": "differs",
        "I": "differs"}
    assert found["D"].differences == "医疗费总额：HIS 120.00，平台 100.00"
    assert found["D"].platform == {"medfee_sumamt": Decimal("100.00"), "fund_pay_sumamt": Decimal("60.00"),
                                   "acct_pay": Decimal("10.00")}
    assert found["I"].differences == "人员编号：HIS 360100000000000001，平台 360100000000000002"
    assert found["H"].platform is None and found["H"].his is his[2]
    assert found["P"].his is None and found["P"].platform["medfee_sumamt"] == Decimal("77.00")
    assert "清算类别 21" in found["Q"].memo and "状态 cancelled" in found["Q"].memo
    assert found["N"].memo.startswith("未知对账结果代码 9")


def test_a_his_line_missing_from_the_result_is_his_only_not_lost(config) -> None:
    result = parse_result_file(result_file(result_line("A", "0")), config)
    found = classify(("360100", "11"), [row("A"), row("B")], result, config, {})
    assert [(f.setl_id, f.kind) for f in found] == [("A", "match"), ("B", "his_only")]
    assert "未列出" in found[1].memo
