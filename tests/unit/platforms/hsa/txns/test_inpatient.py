"""2301–2305, 2401–2405 住院: the declared bodies accept what the spec lists and refuse what it forbids; the
outputs keep what the platform adds; the catalogue lines say how each is undone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get
from hisbridge.platforms.hsa.models import pii_fields
from hisbridge.platforms.hsa.txns.base import Nodes

PSN, MDTRT = "36000000000000000000001", "360100202611010000001"

FEE = {
    "feedetl_sn": "F202611020001", "mdtrt_id": MDTRT, "psn_no": PSN, "med_type": 21,
    "fee_ocur_time": "2026-11-02 09:30:00.000000", "med_list_codg": "XJ01CAA040A001010101445",
    "medins_list_codg": "YP0001", "det_item_fee_sumamt": 25.1, "cnt": 2, "pric": Decimal("12.55"),
    "bilg_dept_codg": "0301", "bilg_dept_name": "心内科", "bilg_dr_codg": "D360100001", "bilg_dr_name": "李医生",
    "drord_no": "  ", "hosp_appr_flag": 0, "dscg_tkdrug_flag": 0,
}
SETTLE = {
    "psn_no": PSN, "mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X", "medfee_sumamt": 3520.4,
    "psn_setlway": "01", "mdtrt_id": MDTRT, "insutype": 310, "acct_used_flag": True, "mid_setl_flag": 0,
    "inscp_scp_amt": "3000.00", "invono": "",
}
DIAG = {
    "psn_no": PSN, "diag_type": 1, "maindiag_flag": 1, "diag_srt_no": "1", "diag_code": "I10.x00",
    "diag_name": "原发性高血压", "diag_dept": "心内科", "dise_dor_no": "D360100001", "dise_dor_name": "李医生",
    "diag_time": "20261101083000",
}
ADMISSION = {
    "mdtrtinfo": {
        "psn_no": PSN, "insutype": "310", "begntime": "2026-11-01 08:30:00", "mdtrt_cert_type": "02",
        "mdtrt_cert_no": "36010219800101001X", "med_type": "21", "ipt_no": "ZY2026110001", "atddr_no": "D360100001",
        "chfpdr_name": "李医生", "adm_diag_dscr": "高血压", "adm_dept_codg": "0301", "adm_dept_name": "心内科",
        "adm_bed": "12", "dscg_maindiag_code": "I10.x00", "dscg_maindiag_name": "原发性高血压", "tel": " ",
        "geso_val": "",
    },
    "diseinfo": [DIAG],
}
DISCHARGE = {
    "dscginfo": {
        "mdtrt_id": MDTRT, "psn_no": PSN, "insutype": "310", "endtime": "2026-11-09 10:00:00",
        "dscg_dept_codg": "0301", "dscg_dept_name": "心内科", "dscg_way": "1", "cop_flag": "0",
    },
    "diseinfo": [{**DIAG, "mdtrt_id": MDTRT}],
}
CHANGE = {
    "adminfo": {
        **{k: v for k, v in ADMISSION["mdtrtinfo"].items() if k not in ("insutype", "mdtrt_cert_no", "ipt_no")},
        "mdtrt_id": MDTRT, "ipt_otp_no": "ZY2026110001", "adm_bed": "15",
    },
    "diseinfo": [DIAG, {**DIAG, "diag_srt_no": 2, "maindiag_flag": 0, "diag_code": "E11.900", "diag_name": "2型糖尿病"}],
}
BODIES: dict[str, Any] = {
    "2301": FEE,
    "2302": {"feedetl_sn": "0000", "mdtrt_id": MDTRT, "psn_no": PSN},
    "2303": SETTLE,
    "2304": SETTLE,
    "2305": {"mdtrt_id": MDTRT, "setl_id": "360100202611090000123", "psn_no": PSN},
    "2401": ADMISSION,
    "2402": DISCHARGE,
    "2403": CHANGE,
    "2404": {"mdtrt_id": MDTRT, "psn_no": PSN, "exp_content": ""},
    "2405": {"mdtrt_id": MDTRT, "psn_no": PSN},
}  # fmt: skip


def wire(infno: str, body: dict[str, Any]) -> dict[str, Any]:
    return get(infno).body.model_validate(body).model_dump(mode="json")


@pytest.mark.parametrize(
    ("infno", "node", "many", "changes_state", "undone_by", "reversible", "answers"),
    [
        ("2301", "feedetail", True, True, "2302", False, True),
        ("2302", "data", True, True, None, False, False),
        ("2303", "data", False, False, None, False, True),   # pre-settlement persists nothing (§4.2, §7)
        ("2304", "data", False, True, "2305", True, True),
        ("2305", "data", False, True, None, True, True),
        ("2401", None, False, True, "2404", True, True),
        ("2402", None, False, True, "2405", False, False),
        ("2403", None, False, True, None, False, False),
        ("2404", "data", False, True, None, False, False),
        ("2405", "data", False, True, None, False, False),
    ],
)  # fmt: skip
def test_catalogue_line(infno, node, many, changes_state, undone_by, reversible, answers) -> None:
    txn = get(infno)
    assert (txn.node, txn.many, txn.changes_state, txn.undone_by, txn.reversible) == (
        node, many, changes_state, undone_by, reversible)
    assert (txn.output is not None) == answers
    assert (txn.group, txn.section) == ("住院", "4.3") and txn.title
    assert (node is None) == issubclass(txn.body, Nodes)
    assert set(txn.row_id_fields) <= set(txn.body.model_fields)


@pytest.mark.parametrize("infno", list(BODIES))
def test_a_realistic_body_validates_and_blanks_are_left_out(infno: str) -> None:
    body = wire(infno, BODIES[infno])
    flat = {**body, **{k: v for node in body.values() if isinstance(node, dict) for k, v in node.items()}}
    assert flat["psn_no"] == PSN or body["diseinfo"][0]["psn_no"] == PSN
    assert None not in flat.values() and "" not in flat.values()


def test_2301_formats_times_numbers_codes_and_flags_and_takes_refund_rows() -> None:
    body = wire("2301", FEE)
    assert body["fee_ocur_time"] == "2026-11-02 09:30:00" and body["med_type"] == "21"
    assert (body["det_item_fee_sumamt"], body["cnt"], body["pric"]) == (25.1, 2, 12.55)
    assert body["hosp_appr_flag"] == "0" and body["dscg_tkdrug_flag"] == "0" and "drord_no" not in body
    refund = wire("2301", {**FEE, "feedetl_sn": "F202611020002", "init_feedetl_sn": "F202611020001", "cnt": -2,
                           "det_item_fee_sumamt": -25.1, "exp_content": {"er_flag": "0"}})
    assert (refund["cnt"], refund["det_item_fee_sumamt"]) == (-2, -25.1)
    assert refund["exp_content"] == {"er_flag": "0"}  # 扩展字段: JSON text or object (§3)


def test_2303_and_2304_share_the_body_and_the_policy_amounts_are_optional() -> None:
    assert get("2303").body is get("2304").body
    body = wire("2304", SETTLE)
    assert body["insutype"] == "310" and body["acct_used_flag"] == "1" and body["mid_setl_flag"] == "0"
    assert body["medfee_sumamt"] == 3520.4 and body["inscp_scp_amt"] == 3000
    assert "invono" not in body and "fulamt_ownpay_amt" not in body


def test_2401_nests_its_nodes_with_numbers_and_times_formatted() -> None:
    body = wire("2401", ADMISSION)
    assert set(body) == {"mdtrtinfo", "diseinfo"}
    assert body["mdtrtinfo"]["begntime"] == "2026-11-01 08:30:00" and "tel" not in body["mdtrtinfo"]
    assert "geso_val" not in body["mdtrtinfo"]
    assert body["diseinfo"] == [{
        "psn_no": PSN, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": 1, "diag_code": "I10.x00",
        "diag_name": "原发性高血压", "diag_dept": "心内科", "dise_dor_no": "D360100001", "dise_dor_name": "李医生",
        "diag_time": "2026-11-01 08:30:00",
    }]  # fmt: skip


def test_2402_and_2403_diagnoses_may_carry_the_visit() -> None:
    assert wire("2402", DISCHARGE)["diseinfo"][0]["mdtrt_id"] == MDTRT
    change = wire("2403", CHANGE)
    assert change["adminfo"]["ipt_otp_no"] == "ZY2026110001" and "ipt_no" not in change["adminfo"]
    assert [d["diag_srt_no"] for d in change["diseinfo"]] == [1, 2]


@pytest.mark.parametrize(
    ("infno", "change", "loc"),
    [
        ("2301", {"feedetl_sn": " "}, ("feedetl_sn",)),                 # required
        ("2301", {"medins_list_codg": "X" * 201}, ("medins_list_codg",)),  # C 150 → C200
        ("2301", {"pric": "1.1234567"}, ("pric",)),                      # N 16,6
        ("2301", {"hosp_appr_flag": "3"}, ("hosp_appr_flag",)),         # 0/1/2
        ("2301", {"rxno": "R1"}, ("rxno",)),                             # outpatient-only field: unknown here
        ("2302", {"mdtrt_id": ""}, ("mdtrt_id",)),
        ("2303", {"mid_setl_flag": ""}, ("mid_setl_flag",)),
        ("2303", {"psn_setlway": "03"}, ("psn_setlway",)),
        ("2304", {"acct_used_flag": "2"}, ("acct_used_flag",)),
        ("2304", {"medfee_sumamt": "12.345"}, ("medfee_sumamt",)),
        ("2305", {"setl_id": None}, ("setl_id",)),
        ("2401", {"mdtrtinfo": {**ADMISSION["mdtrtinfo"], "adm_bed": ""}}, ("mdtrtinfo", "adm_bed")),
        ("2401", {"mdtrtinfo": {**ADMISSION["mdtrtinfo"], "geso_val": 100}}, ("mdtrtinfo", "geso_val")),
        ("2401", {"diseinfo": [{**DIAG, "diag_type": "4"}]}, ("diseinfo", 0, "diag_type")),
        ("2401", {"diseinfo": [{**DIAG, "diag_srt_no": 1.5}]}, ("diseinfo", 0, "diag_srt_no")),
        ("2401", {"diseinfo": None}, ("diseinfo",)),
        ("2402", {"dscginfo": {**DISCHARGE["dscginfo"], "endtime": "2026-11-31 10:00:00"}}, ("dscginfo", "endtime")),
        ("2402", {"dscginfo": {**DISCHARGE["dscginfo"], "dscg_way": " "}}, ("dscginfo", "dscg_way")),
        ("2403", {"adminfo": {**CHANGE["adminfo"], "insutype": "310"}}, ("adminfo", "insutype")),
        ("2403", {"adminfo": {**CHANGE["adminfo"], "mdtrt_id": ""}}, ("adminfo", "mdtrt_id")),
        ("2404", {"psn_no": "3" * 31}, ("psn_no",)),
        ("2405", {"mdtrt_id": " "}, ("mdtrt_id",)),
    ],
)  # fmt: skip
def test_refuses_what_the_spec_forbids_naming_the_field(infno: str, change: dict, loc: tuple) -> None:
    with pytest.raises(ValidationError) as exc:
        get(infno).body.model_validate({**BODIES[infno], **change})
    assert {e["loc"] for e in exc.value.errors()} == {loc}


def test_personal_data_is_flagged() -> None:
    assert pii_fields(get("2301").body) == {"psn_no", "bilg_dr_name", "orders_dr_name"}
    assert pii_fields(get("2304").body, "patient") == {"psn_no", "mdtrt_cert_no"}
    assert {"psn_no", "tel", "coner_name", "mdtrt_cert_no"} <= pii_fields(get("2401").body.model_fields[
        "mdtrtinfo"].annotation, "patient")
    assert pii_fields(get("2305").output.model_fields["setlinfo"].annotation.__args__[0]) == {
        "psn_no", "psn_name", "certno"}


def test_2301_output_reads_each_row_and_keeps_what_the_spec_does_not_name() -> None:
    out = get("2301").output.model_validate({"result": [{
        "feedetl_sn": "F202611020001", "det_item_fee_sumamt": 25.1, "cnt": 2, "pric": 12.55,
        "pric_uplmt_amt": 99999, "selfpay_prop": "0.05", "fulamt_ownpay_amt": 0, "overlmt_amt": 0,
        "preselfpay_amt": 1.26, "inscp_scp_amt": 23.84, "chrgitm_lv": "02", "med_chrgitm_type": "09",
        "lmt_used_flag": 0, "memo": None, "drug_trac_flag": "1",
    }]})  # fmt: skip
    row = out.result[0]
    assert row.selfpay_prop == Decimal("0.05") and row.lmt_used_flag == "0" and row.memo is None
    assert out.model_dump()["result"][0]["drug_trac_flag"] == "1"


@pytest.mark.parametrize("infno", ["2303", "2304", "2305"])
def test_settlement_output_reads_setlinfo_and_funds_and_keeps_province_extras(infno: str) -> None:
    sign = -1 if infno == "2305" else 1  # 2305 answers the negated settlement
    out = get(infno).output.model_validate({
        "setlinfo": {
            "mdtrt_id": MDTRT, "setl_id": None if infno == "2303" else "360100202611090000123", "psn_no": PSN,
            "psn_name": "张三", "psn_cert_type": "01", "certno": "36010219800101001X", "gend": "1", "naty": "01",
            "brdy": "1980-01-01", "age": 46.0, "insutype": "310", "psn_type": "1101", "cvlserv_flag": "0",
            "setl_time": "2026-11-09 10:30:00", "med_type": "21", "medfee_sumamt": sign * 3520.4,
            "fulamt_ownpay_amt": 0, "overlmt_selfpay": 0, "preselfpay_amt": 0, "inscp_scp_amt": sign * 3520.4,
            "hifp_pay": sign * 2464.28, "pool_prop_selfpay": "0.7", "psn_part_amt": sign * 1056.12,
            "acct_pay": sign * 1056.12, "psn_cash_pay": 0, "fund_pay_sumamt": sign * 2464.28,
            "medins_setl_id": "H3601000000120261109103000001", "clr_way": "3", "clr_type": "21",
            "hifdm_pay": 0, "psn_pay": sign * 1056.12,
        },
        "setldetail": [{"fund_pay_type": "310100", "inscp_scp_amt": sign * 3520.4, "crt_payb_lmt_amt": 100000,
                        "fund_payamt": sign * 2464.28, "fund_pay_type_name": "职工基本医疗保险统筹基金"}],
    })  # fmt: skip
    info = out.setlinfo
    assert info.medfee_sumamt == Decimal(str(sign * 3520.4)) and info.setl_time.hour == 10
    assert info.brdy.year == 1980 and info.clr_type == "21"
    assert out.setldetail[0].fund_payamt == Decimal(str(sign * 2464.28))
    assert out.model_dump()["setlinfo"]["hifdm_pay"] == 0


def test_2401_output_gives_the_visit_id() -> None:
    out = get("2401").output.model_validate({"result": {"mdtrt_id": 360100202611010000001, "ipt_no": "ZY1"}})
    assert out.result.mdtrt_id == MDTRT and out.model_dump()["result"]["ipt_no"] == "ZY1"
