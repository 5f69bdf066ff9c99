"""Field checks: every refusal is HTTP 200, result false, and names the field and the problem in Chinese."""

from __future__ import annotations

import pytest
import requests

from simulators.cdc.samples import sample
from simulators.cdc.server import SimServer
from simulators.cdc.state import SimState
from tests.simulators.cdc._support import Client


def _refused(reply: dict, code: str, *words: str) -> None:
    assert reply["result"] is False, reply
    assert reply["errorCode"] == code, reply
    for w in words:
        assert w in reply["errorName"], reply


def test_every_sample_is_accepted_in_parent_order(client: Client) -> None:
    from simulators.cdc.samples import PARENT_CHAIN

    for entity in PARENT_CHAIN:
        reply = client.push(entity, sample(entity))
        assert reply == {"result": True, "desc": "新增成功", "id": sample(entity)["id"], "errorCode": None,
                         "errorName": None}, entity  # fmt: skip
    assert all(c["live"] == 1 for c in client.admin("state")["counts"].values())


def test_unknown_key_is_refused_by_name(client: Client) -> None:
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", favouriteColour="blue"))
    _refused(reply, "UNKNOWN_FIELD", "[favouriteColour]", "emr_patient_info")
    assert client.counts("emrPatientInfo")["live"] == 0


def test_snake_case_key_gets_a_camel_case_hint(client: Client) -> None:
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", patientName=None, patient_name="测试甲"))
    _refused(reply, "UNKNOWN_FIELD", "[patient_name]", "驼峰", "[patientName]")
    upper = client.push("emrPatientInfo", sample("emrPatientInfo", patientName=None, PATIENT_NAME="测试甲"))
    _refused(upper, "UNKNOWN_FIELD", "[PATIENT_NAME]", "[patientName]")


def test_wrong_case_key_names_the_right_spelling(client: Client) -> None:
    # SX sends workUnit; the column is workunit
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", workUnit="某公司"))
    _refused(reply, "UNKNOWN_FIELD", "[workUnit]", "大小写", "[workunit]")


def test_over_long_varchar_is_refused_counting_characters(client: Client) -> None:
    ok = client.push("emrPatientInfo", sample("emrPatientInfo", patientName="张" * 100))
    assert ok["result"] is True  # 100 Chinese characters fit varchar(100) (300 bytes in UTF-8)
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", id="P002", patientName="张" * 101))
    _refused(reply, "LENGTH", "[patientName]", "最多100个字符", "实际101个")
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", id="x" * 81))
    _refused(reply, "LENGTH", "[id]", "80")


@pytest.mark.parametrize(
    "value",
    ["2025-03-01", "2025-03-01T10:00:00", "2025/03/01 10:00:00", "2025-03-01 10:00:00.123", "20250301100000",
     "2025-3-1 10:00:00"],
)  # fmt: skip
def test_timestamp_must_be_yyyy_mm_dd_hh_mm_ss(client: Client, value: str) -> None:
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", operationTime=value))
    _refused(reply, "DATETIME_FORMAT", "[operationTime]", "yyyy-MM-dd HH:mm:ss", value)


def test_timestamp_must_be_a_real_date(client: Client) -> None:
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", birthDate="2025-02-30 00:00:00"))
    _refused(reply, "DATETIME_FORMAT", "[birthDate]", "不是有效的日期时间")


def test_empty_string_timestamp_says_send_null(client: Client) -> None:
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", birthDate=""))
    _refused(reply, "DATETIME_FORMAT", "[birthDate]", "null")


@pytest.mark.parametrize(
    ("entity", "field", "value"),
    [
        ("emrPatientInfo", "genderCode", "3"),
        ("emrPatientInfo", "idCardTypeCode", "1"),  # the code is 01
        ("emrPatientInfo", "nationCode", "60"),
        ("emrPatientInfo", "maritalStatusCode", "11"),
        ("emrPatientInfo", "invalidFlag", "2"),
        ("emrPatientInfo", "currentAddrCode", "360102"),  # 9 digits
        ("emrActivityInfo", "activityTypeCode", "10"),  # XR's non-standard 体检
        ("emrExLabItem", "examinationResultCode", "03"),
        ("emrExLabItem", "examinationQuantificationRi", "3"),
        ("emrExClinicalItem", "examinationResultCode", "04"),
        ("emrExClinical", "examinationTypeCode", "12"),
        ("emrVitalSignsRecord", "ventilatorusedCode", "Y"),
        ("baseUser", "userTypeCode", "4"),
        ("baseDept", "targetDeptCode", "E01"),
    ],
)
def test_code_outside_its_dictionary_is_refused(client: Client, entity: str, field: str, value: str) -> None:
    for parent in ("emrPatientInfo", "emrExLab", "emrExClinical"):
        assert client.push(parent, sample(parent))["result"] is True
    reply = client.push(entity, sample(entity, id="X1", **{field: value}))
    _refused(reply, "CODE_VALUE", f"[{field}]", f"[{value}]", "值域")


def test_codes_in_their_dictionaries_are_accepted(client: Client) -> None:
    for gender in ("0", "1", "2", "9"):
        assert client.push("emrPatientInfo", sample("emrPatientInfo", genderCode=gender))["result"] is True
    for flag in ("0", "1"):
        assert client.push("emrPatientInfo", sample("emrPatientInfo", invalidFlag=flag))["result"] is True
    for code in [str(n) for n in range(1, 10)]:
        reply = client.push("emrActivityInfo", sample("emrActivityInfo", activityTypeCode=code))
        assert reply["result"] is True, code
    assert client.push("baseDept", sample("baseDept", targetDeptCode="A03.01"))["result"] is True


def test_missing_id_is_refused(client: Client) -> None:
    _refused(client.push("emrPatientInfo", sample("emrPatientInfo", id=None)), "REQUIRED", "[id]")
    _refused(client.push("baseDept", sample("baseDept", id="  ")), "REQUIRED", "[id]")
    assert client.push("emrPatientInfo", {**sample("emrPatientInfo"), "id": None})["id"] is None


def test_missing_patient_and_parent_ids_are_refused(client: Client, patient: str) -> None:
    _refused(client.push("emrExLab", sample("emrExLab", patientId=None)), "REQUIRED", "[patientId]")
    _refused(client.push("emrExLabItem", sample("emrExLabItem", exLabId=None)), "REQUIRED", "[exLabId]")


def test_non_string_values_are_refused(client: Client) -> None:
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", genderCode=1))
    _refused(reply, "TYPE", "[genderCode]", "应为字符串", "数字")
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", id=123))
    _refused(reply, "TYPE", "[id]")
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", tel=["1", "2"]))
    _refused(reply, "TYPE", "[tel]", "数组")


def test_every_problem_is_listed_in_desc_and_the_first_in_error_name(client: Client) -> None:
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", bogus="1", genderCode="7", tel="1" * 71))
    _refused(reply, "UNKNOWN_FIELD", "[bogus]")
    assert "[genderCode]" in reply["desc"] and "[tel]" in reply["desc"] and "[bogus]" in reply["desc"]
    assert reply["id"] == "P001"


def test_body_must_be_one_json_object(client: Client) -> None:
    r = client.session.post(client.url("emrPatientInfo"), data=b"{not json", timeout=5,
                            headers={"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 200
    _refused(r.json(), "INVALID_JSON", "JSON")
    _refused(client.push("emrPatientInfo", [sample("emrPatientInfo")]), "INVALID_JSON", "JSON对象")
    assert client.counts("emrPatientInfo")["live"] == 0


def test_content_type_must_be_json(client: Client) -> None:
    import json

    r = client.session.post(client.url("emrPatientInfo"), data=json.dumps(sample("emrPatientInfo")), timeout=5,
                            headers={"Content-Type": "text/plain"})  # fmt: skip
    assert r.status_code == 200
    _refused(r.json(), "CONTENT_TYPE", "application/json")


def test_validation_failure_is_never_a_422(client: Client) -> None:
    r = client.post("emrExLabItem", {"id": None, "exLabId": 5, "examinationQuantificationRi": True})
    assert r.status_code == 200
    assert r.json()["result"] is False


def test_unknown_entity_is_404_in_the_reply_shape(client: Client) -> None:
    r = client.post("emr_patient_info", sample("emrPatientInfo"))
    assert r.status_code == 404
    body = r.json()
    assert body["result"] is False and body["errorCode"] == "UNKNOWN_ENTITY"
    assert "[emrPatientInfo]" in body["errorName"]  # the snake_case path gets a hint
    r = client.delete("emrNothing", {"id": "1"})
    assert r.status_code == 404 and r.json()["errorCode"] == "UNKNOWN_ENTITY"


def test_quality_fields_are_required_only_when_asked() -> None:
    record = sample("emrPatientInfo", patientName=None, idCard=None)
    with SimServer(SimState()) as lenient:
        assert Client(lenient.url).push("emrPatientInfo", record)["result"] is True
    with SimServer(SimState(require_quality_fields=True)) as strict:
        reply = Client(strict.url).push("emrPatientInfo", record)
        _refused(reply, "REQUIRED", "[patientName]")
        assert "[idCard]" in reply["desc"]


def test_get_on_the_receive_path_is_not_allowed(sim: SimServer) -> None:
    assert requests.get(sim.receive_url("emrPatientInfo"), timeout=5).status_code == 405


def test_empty_string_in_a_coded_column_is_refused_but_null_is_fine(client: Client) -> None:
    reply = client.push("emrPatientInfo", sample("emrPatientInfo", genderCode=""))
    _refused(reply, "CODE_VALUE", "[genderCode]", "null")
    body = {**sample("emrPatientInfo"), "genderCode": None, "genderName": None}
    assert client.push("emrPatientInfo", body)["result"] is True
