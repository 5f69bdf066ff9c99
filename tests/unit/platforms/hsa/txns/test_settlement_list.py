"""4101/4101A/4102/4103 结算清单: the declared bodies accept what the spec lists and refuse what it forbids; the
outputs keep what the platform adds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get
from hisbridge.platforms.hsa.models import pii_fields

COMMON = {
    "mdtrt_id": "M20261101001", "setl_id": "S20261110001", "medcasno": "BA2026110001", "ntly": "CHN", "prfs": "17",
    "coner_name": "张小明", "patn_rlts": "10", "coner_addr": "南昌市东湖区八一大道1号", "coner_tel": "13800000000",
    "ipt_med_type": "1", "adm_time": "2026-11-01 09:30:00", "dscg_time": "20261110100000", "dscg_caty": "A03",
    "bill_code": "36010126", "bill_no": "0001234567", "biz_sn": "B20261110001", "setl_begn_date": "2026-11-01",
    "setl_end_date": "2026-11-10", "hi_paymtd": "1", "medins_fill_dept": "病案科", "medins_fill_psn": "王填报",
    "refldept_dept": "A03→A04→A03", "curr_addr": " ", "nwb_adm_wt": "",
}
SETLINFO = {
    **COMMON, "fixmedins_name": "南昌市第一医院", "fixmedins_code": "H36010000001", "psn_name": "张三", "gend": 1,
    "brdy": date(1980, 1, 1), "age": 46, "naty": "01", "patn_cert_type": "01", "certno": "36010219800101001X",
    "hi_type": "310", "insuplc": "360100", "adm_caty": "A03", "maindiag_flag": True, "act_ipt_days": 9,
    "psn_selfpay": "320.50", "psn_ownpay": 88, "acct_pay": "0", "psn_cashpay": 408.5, "hsorg": "南昌市医疗保障局",
    "hsorg_opter": "李经办",
}
LIST_4101 = {
    "setlinfo": SETLINFO,
    "payinfo": [{"fund_pay_type": "310100", "fund_payamt": "5120.30"}],
    "diseinfo": [{"diag_type": 1, "diag_code": "I10.x00", "diag_name": "高血压", "maindiag_flag": "1"}],
    "iteminfo": [{"med_chrgitm": "01", "amt": 360, "claa_sumfee": 360, "clab_amt": 0, "fulamt_ownpay_amt": 0,
                  "oth_amt": 0}],
    "oprninfo": [],
    "icuinfo": [{"scs_cutd_ward_type": "1", "scs_cutd_inpool_time": "2026-11-02 08:00:00",
                 "scs_cutd_exit_time": "2026-11-03 10:24:00", "scs_cutd_sum_dura": "1/2/24"}],
}
LIST_4101A = {
    "setlinfo": {**COMMON, "psn_no": "36000000000000000000001", "resp_nurs_code": "N360100001"},
    "oprninfo": [{"oprn_oprt_type": "1", "oprn_oprt_name": "阑尾切除术", "oprn_oprt_code": "47.0901",
                  "oper_dr_code": "D360100001", "oprn_oprt_begntime": "2026-11-02 09:00:00",
                  "oprn_oprt_endtime": "2026-11-02 10:10:00"}],
    "bldinfo": [{"bld_cat": "1", "bld_amt": 400, "bld_unt": "ml"}],
}


def test_4101_body_is_the_whole_input_with_nodes_dates_and_numbers_formatted() -> None:
    txn = get("4101")
    assert txn.node is None and not txn.many and txn.changes_state
    wire = txn.body.model_validate(LIST_4101).model_dump(mode="json")
    setl = wire["setlinfo"]
    assert setl["gend"] == "1" and setl["brdy"] == "1980-01-01" and setl["maindiag_flag"] == "1"
    assert setl["dscg_time"] == "2026-11-10 10:00:00" and setl["psn_cashpay"] == 408.5 and setl["age"] == 46
    assert setl["refldept_dept"] == "A03→A04→A03"  # several transfers do not fit the spec's C6
    assert "curr_addr" not in setl and "nwb_adm_wt" not in setl and "opspdiseinfo" not in wire
    assert wire["payinfo"] == [{"fund_pay_type": "310100", "fund_payamt": 5120.3}]
    assert wire["diseinfo"][0]["diag_type"] == "1" and wire["oprninfo"] == []
    assert wire["icuinfo"][0]["scs_cutd_inpool_time"] == "2026-11-02 08:00:00"


def test_4101a_has_no_money_nodes_and_carries_operation_times_and_transfusions() -> None:
    wire = get("4101A").body.model_validate(LIST_4101A).model_dump(mode="json")
    assert wire["setlinfo"]["psn_no"] == "36000000000000000000001" and "psn_name" not in wire["setlinfo"]
    assert wire["oprninfo"][0]["oprn_oprt_endtime"] == "2026-11-02 10:10:00"
    assert wire["bldinfo"] == [{"bld_cat": "1", "bld_amt": 400, "bld_unt": "ml"}]
    assert get("4101A").node is None and get("4101A").output is get("4101").output


def _without(body: dict, node: str, field: str) -> dict:
    return {**body, node: {k: v for k, v in body[node].items() if k != field}}


@pytest.mark.parametrize(("infno", "body", "loc"), [
    ("4101", _without(LIST_4101, "setlinfo", "medcasno"), ("setlinfo", "medcasno")),             # required
    ("4101", {**LIST_4101, "setlinfo": {**SETLINFO, "certno": ""}}, ("setlinfo", "certno")),      # blank is none
    ("4101", {**LIST_4101, "setlinfo": {**SETLINFO, "fixmedins_code": "H" * 16}},
     ("setlinfo", "fixmedins_code")),                                                              # C12 (→ C15)
    ("4101", {**LIST_4101, "setlinfo": {**SETLINFO, "gend": "3"}}, ("setlinfo", "gend")),          # closed code set
    ("4101", {**LIST_4101, "payinfo": [{"fund_pay_type": "310100", "fund_payamt": "1.001"}]},
     ("payinfo", 0, "fund_payamt")),                                                               # N16,2
    ("4101", {**LIST_4101, "icuinfo": [{**LIST_4101["icuinfo"][0], "scs_cutd_exit_time": "tomorrow"}]},
     ("icuinfo", 0, "scs_cutd_exit_time")),                                                        # not a time
    ("4101", {**LIST_4101, "bldinfo": []}, ("bldinfo",)),                                          # 4101A's node
    ("4101A", _without(LIST_4101A, "setlinfo", "resp_nurs_code"), ("setlinfo", "resp_nurs_code")),
    ("4101A", {**LIST_4101A, "payinfo": []}, ("payinfo",)),                                       # dropped in 4101A
    ("4101A", {**LIST_4101A, "bldinfo": [{"bld_cat": "1", "bld_unt": "ml"}]}, ("bldinfo", 0, "bld_amt")),
    ("4101A", {**LIST_4101A, "oprninfo": [{**LIST_4101A["oprninfo"][0], "oprn_oprt_date": "2026-11-02"}]},
     ("oprninfo", 0, "oprn_oprt_date")),                                                           # 4101's field
])  # fmt: skip
def test_4101_refuses_what_the_spec_forbids_naming_the_field(infno: str, body: dict, loc: tuple) -> None:
    with pytest.raises(ValidationError) as exc:
        get(infno).body.model_validate(body)
    assert {e["loc"] for e in exc.value.errors()} == {loc}


def test_4101_output_reads_the_list_id_and_keeps_the_rest() -> None:
    out = get("4101A").output.model_validate({"setl_list_id": 123456789, "qltctrl_rslt": "0"})
    assert out.setl_list_id == "123456789" and out.model_dump()["qltctrl_rslt"] == "0"


def test_4102_changes_the_status_of_listed_settlements() -> None:
    txn = get("4102")
    body = {"stastinfo": [{"psn_no": "36000000000000000000001", "setl_id": "S20261110001", "stas_type": 1}]}
    assert txn.body.model_validate(body).model_dump(mode="json") == {
        "stastinfo": [{"psn_no": "36000000000000000000001", "setl_id": "S20261110001", "stas_type": "1"}]}
    assert (txn.node, txn.output, txn.changes_state) == ("data", None, True)
    with pytest.raises(ValidationError) as exc:
        txn.body.model_validate({"stastinfo": [{**body["stastinfo"][0], "stas_type": " "}]})
    assert [e["loc"] for e in exc.value.errors()] == [("stastinfo", 0, "stas_type")]


def test_4103_queries_without_changing_state_and_refuses_a_missing_id() -> None:
    txn = get("4103")
    assert txn.body.model_validate({"psn_no": "36000000000000000000001", "setl_id": "S20261110001"})
    assert not txn.changes_state and txn.node == "data"
    with pytest.raises(ValidationError) as exc:
        txn.body.model_validate({"psn_no": "36000000000000000000001", "setl_id": "S" * 31})
    assert [e["loc"] for e in exc.value.errors()] == [("setl_id",)]


def test_4103_output_reads_back_the_uploaded_nodes_and_keeps_fields_the_spec_does_not_name() -> None:
    out = get("4103").output.model_validate({
        "setlinfo": {"setl_list_sn": 2026000001, "psn_no": "36000000000000000000001", "age": "46.0",
                     "dcla_time": "2026-11-11 08:00:00", "brdy": "1980-01-01", "medcasno": "BA" + "0" * 60,
                     "gend": 1, "psn_cashpay": 408.5, "qlt_lv": "甲"},
        "payinfo": [{"fund_pay_type": "310100", "fund_payamt": "5120.30"}],
        "oprninfo": [{"oprn_oprt_code": "47.0901", "oprn_oprt_date": "2026-11-02",
                      "anst_begntime": "2026-11-02 08:40:00"}],
        "bldinfo": [{"bld_cat": "1", "bld_amt": 400}],
    })
    setl = out.setlinfo
    assert setl.setl_list_sn == "2026000001" and setl.age == Decimal("46.0") and setl.gend == "1"
    assert setl.dcla_time == datetime(2026, 11, 11, 8) and setl.brdy == date(1980, 1, 1)
    assert len(setl.medcasno) == 62 and setl.model_dump()["qlt_lv"] == "甲"  # outputs: any length, extras kept
    assert out.payinfo[0].fund_payamt == Decimal("5120.30") and out.bldinfo[0].bld_amt == 400
    assert out.oprninfo[0].oprn_oprt_date == date(2026, 11, 2)
    assert out.oprninfo[0].anst_begntime == datetime(2026, 11, 2, 8, 40)
    assert {"psn_no", "certno", "psn_name", "coner_tel", "medins_fill_psn"} <= pii_fields(type(setl))


def test_the_group_says_what_is_open() -> None:
    for infno in ("4101", "4101A", "4102", "4103"):
        txn = get(infno)
        assert (txn.group, txn.section) == ("结算清单", "4.9") and txn.unknowns and txn.undone_by is None
