"""3201/3202 对账: the declared bodies accept what the spec lists and refuse what it forbids; the outputs keep what
the platform adds; the 3202 file layouts are declared in column order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get
from hisbridge.platforms.hsa.txns.reconciliation import DETAIL_FILE_COLUMNS, DetailFileLine, DetailResultRow

TOTALS = {
    "insutype": 310, "clr_type": "11", "setl_optins": "360100", "stmt_begndate": "20261101",
    "stmt_enddate": "2026-11-30", "medfee_sumamt": Decimal("125430.50"), "fund_pay_sumamt": 80211.3,
    "acct_pay": "20000.00", "fixmedins_setl_cnt": 312, "refd_setl_flag": " ",
}
DETAIL = {
    "setl_optins": "360100", "file_qury_no": "F2026113000000123", "stmt_begndate": "2026-11-01",
    "stmt_enddate": "2026-11-30", "medfee_sumamt": "125430.50", "fund_pay_sumamt": "80211.30",
    "cash_payamt": "25219.20", "fixmedins_setl_cnt": "312",
}


def test_3201_body_is_the_wire_body_with_codes_as_text_dates_formatted_and_blanks_left_out() -> None:
    wire = get("3201").body.model_validate(TOTALS).model_dump(mode="json")
    assert wire["insutype"] == "310" and wire["stmt_begndate"] == "2026-11-01"
    assert wire["medfee_sumamt"] == 125430.5 and wire["fund_pay_sumamt"] == 80211.3 and wire["acct_pay"] == 20000
    assert wire["fixmedins_setl_cnt"] == 312 and "refd_setl_flag" not in wire


def test_3202_newer_fields_are_optional_and_sent_when_given() -> None:
    body = get("3202").body
    assert "clr_type" not in body.model_validate(DETAIL).model_dump(mode="json")
    wire = body.model_validate({**DETAIL, "clr_type": 21, "refd_setl_flag": "0"}).model_dump(mode="json")
    assert wire["clr_type"] == "21" and wire["refd_setl_flag"] == "0" and wire["cash_payamt"] == 25219.2
    assert wire["fixmedins_setl_cnt"] == 312


@pytest.mark.parametrize(("infno", "change", "field"), [
    ("3201", {"setl_optins": ""}, "setl_optins"),                 # required
    ("3201", {"setl_optins": "3601001"}, "setl_optins"),          # C6
    ("3201", {"fixmedins_setl_cnt": 12.5}, "fixmedins_setl_cnt"),  # N10: a count
    ("3201", {"stmt_enddate": "2026-11-31"}, "stmt_enddate"),     # not a date
    ("3201", {"acct_pay": "1.005"}, "acct_pay"),                  # N16,2
    ("3201", {"unknown_field": "x"}, "unknown_field"),            # unknown keys are refused
    ("3202", {"file_qury_no": None}, "file_qury_no"),             # required
    ("3202", {"file_qury_no": "F" * 31}, "file_qury_no"),         # C30
    ("3202", {"fixmedins_setl_cnt": "12345678901"}, "fixmedins_setl_cnt"),  # N10
    ("3202", {"acct_pay": "1"}, "acct_pay"),                      # 3201's field, not 3202's
])  # fmt: skip
def test_refuses_what_the_spec_forbids_naming_the_field(infno: str, change: dict, field: str) -> None:
    valid = TOTALS if infno == "3201" else DETAIL
    with pytest.raises(ValidationError) as exc:
        get(infno).body.model_validate({**valid, **change})
    assert {e["loc"][0] for e in exc.value.errors()} == {field}


def test_3201_output_reads_the_result_and_keeps_fields_the_spec_does_not_name() -> None:
    out = get("3201").output.model_validate(
        {"stmtinfo": {"setl_optins": 360100, "stmt_rslt": "1", "stmt_rslt_dscr": "笔数不符", "stmt_sn": "S1"}}
    )
    assert out.stmtinfo.setl_optins == "360100" and out.stmtinfo.stmt_rslt == "1"
    assert out.model_dump()["stmtinfo"]["stmt_sn"] == "S1"


def test_3202_output_names_the_result_file() -> None:
    out = get("3202").output.model_validate({"fileinfo": {
        "file_qury_no": "F2026113000000124", "filename": "stmt_result.zip", "dld_endtime": "2026-12-01 23:59:59",
        "fixmedins_code": "H36010000001"}})
    assert out.fileinfo.dld_endtime == datetime(2026, 12, 1, 23, 59, 59)
    assert out.fileinfo.model_dump()["fixmedins_code"] == "H36010000001"


def test_both_change_state_in_the_reconciliation_group_and_say_what_is_open() -> None:
    for infno in ("3201", "3202"):
        txn = get(infno)
        assert (txn.node, txn.group, txn.section, txn.changes_state) == ("data", "对账", "4.6", True)
        assert not txn.reversible and txn.undone_by is None
    assert "separator" in get("3202").unknowns and "stmt_rslt" in get("3201").unknowns


def test_detail_file_line_is_declared_in_column_order() -> None:
    assert DETAIL_FILE_COLUMNS == (  # hsa.md §4.6, in this order
        "setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag")
    line = DetailFileLine.model_validate({
        "setl_id": "S20261101001", "mdtrt_id": "M20261101001", "psn_no": "36000000000000000000001",
        "medfee_sumamt": 256.3, "fund_pay_sumamt": 180, "acct_pay": "40.10",
    }).model_dump(mode="json")
    assert line["fund_pay_sumamt"] == 180 and "refd_setl_flag" not in line


def test_detail_result_row_reads_numbers_and_keeps_extra_columns() -> None:
    row = DetailResultRow.model_validate({
        "psn_no": "36000000000000000000001", "setl_id": "S20261101001", "msgid": "H36010000001202611011030450001",
        "stmt_rslt": "1", "refd_setl_flag": "0", "medfee_sumamt": "256.30", "diff_amt": "0.10",
    })
    assert row.medfee_sumamt == Decimal("256.30") and row.model_dump()["diff_amt"] == "0.10"
