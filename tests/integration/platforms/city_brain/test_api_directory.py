# ruff: noqa: F811 - the rig's fixtures are imported from api_support and taken by name
"""The three directory endpoints on the PostgreSQL demo HIS, through the app: pages in a stable order with their
total, filters, the patient's file by id or by ID number, and what is never answered (staff ID numbers, phones)."""

from __future__ import annotations

import re

import pytest

from tests.integration.platforms.city_brain.api_support import (  # noqa: F401 - fixtures by name
    DEPTS,
    ID_CARD,
    NAME,
    PASSPORT,
    PHONE,
    STAFF_ID_CARD,
    STAFF_PHONE,
    Rig,
    anyio_backend,
    his_db,
    ledger,
    rig,
)

pytestmark = pytest.mark.anyio


def _ok(answer) -> dict:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["code"] == "0" and body["message"] == "成功", body
    assert body["requestId"] == answer.headers["x-request-id"]
    return body["data"]


async def test_departments_page_through_every_department_in_code_order(rig: Rig) -> None:
    pages = []
    for page_no in (1, 2, 3, 4):
        rig.counter.reset()
        data = _ok(await rig.call("departments", {"pageNo": page_no, "pageSize": 2}))
        assert (data["total"], data["pageNo"], data["pageSize"]) == (len(DEPTS), page_no, 2)
        pages.append([d["deptCode"] for d in data["list"]])
        assert rig.counter.count == (1 if page_no < 4 else 2)  # the page with its total; past the end, + the count
    assert pages == [["0101", "0102"], ["0201", "0301"], ["0401"], []]


async def test_a_department_as_answered(rig: Rig) -> None:
    data = _ok(await rig.call("departments", {"campus": "jiulonghu"}))
    assert (data["total"], data["pageNo"], data["pageSize"]) == (1, 1, 50)
    assert data["list"] == [{"deptCode": "0301", "deptName": "九龙湖内科门诊", "deptType": "outpatient",
                             "campus": "jiulonghu", "area": "一楼", "floor": "1", "status": "1",
                             "updatedAt": "2026-11-01 08:00:00"}]
    stopped = _ok(await rig.call("departments", {"pageNo": 3, "pageSize": 2}))["list"]
    assert [(d["deptCode"], d["status"]) for d in stopped] == [("0401", "0")]


async def test_staff_by_department_and_role_without_id_numbers_or_phones(rig: Rig) -> None:
    rig.counter.reset()
    answer = await rig.call("staff", {"deptCode": "0101", "role": "doctor", "pageSize": 10})
    data = _ok(answer)
    assert data["total"] == 2
    assert [(s["staffCode"], s["staffName"], s["deptName"], s["status"]) for s in data["list"]] == [
        ("D001", "刘医生", "心血管内科门诊", "1"), ("D003", "周医生", "心血管内科门诊", "0")]
    assert set(data["list"][0]) == {"staffCode", "staffName", "gender", "role", "title", "deptCode", "deptName",
                                    "specialty", "status", "updatedAt"}
    assert STAFF_ID_CARD not in answer.text and STAFF_PHONE not in answer.text
    read = [re.sub(r"--[^\n]*", "", s) for s in rig.counter.statements]  # what was read, not what the comments say
    assert rig.counter.count == 1 and not any("id_card_no" in s or "phone" in s for s in read)
    everyone = _ok(await rig.call("staff", {"pageNo": 2, "pageSize": 3}))
    assert everyone["total"] == 5 and [s["staffCode"] for s in everyone["list"]] == ["N001", "P001"]


async def test_a_patients_file_by_patient_id(rig: Rig) -> None:
    data = _ok(await rig.call("patientProfile", {"patientId": "P0001"}))
    assert data == {"patientId": "P0001", "patientName": NAME, "gender": "1", "birthDate": "1990-01-01",
                    "idCardType": "01", "idCardNo": ID_CARD, "phone": PHONE, "address": "南昌市东湖区八一大道1号",
                    "insuranceArea": "360102", "healthCardNo": "HC0001", "createdAt": "2026-11-01 08:00:00"}


@pytest.mark.parametrize(("biz", "patient", "id_type"), [
    ({"idCardType": "01", "idCardNo": ID_CARD}, "P0004", "01"),  # registered twice: the newest file
    ({"idCardType": "03", "idCardNo": PASSPORT}, "P0002", "03"),
    ({"idCardType": "01", "idCardNo": "360102197001010055"}, "P0003", "01"),  # no patient_extra, 18 characters
])
async def test_a_patients_file_by_id_number(rig: Rig, biz: dict, patient: str, id_type: str) -> None:
    data = _ok(await rig.call("patientProfile", biz))
    assert (data["patientId"], data["idCardType"]) == (patient, id_type)


async def test_no_such_patient_is_2004(rig: Rig) -> None:
    for biz in ({"patientId": "P9999"}, {"idCardType": "03", "idCardNo": ID_CARD}):  # wrong type for the number
        answer = await rig.call("patientProfile", biz)
        assert answer.status_code == 200
        assert (answer.json()["code"], answer.json()["data"]) == ("2004", None)
        assert answer.json()["message"] == "未找到：个人档案查询没有符合条件的记录"


@pytest.mark.parametrize(("biz", "words"), [
    ({}, "须填写 patientId，或 idCardType 与 idCardNo"),
    ({"idCardNo": ID_CARD}, "idCardType 与 idCardNo 须同时填写"),
    ({"patientId": "P0001", "idCardType": "SFZ", "idCardNo": ID_CARD}, "idCardType 格式不符"),
])
async def test_wrong_parameters_read_nothing_from_the_his(rig: Rig, biz: dict, words: str) -> None:
    rig.counter.reset()
    answer = (await rig.call("patientProfile", biz)).json()
    assert answer["code"] == "2001" and words in answer["message"]
    assert ID_CARD not in answer["message"]  # the value is never quoted back
    assert rig.counter.count == 0


async def test_a_page_larger_than_the_site_allows_is_refused(rig: Rig) -> None:
    answer = (await rig.call("departments", {"pageSize": 201})).json()
    assert answer["code"] == "2001" and "pageSize 不能大于 200" in answer["message"]
