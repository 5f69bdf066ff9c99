"""The 4101A body is built from HIS rows through include/mappings/hsa_settlement_list.yaml and checked against the
catalogue before anything is sent: a bad list is kept back with reasons in Chinese, field by field."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import yaml
from pydantic import ValidationError

from hisbridge.platforms.hsa.settlement_list import CONFIG_FILE, Case, ListConfig, build, load_config
from hisbridge.platforms.hsa.txns.settlement_list import SettlementListA

CONFIG = load_config()


def _row(**overrides) -> dict:
    row = {
        "setl_id": "S1", "mdtrt_id": "M1", "psn_no": "360100000000000001", "adm_id": "A1", "insutype": "310",
        "setl_med_type": "21", "setl_time": datetime(2026, 11, 24, 10), "setl_status": "normal",
        "bill_code": "36010001", "bill_no": "00012345", "setl_msgid": None, "cancelled_by": None,
        "stay_adm_id": "A1", "stay_mdtrt_id": "M1", "medcasno": "BA0001", "ipt_med_type": "1", "adm_way": "2",
        "trt_type": "1", "adm_time": datetime(2026, 11, 17, 9), "adm_dept_code": "4010",
        "dscg_time": datetime(2026, 11, 24, 9), "due_from": datetime(2026, 11, 24, 9), "dscg_dept_code": "4010",
        "dscg_dept_name": "心血管内科一病区", "dscg_way": "1", "chfpdr_code": "D001", "chfpdr_name": "医生甲",
        "chfpdr_cert_no": None, "nurse_code": "N001", "nurse_cert_no": None, "coner_name": "联系人",
        "coner_rlts": "1", "coner_addr": "南昌市东湖区", "coner_tel": "13800000000", "prfs": "17",
        "birth_date": date(1970, 5, 1), "curr_addr": "南昌市东湖区", "insuplc_admdvs": "360100",
    }
    return row | overrides


MAIN = {"adm_id": "A1", "seq_no": 1, "diag_type": "1", "diag_code": "I21.900", "diag_name": "急性心肌梗死",
        "maindiag_flag": "1", "adm_cond_type": "1"}
OTHER = MAIN | {"seq_no": 2, "diag_code": "I10.x00", "diag_name": "高血压", "maindiag_flag": "0"}
OPERATION = {"adm_id": "A1", "seq_no": 1, "oprn_oprt_type": "1", "oprn_oprt_code": "36.0600",
             "oprn_oprt_name": "冠状动脉支架置入术", "begin_time": datetime(2026, 11, 18, 10),
             "end_time": datetime(2026, 11, 18, 11), "anst_way": "3", "oper_dr_code": "D001",
             "oper_dr_cert_no": None, "anst_dr_code": None, "anst_dr_cert_no": None}


def test_a_complete_stay_builds_a_valid_4101a_body() -> None:
    built = build(CONFIG, Case(_row(), (MAIN, OTHER), (OPERATION,)))
    assert built.problems == ()
    body = built.wire
    SettlementListA.model_validate(body)  # what the gateway will check again
    info = body["setlinfo"]
    assert info["setl_id"] == "S1" and info["medcasno"] == "BA0001" and info["dscg_caty"] == "A03.04"
    assert info["adm_time"] == "2026-11-17 09:00:00" and info["setl_end_date"] == "2026-11-24"
    assert info["ntly"] == "CHN" and "nwb_age" not in info  # an adult has no newborn age
    assert [d["maindiag_flag"] for d in body["diseinfo"]] == ["1", "0"]
    assert body["oprninfo"][0]["oprn_oprt_begntime"] == "2026-11-18 10:00:00"
    assert body["icuinfo"] == [] and body["bldinfo"] == []


def test_a_stay_without_main_diagnosis_is_kept_back_with_a_chinese_reason() -> None:
    built = build(CONFIG, Case(_row(), (OTHER,), ()))
    assert built.wire is None
    assert any("无主诊断" in p for p in built.problems)


def test_missing_medcasno_names_the_field_in_chinese() -> None:
    built = build(CONFIG, Case(_row(medcasno=None), (MAIN,), ()))
    assert built.wire is None
    assert built.problems == ("结算清单信息·病案号（setlinfo.medcasno）：必填项为空",)


def test_an_unmapped_his_code_is_not_guessed() -> None:
    built = build(CONFIG, Case(_row(dscg_dept_code="4999"), (MAIN,), ()))
    assert built.wire is None
    [problem] = built.problems
    assert "出院科别（setlinfo.dscg_caty）" in problem and "4999" in problem and "dept_caty" in problem


def test_a_diagnosis_row_problem_names_its_row() -> None:
    built = build(CONFIG, Case(_row(), (MAIN, OTHER | {"diag_type": "7"}), ()))
    assert built.wire is None
    assert any("住院诊断信息第2行·诊断类别（diseinfo[1].diag_type）" in p for p in built.problems)


def test_a_settlement_without_stay_is_kept_back() -> None:
    built = build(CONFIG, Case(_row(stay_adm_id=None, medcasno=None), (), ()))
    assert built.wire is None and "住院登记" in built.problems[0]


def test_a_newborn_carries_its_age_in_days() -> None:
    built = build(CONFIG, Case(_row(birth_date=date(2026, 11, 7)), (MAIN,), ()))
    assert built.wire["setlinfo"]["nwb_age"] == 10


def test_missing_insurance_area_is_kept_back() -> None:
    built = build(CONFIG, Case(_row(insuplc_admdvs=None), (MAIN,), ()))
    assert built.wire is None and any("参保地" in p for p in built.problems)


def _yaml() -> dict:
    return yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))


def test_config_refuses_a_field_4101a_does_not_have() -> None:
    data = _yaml()
    data["setlinfo"]["psn_name"] = "name"
    with pytest.raises(ValidationError, match="not fields of 4101A"):
        ListConfig.model_validate(data)


def test_config_refuses_a_required_field_left_unmapped() -> None:
    data = _yaml()
    del data["setlinfo"]["medcasno"]
    with pytest.raises(ValidationError, match="medcasno"):
        ListConfig.model_validate(data)


def test_config_refuses_an_undeclared_code_table() -> None:
    data = _yaml()
    del data["codes"]["dept_caty"]
    with pytest.raises(ValidationError, match="dept_caty"):
        ListConfig.model_validate(data)


def test_config_is_not_taken_for_a_record_feed() -> None:
    from hisbridge.pipeline.spec import all_feed_ids

    assert "hsa_settlement_list" not in all_feed_ids()
