"""52xx/53xx 查询 and the assumed 9903: the declared bodies accept what the spec lists and refuse what it forbids;
the outputs read realistic answers and keep what the platform adds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hisbridge.platforms.hsa.catalogue import get
from hisbridge.platforms.hsa.models import pii_fields
from hisbridge.platforms.hsa.txns.queries import FeeDetailRecord

PSN = "36000000000000000000001"
INPUTS = {
    "5201": {"psn_no": PSN, "begntime": "2026-11-01", "endtime": "20261130235959", "med_type": 21, "mdtrt_id": ""},
    "5202": {"mdtrt_id": "M20261101001", "psn_no": PSN},
    "5203": {"psn_no": PSN, "setl_id": "S20261110001", "mdtrt_id": " "},
    "5204": {"psn_no": PSN, "mdtrt_id": "M20261101001"},
    "5206": {"psn_no": PSN, "cum_ym": 202611},
    "5301": {"psn_no": PSN},
    "5303": {"begntime": "2026-11-01 00:00:00", "endtime": datetime(2026, 11, 30, 23, 59, 59)},
    "9903": {"psn_no": PSN, "insutype": 310},
}
WIRE = {
    "5201": {"psn_no": PSN, "begntime": "2026-11-01 00:00:00", "endtime": "2026-11-30 23:59:59", "med_type": "21"},
    "5202": {"mdtrt_id": "M20261101001", "psn_no": PSN},
    "5203": {"psn_no": PSN, "setl_id": "S20261110001"},
    "5204": {"psn_no": PSN, "mdtrt_id": "M20261101001"},
    "5206": {"psn_no": PSN, "cum_ym": "202611"},
    "5301": {"psn_no": PSN},
    "5303": {"begntime": "2026-11-01 00:00:00", "endtime": "2026-11-30 23:59:59"},
    "9903": {"psn_no": PSN, "insutype": "310"},
}


@pytest.mark.parametrize("infno", list(INPUTS))
def test_body_is_the_wire_body_with_codes_as_text_times_formatted_and_blanks_left_out(infno: str) -> None:
    txn = get(infno)
    assert txn.body.model_validate(INPUTS[infno]).model_dump(mode="json") == WIRE[infno]
    assert (txn.node, txn.changes_state, txn.group) == ("data", False, "查询")
    assert txn.section == ("4.12" if infno == "9903" else "4.10") and txn.undone_by is None


@pytest.mark.parametrize(("infno", "change", "field"), [
    ("5201", {"begntime": None}, "begntime"),                 # required
    ("5201", {"endtime": "2026-11-31 00:00:00"}, "endtime"),  # not a date-time
    ("5201", {"med_type": "1234567"}, "med_type"),            # C6
    ("5202", {"mdtrt_id": "M" * 31}, "mdtrt_id"),             # C30
    ("5203", {"setl_id": ""}, "setl_id"),                     # required
    ("5204", {"mdtrt_id": " "}, "mdtrt_id"),                  # required here (optional in 5203)
    ("5206", {"cum_ym": "2026-11"}, "cum_ym"),                # C6 (yyyyMM)
    ("5301", {"psn_no": ""}, "psn_no"),                       # required
    ("5303", {"psn_name": "张三"}, "psn_name"),               # unknown keys are refused
    ("9903", {"psn_no": None}, "psn_no"),                     # the one field taken as required
])  # fmt: skip
def test_refuses_what_the_spec_forbids_naming_the_field(infno: str, change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        get(infno).body.model_validate({**INPUTS[infno], **change})
    assert {e["loc"][0] for e in exc.value.errors()} == {field}


def test_5201_output_reads_visits_with_times_and_numbers() -> None:
    out = get("5201").output.model_validate({"mdtrtinfo": [{
        "mdtrt_id": "M20261101001", "psn_no": PSN, "psn_name": "张三", "age": 46.0, "brdy": "1980-01-01",
        "begntime": "2026-11-01 09:30:00", "ipt_days": 9, "inhosp_stas": "0", "matn_type": "1"}]})
    visit = out.mdtrtinfo[0]
    assert visit.begntime == datetime(2026, 11, 1, 9, 30) and visit.ipt_days == 9 and visit.brdy == date(1980, 1, 1)
    assert visit.model_dump()["matn_type"] == "1"  # maternity fields are not named: kept as sent


def test_5202_output_reads_diagnoses() -> None:
    out = get("5202").output.model_validate({"diseinfo": [{
        "diag_info_id": 1001, "inout_diag_type": "2", "diag_srt_no": "1", "diag_code": "I10.x00",
        "diag_time": "2026-11-01 10:00:00", "dise_dor_name": "李医生", "vali_flag": "1"}]})
    row = out.diseinfo[0]
    assert row.diag_info_id == "1001" and row.diag_srt_no == 1 and row.model_dump()["vali_flag"] == "1"
    assert "dise_dor_name" in pii_fields(type(row), "staff")


def test_5203_output_reads_the_settlement_and_its_funds() -> None:
    out = get("5203").output.model_validate({
        "setlinfo": {"setl_id": "S20261110001", "medfee_sumamt": 5680.8, "fund_pay_sumamt": "5120.30",
                     "setl_time": "2026-11-10 10:05:00", "refd_setl_flag": "0", "medins_setl_id":
                     "H36010000001202611101005000001", "begndate": "2026-11-01", "hi_agre_sumfee": 5600},
        "setldetail": [{"fund_pay_type": "310100", "fund_payamt": 5120.3, "setl_proc_info": "统筹"}],
    })
    assert out.setlinfo.medfee_sumamt == Decimal("5680.8") and out.setlinfo.setl_time == datetime(2026, 11, 10, 10, 5)
    assert out.setlinfo.model_dump()["hi_agre_sumfee"] == 5600 and out.setldetail[0].fund_payamt == Decimal("5120.3")


def test_5204_output_keeps_everything_and_rows_read_with_the_record_model() -> None:
    answer = {"feedetail": [{"feedetl_sn": "1", "cnt": "2.0000", "pric": 12.5, "fee_ocur_time": "2026-11-01 09:00:00",
                             "hilist_code": "XA01", "bilg_dr_name": "李医生"}]}
    out = get("5204").output.model_validate(answer)
    assert out.model_dump() == answer
    row = FeeDetailRecord.model_validate(answer["feedetail"][0])
    assert row.cnt == 2 and row.fee_ocur_time == datetime(2026, 11, 1, 9) and row.model_dump()["bilg_dr_name"]


def test_5206_5301_5303_outputs_read_their_rows() -> None:
    cum = get("5206").output.model_validate({"cuminfo": [{"insutype": "310", "year": 2026, "cum_ym": "202611",
                                                          "cum_type_code": "S0000", "cum": "5680.80", "x": 1}]})
    assert cum.cuminfo[0].year == "2026" and cum.cuminfo[0].cum == Decimal("5680.80")
    assert cum.cuminfo[0].model_dump()["x"] == 1
    filed = get("5301").output.model_validate({"feedetail": [{"opsp_dise_code": "M03900", "opsp_dise_name": "高血压",
                                                              "begndate": "2026-11-01", "enddate": None}]})
    assert filed.feedetail[0].begndate == date(2026, 11, 1) and filed.feedetail[0].enddate is None
    inhosp = get("5303").output.model_validate({"data": [{"mdtrt_id": "M20261101001", "psn_no": PSN,
                                                          "begndate": "2026-11-01", "out_flag": 0, "bed": "12"}]})
    assert inhosp.data[0].out_flag == "0" and inhosp.data[0].model_dump()["bed"] == "12"


def test_9903_is_declared_as_assumed_and_its_output_keeps_whatever_comes() -> None:
    txn = get("9903")
    assert "assumed" in txn.unknowns and "province" in txn.unknowns
    assert "assumed" in (txn.body.__doc__ or "").lower() and not txn.output.model_fields
    out = txn.output.model_validate({"qualinfo": [{"opsp_dise_code": "M03900", "valid": "1"}]})
    assert out.model_dump() == {"qualinfo": [{"opsp_dise_code": "M03900", "valid": "1"}]}


@pytest.mark.parametrize("infno", ["5201", "5202", "5204", "9903"])
def test_what_public_material_leaves_open_is_said(infno: str) -> None:
    assert get(infno).unknowns


def test_9903_is_declared_by_the_sites_yaml(tmp_path, monkeypatch) -> None:
    from hisbridge.platforms.hsa.txns.configured import configured_body

    site = tmp_path / "9903.yaml"
    site.write_text("node: rdinfo\nfields:\n"
                    "  psn_no: {name: 人员编号, type: C, length: 30, required: true, pii: patient}\n"
                    "  begndate: {name: 开始日期, type: D, required: true}\n"
                    "  lmt_amt: {name: 限额, type: N, digits: 16, places: 2}\n", encoding="utf-8")
    monkeypatch.setenv("HISBRIDGE_HSA_9903", str(site))
    node, model = configured_body("9903", "Site9903", "9903")
    assert node == "rdinfo"
    wire = model.model_validate({"psn_no": "P1", "begndate": "20261101", "lmt_amt": "12.5"}).model_dump(mode="json")
    assert wire == {"psn_no": "P1", "begndate": "2026-11-01", "lmt_amt": 12.5}
    with pytest.raises(ValidationError):
        model.model_validate({"psn_no": "P1"})  # begndate required by the site's declaration
    assert model.model_fields["psn_no"].json_schema_extra == {"pii": True, "pii_subject": "patient"}
