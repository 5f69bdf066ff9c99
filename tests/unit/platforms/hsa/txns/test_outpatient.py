"""2201–2208 门诊: the declared bodies accept what the spec lists and refuse what it forbids; the outputs keep
what the platform adds; the Txn lines say how each step is undone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get
from hisbridge.platforms.hsa.models import pii_fields
from hisbridge.platforms.hsa.txns.outpatient import SettlementInfo

PSN = "36000000000000000000001"
MDTRT = "360100202611050000000123"

REGISTRATION = {
    "psn_no": PSN, "insutype": 310, "begntime": "20261105083000", "mdtrt_cert_type": "02",
    "mdtrt_cert_no": "36010219800101001X", "ipt_otp_no": "MZ202611050001", "atddr_no": "D360100001234",
    "dr_name": "李医生", "dept_code": "0301", "dept_name": "心血管内科门诊", "caty": "A03.04",
}
REGISTRATION_REVOKE = {"psn_no": PSN, "mdtrt_id": MDTRT, "ipt_otp_no": "MZ202611050001"}
VISIT = {
    "mdtrtinfo": {
        "mdtrt_id": MDTRT, "psn_no": PSN, "med_type": 11, "begntime": "2026-11-05 08:35:00",
        "main_cond_dscr": "头晕三天", "dise_codg": " ", "geso_val": None,
    },
    "diseinfo": [
        {"diag_type": 1, "diag_srt_no": 1, "diag_code": "I10.x00", "diag_name": "高血压",
         "diag_dept": "心血管内科门诊", "dise_dor_no": "D360100001234", "dise_dor_name": "李医生",
         "diag_time": "2026-11-05T08:40:00", "vali_flag": True},
    ],
}
FEE = {
    "feedetl_sn": "F202611050001", "mdtrt_id": MDTRT, "psn_no": PSN, "chrg_bchno": "B202611050001",
    "rxno": "RX0001", "rx_circ_flag": False, "fee_ocur_time": "2026-11-05 08:50:00",
    "med_list_codg": "XC08CAA048A001010104023", "medins_list_codg": "YP0001", "det_item_fee_sumamt": 4.52,
    "cnt": 2, "pric": "2.26", "prd_days": 7, "bilg_dept_codg": "0301", "bilg_dept_name": "心血管内科门诊",
    "bilg_dr_codg": "D360100001234", "bilg_dr_name": "李医生", "hosp_appr_flag": 0, "acord_dept_codg": "",
}
FEE_REVOKE = {"mdtrt_id": MDTRT, "chrg_bchno": "0000", "psn_no": PSN}
PRE_SETTLEMENT = {
    "psn_no": PSN, "mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X", "med_type": "11",
    "medfee_sumamt": Decimal("4.52"), "psn_setlway": "01", "mdtrt_id": MDTRT, "chrg_bchno": "B202611050001",
    "acct_used_flag": 1, "insutype": "310",
}
SETTLEMENT = {**PRE_SETTLEMENT, "invono": "FP20261105001", "inscp_scp_amt": "4.29", "fulamt_ownpay_amt": 0}
SETTLEMENT_REVOKE = {"setl_id": "360100202611050000000456", "mdtrt_id": MDTRT, "psn_no": PSN}


@pytest.mark.parametrize(("infno", "data", "expected", "absent"), [
    ("2201", REGISTRATION, {"insutype": "310", "begntime": "2026-11-05 08:30:00", "caty": "A03.04"}, ()),
    ("2202", REGISTRATION_REVOKE, {"mdtrt_id": MDTRT}, ()),
    ("2204", FEE, {"rx_circ_flag": "0", "det_item_fee_sumamt": 4.52, "cnt": 2, "pric": 2.26, "prd_days": 7,
                   "hosp_appr_flag": "0", "fee_ocur_time": "2026-11-05 08:50:00"},
     ("acord_dept_codg", "dise_codg")),
    ("2205", FEE_REVOKE, {"chrg_bchno": "0000"}, ()),
    ("2206", PRE_SETTLEMENT, {"medfee_sumamt": 4.52, "acct_used_flag": "1", "psn_setlway": "01"}, ()),
    ("2207", SETTLEMENT, {"invono": "FP20261105001", "inscp_scp_amt": 4.29, "fulamt_ownpay_amt": 0},
     ("overlmt_selfpay", "preselfpay_amt")),
    ("2208", SETTLEMENT_REVOKE, {"setl_id": "360100202611050000000456"}, ("exp_content",)),
    ("2204", {**FEE, "exp_content": {"er_flag": "1"}}, {"exp_content": {"er_flag": "1"}}, ()),  # or an object
    ("2208", {**SETTLEMENT_REVOKE, "exp_content": '{"er_flag":"0"}'}, {"exp_content": '{"er_flag":"0"}'}, ()),
])
def test_data_bodies_dump_to_the_wire_body(infno: str, data: dict, expected: dict, absent: tuple) -> None:
    wire = get(infno).body.model_validate(data).model_dump(mode="json")
    assert {k: wire[k] for k in expected} == expected
    assert not set(absent) & set(wire)


@pytest.mark.parametrize("infno", ["2203", "2203A"])
def test_2203_is_two_nodes_with_codes_as_text_and_blanks_left_out(infno: str) -> None:
    txn = get(infno)
    assert txn.node is None and txn.body is get("2203").body
    wire = txn.body.model_validate(VISIT).model_dump(mode="json")
    assert wire["mdtrtinfo"]["med_type"] == "11" and wire["mdtrtinfo"]["begntime"] == "2026-11-05 08:35:00"
    assert "dise_codg" not in wire["mdtrtinfo"] and "geso_val" not in wire["mdtrtinfo"]
    assert wire["diseinfo"] == [{
        "diag_type": "1", "diag_srt_no": 1, "diag_code": "I10.x00", "diag_name": "高血压",
        "diag_dept": "心血管内科门诊", "dise_dor_no": "D360100001234", "dise_dor_name": "李医生",
        "diag_time": "2026-11-05 08:40:00", "vali_flag": "1",
    }]


@pytest.mark.parametrize(("infno", "data", "change", "field"), [
    ("2201", REGISTRATION, {"psn_no": " "}, "psn_no"),                     # required
    ("2201", REGISTRATION, {"mdtrt_cert_type": "0201"}, "mdtrt_cert_type"),  # C3
    ("2201", REGISTRATION, {"begntime": "2026-11-31 08:00:00"}, "begntime"),  # not a date-time
    ("2202", REGISTRATION_REVOKE, {"ipt_otp_no": None}, "ipt_otp_no"),
    ("2204", FEE, {"hosp_appr_flag": "3"}, "hosp_appr_flag"),              # 0/1/2 only
    ("2204", FEE, {"pric": "2.1234567"}, "pric"),                          # N16,6
    ("2204", FEE, {"rx_circ_flag": "2"}, "rx_circ_flag"),                  # flag
    ("2204", FEE, {"med_list_codg": "X" * 51}, "med_list_codg"),           # C50
    ("2205", FEE_REVOKE, {"chrg_bchno": ""}, "chrg_bchno"),
    ("2206", PRE_SETTLEMENT, {"psn_setlway": "03"}, "psn_setlway"),        # 01/02 only
    ("2206", PRE_SETTLEMENT, {"medfee_sumamt": "4.521"}, "medfee_sumamt"),  # N16,2
    ("2207", SETTLEMENT, {"acct_used_flag": "Y"}, "acct_used_flag"),
    ("2207", SETTLEMENT, {"invono": "F" * 21}, "invono"),                   # C20
    ("2207", SETTLEMENT, {"return_invono": "FP1"}, "return_invono"),       # Chongqing extra: not declared
    ("2208", SETTLEMENT_REVOKE, {"setl_id": " "}, "setl_id"),
])
def test_data_bodies_refuse_what_the_spec_forbids_naming_the_field(
    infno: str, data: dict, change: dict, field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        get(infno).body.model_validate({**data, **change})
    assert {e["loc"][0] for e in exc.value.errors()} == {field}


@pytest.mark.parametrize(("change", "loc"), [
    ({"mdtrtinfo": {**VISIT["mdtrtinfo"], "mdtrt_id": ""}}, ("mdtrtinfo", "mdtrt_id")),
    ({"mdtrtinfo": {**VISIT["mdtrtinfo"], "geso_val": 100}}, ("mdtrtinfo", "geso_val")),     # N2
    ({"diseinfo": [{**VISIT["diseinfo"][0], "diag_type": 4}]}, ("diseinfo", 0, "diag_type")),
    ({"diseinfo": [{**VISIT["diseinfo"][0], "diag_srt_no": 1.5}]}, ("diseinfo", 0, "diag_srt_no")),
    ({"diseinfo": None}, ("diseinfo",)),
])
def test_2203_refuses_naming_the_node_and_field(change: dict, loc: tuple) -> None:
    with pytest.raises(ValidationError) as exc:
        get("2203").body.model_validate({**VISIT, **change})
    assert [e["loc"] for e in exc.value.errors()] == [loc]


def test_the_txn_lines_say_how_each_step_is_undone() -> None:
    infnos = ("2201", "2202", "2203", "2203A", "2204", "2205", "2206", "2207", "2208")
    lines = {infno: get(infno) for infno in infnos}
    undo = {k: t.undone_by for k, t in lines.items() if t.undone_by}
    assert undo == {"2201": "2202", "2204": "2205", "2207": "2208"}
    assert {k for k, t in lines.items() if t.reversible} == {"2207", "2208"}
    assert {k for k, t in lines.items() if not t.changes_state} == {"2206"}
    assert {k for k, t in lines.items() if t.output is None} == {"2202", "2203", "2203A", "2205"}
    assert lines["2204"].node == "feedetail" and lines["2204"].many
    assert lines["2204"].row_id_fields == ("mdtrt_id", "feedetl_sn")
    assert all(t.group == "门诊" and t.section == "4.2" and t.node in ("data", "feedetail", None)
               for t in lines.values())
    assert "inscp_scp_amt" in lines["2207"].unknowns


def test_personal_data_is_flagged() -> None:
    assert pii_fields(get("2201").body) == {"psn_no", "mdtrt_cert_no", "dr_name"}
    assert pii_fields(get("2204").body, "staff") == {"bilg_dr_name", "orders_dr_name"}
    assert {"psn_no", "psn_name", "certno"} <= pii_fields(SettlementInfo)


def test_2201_output_gives_the_visit_id_and_keeps_extras() -> None:
    out = get("2201").output.model_validate(
        {"data": {"mdtrt_id": MDTRT, "psn_no": PSN, "ipt_otp_no": "MZ202611050001", "exp_content": None,
                  "prov_flag": "1"}})
    assert out.data.mdtrt_id == MDTRT
    assert out.model_dump()["data"]["prov_flag"] == "1"


def test_2204_output_reads_the_split_rows() -> None:
    out = get("2204").output.model_validate({"result": [{
        "feedetl_sn": "F202611050001", "det_item_fee_sumamt": 4.52, "cnt": 2, "pric": 2.26,
        "pric_uplmt_amt": 2.5, "selfpay_prop": 0.05, "fulamt_ownpay_amt": 0, "overlmt_amt": 0,
        "preselfpay_amt": 0.23, "inscp_scp_amt": 4.29, "chrgitm_lv": "02", "med_chrgitm_type": "09",
        "lmt_used_flag": 0, "memo": None, "hilist_code": "XC08CAA048A001010104023",
    }]})
    row = out.result[0]
    assert row.inscp_scp_amt == Decimal("4.29") and row.preselfpay_amt == Decimal("0.23")
    assert row.lmt_used_flag == "0" and row.chrgitm_lv == "02"
    assert out.model_dump()["result"][0]["hilist_code"] == "XC08CAA048A001010104023"


SETLINFO = {
    "mdtrt_id": MDTRT, "setl_id": "360100202611050000000456", "psn_no": PSN, "psn_name": "张三",
    "psn_cert_type": "01", "certno": "36010219800101001X", "gend": "1", "naty": "01", "brdy": "1980-01-01",
    "age": 46.0, "insutype": "310", "psn_type": "1101", "cvlserv_flag": "0",
    "setl_time": "2026-11-05 09:01:02", "mdtrt_cert_type": "02", "med_type": "11", "medfee_sumamt": 25.1,
    "fulamt_ownpay_amt": 0, "overlmt_selfpay": 0, "preselfpay_amt": 0, "inscp_scp_amt": 25.1, "act_pay_dedc": 0,
    "hifp_pay": 0, "pool_prop_selfpay": 0, "cvlserv_pay": 0, "hifes_pay": 0, "hifmi_pay": 0, "hifob_pay": 0,
    "maf_pay": 0, "oth_pay": 0, "fund_pay_sumamt": 0, "psn_part_amt": 25.1, "acct_pay": 25.1, "psn_cash_pay": 0,
    "hosp_part_amt": 0, "balc": 1209.46, "acct_mulaid_pay": 0, "medins_setl_id": "H36010000001202611050901020001",
    "clr_optins": "360100", "clr_way": "1", "clr_type": "11", "prov_flag": "1",
}
SETLDETAIL = [{
    "fund_pay_type": "310200", "inscp_scp_amt": 25.1, "crt_payb_lmt_amt": 25.1, "fund_payamt": 25.1,
    "fund_pay_type_name": "职工基本医疗保险个人账户基金", "setl_proc_info": None,
}]


def _negated(row: dict) -> dict:
    return {k: -v if isinstance(v, float) and k not in ("age", "balc") else v for k, v in row.items()}


@pytest.mark.parametrize(("infno", "setlinfo", "setldetail"), [
    ("2206", {**SETLINFO, "setl_id": None, "setl_time": None, "clr_optins": None}, SETLDETAIL),
    ("2207", SETLINFO, SETLDETAIL),
    ("2208", _negated(SETLINFO), [_negated(row) for row in SETLDETAIL]),
])
def test_settlement_outputs_read_the_money_and_keep_extras(infno: str, setlinfo: dict, setldetail: list) -> None:
    out = get(infno).output.model_validate({"setlinfo": setlinfo, "setldetail": setldetail})
    amount = Decimal("-25.1") if infno == "2208" else Decimal("25.1")
    assert out.setlinfo.medfee_sumamt == amount and out.setlinfo.acct_pay == amount
    assert out.setldetail[0].fund_payamt == amount and out.setldetail[0].fund_pay_type == "310200"
    assert out.setlinfo.brdy.isoformat() == "1980-01-01"
    assert out.model_dump()["setlinfo"]["prov_flag"] == "1"  # a field the spec does not name is kept
