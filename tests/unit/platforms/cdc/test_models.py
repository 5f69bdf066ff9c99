"""The models derived from the declarations: database values in, the front-end's JSON out, and bad values refused
with reasons that name the column and the rule (never a personal value)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hisbridge.pipeline.validate import model_errors
from hisbridge.platforms.cdc.models import db_row, from_wire, model_for, pii_fields, to_wire, wire_pii_values
from hisbridge.platforms.cdc.tables import TABLES, table


def patient(**overrides) -> dict:
    row = {
        "id": "P0001", "patient_name": " 张三 ", "id_card_type_code": "01", "id_card": "360102199001011234",
        "gender_code": 1, "birth_date": date(1990, 1, 1), "nationality_code": "156", "nation_code": "01",
        "tel": "13912345678", "org_code": "360100001", "org_name": "南昌市第一医院",
        "operation_time": datetime(2026, 3, 2, 8, 15, 3, 512000), "invalid_flag": "0",
    }
    row.update(overrides)
    return row


def reasons(table_name: str, row: dict) -> list[str]:
    with pytest.raises(ValidationError) as info:
        model_for(table_name).model_validate(row)
    return model_errors(info.value, model_for(table_name))


def test_database_values_become_the_front_ends_json() -> None:
    wire = to_wire(model_for("emr_patient_info").model_validate(patient()))
    assert wire == {
        "id": "P0001", "patientName": "张三", "idCardTypeCode": "01", "idCardTypeName": "居民身份证",
        "idCard": "360102199001011234", "genderCode": "1", "genderName": "男", "birthDate": "1990-01-01 00:00:00",
        "nationalityCode": "156", "nationalityName": "中国", "nationCode": "01", "nationName": "汉族",
        "tel": "13912345678", "orgCode": "360100001", "orgName": "南昌市第一医院",
        "operationTime": "2026-03-02 08:15:03", "invalidFlag": "0",
    }


def test_wire_body_reads_back_into_the_same_record() -> None:
    record = model_for("emr_patient_info").model_validate(patient())
    again = from_wire("emr_patient_info", to_wire(record))
    assert again == record
    assert to_wire(again) == to_wire(record)


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_has_a_model_whose_fields_are_its_columns(name) -> None:
    t = table(name)
    model = model_for(name)
    assert model.__name__ == t.model_name and model.cdc_table is t
    assert list(model.model_fields) == [c.name for c in t.columns]
    assert all(info.alias == c.camel and info.description == c.title
               for c, info in zip(t.columns, model.model_fields.values(), strict=True))
    required = {c.name for c in t.columns if c.required}
    assert {n for n, info in model.model_fields.items() if info.is_required()} == required
    model.model_json_schema(mode="serialization")  # part of every run's fingerprint: must render


def test_date_times_take_database_and_text_forms() -> None:
    model = model_for("emr_ex_lab")
    shanghai_8am = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    for value, expected in [
        (datetime(2026, 3, 2, 8, 0, 1), "2026-03-02 08:00:01"),
        (date(2026, 3, 2), "2026-03-02 00:00:00"),
        ("2026-03-02 08:00:01", "2026-03-02 08:00:01"),
        ("2026-03-02T08:00:01.250", "2026-03-02 08:00:01"),
        ("20260302080001", "2026-03-02 08:00:01"),
        ("2026-03-02", "2026-03-02 00:00:00"),
        (shanghai_8am, "2026-03-02 08:00:00"),
    ]:
        wire = to_wire(model.model_validate({"id": "L1", "examination_report_date": value}))
        assert wire["examinationReportDate"] == expected, value
    assert reasons("emr_ex_lab", {"id": "L1", "examination_report_date": "03/02/2026"}) == [
        "检验报告日期（examination_report_date）：日期时间格式应为 yyyy-MM-dd HH:mm:ss，请在 HIS 中更正"]


def test_numbers_and_flags_become_text_and_blanks_are_no_value() -> None:
    wire = to_wire(model_for("emr_ex_lab_item").model_validate({
        "id": 17, "ex_lab_id": "L1", "examination_quantification": Decimal("5.20"),
        "examination_quantification_unit": "   ", "item_code": 57}))
    assert wire == {"id": "17", "exLabId": "L1", "examinationQuantification": "5.20", "itemCode": "57"}


def test_over_long_values_are_refused_naming_the_column() -> None:
    found = reasons("emr_patient_info", patient(patient_name="张" * 101, org_code="3601000011"))
    assert found == ["患者姓名（patient_name）：不能超过 100 个字符，请在 HIS 中更正",
                     "医疗机构代码（org_code）：不能超过 9 个字符，请在 HIS 中更正"]
    assert not any("张" in r for r in found)  # the value itself never reaches a reason


def test_unknown_codes_are_refused_naming_the_code_set() -> None:
    found = reasons("emr_patient_info", patient(gender_code="3", id_card_type_name="身份证"))
    assert found == ["性别代码（gender_code）：'3' 不是性别（GB/T 2261.1-2003）的代码；可用：0 未知的性别、1 男、2 女、"
                     "9 未说明的性别，请在 HIS 中更正"]
    assert reasons("emr_activity_info", {"id": "A1", "activity_type_code": "10"})[0].startswith(
        "就诊活动类型代码（activity_type_code）：'10' 不是就诊活动类型")


def test_open_code_sets_check_the_shape_and_accept_codes_not_listed() -> None:
    model = model_for("emr_ex_lab_item")
    wire = to_wire(model.model_validate({"id": "I1", "ex_lab_id": "L1", "examination_result_code": "05"}))
    assert wire["examinationResultCode"] == "05" and "examinationResultName" not in wire  # no name to fill in
    assert reasons("emr_ex_lab_item", {"id": "I1", "ex_lab_id": "L1", "examination_result_code": "阳性"}) == [
        "检验定性结果（examination_result_code）：'阳性' 不符合检验定性结果（标化）（前置软件 dd_ex_quantification）的代码格式 "
        "^\\d{2}$，请在 HIS 中更正"]


def test_a_given_name_is_kept_and_a_missing_one_is_filled_from_the_code_set() -> None:
    model = model_for("emr_vital_signs_record")
    wire = to_wire(model.model_validate({"id": "V1", "ventilatorused_code": "1", "critical_care_code": "0",
                                         "critical_care_name": "不是"}))
    assert (wire["ventilatorusedName"], wire["criticalCareName"]) == ("是", "不是")


def test_required_columns_must_have_a_value() -> None:
    found = reasons("emr_patient_info", patient(id_card="  ", patient_name=None, id=None))
    assert found == ["记录ID（id）：必填项为空，请在 HIS 中补录", "患者姓名（patient_name）：必填项为空，请在 HIS 中补录",
                     "证件号码（id_card）：必填项为空，请在 HIS 中补录"]
    row = patient()
    del row["org_name"]
    assert reasons("emr_patient_info", row) == ["医疗机构名称（org_name）：必填项没有值，请在 HIS 中补录"]
    assert reasons("emr_ex_lab_item", {"id": "I1"}) == ["检验报告ID（ex_lab_id）：必填项没有值，请在 HIS 中补录"]


def test_unknown_fields_are_refused() -> None:
    assert reasons("emr_ex_lab", {"id": "L1", "labName": "x"}) == [
        "labName：不是平台接口定义的字段，接口映射与平台模型不符，请联系数据工程师核对 include/mappings"]


def test_a_wire_body_becomes_a_whole_database_row() -> None:
    t = table("emr_ex_lab")
    body = to_wire(model_for(t.name).model_validate({"id": "L1", "patient_id": "P1",
                                                     "examination_report_date": "2026-03-02 08:00:01"}))
    row = db_row(t, body)
    assert list(row) == [c.name for c in t.columns]
    assert row["examination_report_date"] == datetime(2026, 3, 2, 8, 0, 1)
    assert row["patient_id"] == "P1" and row["specimen_no"] is None  # a re-send replaces the whole row


def test_personal_values_are_known_by_column() -> None:
    t = table("emr_patient_info")
    assert {"patient_name", "id_card", "tel", "contacts", "contacts_tel"} <= set(pii_fields(t))
    body = to_wire(model_for(t.name).model_validate(patient()))
    assert wire_pii_values(t, [body]) == {"张三", "360102199001011234", "13912345678"}
