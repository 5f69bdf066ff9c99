"""The simulator's own tables of the hospital's answers: they agree with the published spec
(``docs/city_brain_api.md``, read as text — never through hisbridge), and :func:`responses.check` accepts a good
answer and names every kind of fault in a bad one."""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from simulators.city_brain import responses
from simulators.city_brain.journey import WALK_ORDER, windows

DOCS = (Path(__file__).resolve().parents[3] / "docs" / "city_brain_api.md").read_text(encoding="utf-8")
#: GB/T 2261.1 also has 0 未知 and 9 未说明; the docs name the standard and list only its two common codes
STANDARD_CODES = {"gender": {"0", "9"}}


# ------------------------------------------------------------------------------------------------ the docs, parsed


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _overview() -> list[list[str]]:
    section = DOCS.split("## 接口一览", 1)[1].split("\n## ", 1)[0]
    return [_cells(line) for line in section.splitlines() if line.startswith("| `")]


def _sections() -> dict[str, str]:
    body = DOCS.split("## 各接口的参数与答复", 1)[1].split("<!-- city-brain-endpoints:end -->")[0]
    return {s.split(" — ", 1)[0].strip(): s for s in re.split(r"^### ", body, flags=re.M)[1:]}


def _tables(section: str) -> dict[str, list[list[str]]]:
    """``"request"``, ``"answer"`` and each nested field's table (by its camelCase name) of one endpoint."""
    parts = re.split(r"\n(请求 `bizContent`：|答复 `data\.list` 的每一项：|答复 `data`：|`\w+` 的每一项[^\n]*|`\w+`(?:、`\w+`)*：)\n",
                     section)  # fmt: skip
    found = {}
    for label, block in zip(parts[1::2], parts[2::2], strict=True):
        if label.startswith("请求"):
            name = "request"
        elif label.startswith("答复"):
            name = "answer"
        else:  # a nested field's table; one heading may name several fields of the same table (`his`、`ledger`)
            name = label.split("`")[1]
        rows = [_cells(line) for line in block.splitlines() if line.startswith("| `")]
        for also in re.findall(r"`(\w+)`", label.split("：")[0].split(" 的每一项")[0]):
            found[also] = rows
        found[name] = rows
    return found


SECTIONS = _sections()


def _kind_fits(f: responses.Field, doc_type: str, doc_text: str, section: str) -> str | None:
    """Why the docs' type of a field does not fit ours (``None`` when it does)."""
    if doc_type.startswith("代码："):
        values = set(re.findall(r"`([^`]+)`", doc_type))
        return None if f.kind == "code" and set(f.codes or ()) == values else f"code {sorted(values)}"
    expected = {"金额": "money", "日期": "date", "时间": "dt", "整数": "int", "数值": "number", "列表": "list"}
    for prefix, kind in expected.items():
        if doc_type.startswith(prefix):
            return None if f.kind == kind else kind
    if doc_type.startswith("`"):
        return None if f.kind == "object" else "object"
    pattern = re.search(r"格式 `([^`]+)`", doc_type)
    if pattern:
        return None if f.kind == "text" and f.pattern == pattern.group(1) else f"pattern {pattern.group(1)}"
    if f.kind == "text" or (f.kind == "dt" and "yyyy-MM-dd HH:mm:ss" in doc_text):
        return None
    # a 文本 the docs describe as a closed set: every one of our codes is written in the docs' section
    extra = set(f.codes or ()) - STANDARD_CODES.get(f.name, set())
    if f.kind == "code" and all(re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", section) for v in extra):
        return None
    return "text"


def _compare(table: responses.Table, rows: list[list[str]], section: str, tables: dict[str, Any]) -> list[str]:
    ours = [(f.name, f.required) for f in table.fields]
    theirs = [(r[0].strip("`"), r[3] == "是") for r in rows]
    if ours != theirs:
        return [f"{table.name}: fields/required differ: ours {ours} docs {theirs}"]
    found = []
    for f, row in zip(table.fields, rows, strict=True):
        why = _kind_fits(f, row[1], row[2], section)
        if why:
            found.append(f"{table.name}.{f.name}: ours {f.kind}, docs say {why}")
        if f.pii != (row[4] == "是"):
            found.append(f"{table.name}.{f.name}: 个人信息 differs")
        if f.table is not None and f.name in tables:
            found += _compare(f.table, tables[f.name], section, tables)
    return found


# ------------------------------------------------------------------------------------------------ agreement


def test_the_tables_hold_exactly_the_docs_endpoints_in_their_order() -> None:
    listed = _overview()
    assert [r[0].strip("`") for r in listed] == list(responses.ENDPOINTS)
    assert len(responses.ENDPOINTS) == 27 and set(WALK_ORDER) == set(responses.ENDPOINTS)
    for path, title, _area, answer, params, *_ in listed:
        endpoint = responses.ENDPOINTS[path.strip("`")]
        assert endpoint.title == title
        assert endpoint.many == (answer == "分页列表"), path
        assert list(endpoint.param_names) == re.findall(r"`(\w+)`", params), path


@pytest.mark.parametrize("endpoint", list(responses.ENDPOINTS.values()), ids=lambda e: e.path)
def test_each_endpoints_fields_are_the_docs(endpoint: responses.Endpoint) -> None:
    section = SECTIONS[endpoint.path]
    tables = _tables(section)
    problems = _compare(endpoint.answer, tables["answer"], section, tables)
    request = tables.get("request", [])
    assert [(p.name, p.required) for p in endpoint.params] == [(r[0].strip("`"), r[3] == "是") for r in request]
    for p, row in zip(endpoint.params, request, strict=True):
        length = re.search(r"≤(\d+)", row[1]) if row[1].startswith("文本") else None
        assert p.max_length == (int(length.group(1)) if length else None), p.name
    assert problems == []
    assert endpoint.personal == any(f.pii for f in endpoint.answer.fields)


@pytest.mark.parametrize("endpoint", list(responses.ENDPOINTS.values()), ids=lambda e: e.path)
def test_every_field_has_a_chinese_name_and_a_list_has_its_sort_and_range_fields(endpoint: responses.Endpoint) -> None:
    for f in endpoint.answer.fields + endpoint.params:
        assert re.search(r"[\u4e00-\u9fff]", f.cn), f.name
    for name in (endpoint.order, endpoint.range_field, endpoint.answer.key):
        assert name is None or endpoint.answer.field(name).kind in ("text", "int", "code", "date", "dt"), name
    if "startDate" in endpoint.param_names:
        assert endpoint.range_field is not None
    assert endpoint.many or endpoint.order is None


# ------------------------------------------------------------------------------------------------ good answers

REGISTRATION = {
    "regId": "MZ001", "patientId": "P0001", "visitType": "1", "regType": "2", "deptCode": "1020",
    "deptName": "呼吸与危重症医学科门诊", "doctorCode": "10008", "doctorName": "王医生", "doctorTitle": "主任医师",
    "roomCode": "102001", "roomName": "1诊室", "roomLocation": "门诊楼三楼B区301室", "visitDate": "2026-11-24",
    "timeSlot": "1", "queueNo": 3, "regTime": "2026-11-24 07:12:00", "appointmentFlag": "1", "bookChannel": "wechat",
    "checkinTime": "2026-11-24 08:21:00", "visitStatus": "2", "regStatus": "1", "cancelTime": None, "payType": "2",
}  # fmt: skip
LINE = {
    "lineNo": 1, "itemKind": "drug", "itemCode": "YP000098", "itemName": "连花清瘟胶囊", "spec": "0.35g*24粒",
    "unit": "盒", "feeCat": "11", "feeCatName": "中成药费", "qty": "1", "unitPrice": "14.80", "amount": "14.80",
    "execDeptCode": "3010", "execDeptName": "门诊西药房", "sourceNo": "CF001", "lineStatus": "1", "refundNo": None,
}  # fmt: skip
BILL = {
    "billNo": "SF001", "patientId": "P0001", "regId": "MZ001", "visitType": "1", "deptCode": "1020",
    "deptName": "呼吸与危重症医学科门诊", "doctorCode": "10008", "doctorName": "王医生", "paidAt": "2026-11-24 10:35:00",
    "totalAmount": "34.80", "insuranceAmount": "0.00", "selfAmount": "34.80", "refundedAmount": "14.80",
    "payChannel": "card", "payChannelName": "银行卡", "payType": "2", "setlId": None, "invoiceCode": "36012602",
    "invoiceNo": "0003000087", "billStatus": "2", "itemCount": 2,
    "lines": [{**LINE, "lineNo": 1, "itemKind": "item", "itemCode": "XM0001", "itemName": "诊察费", "feeCat": "02",
               "unitPrice": "20.00", "amount": "20.00"},
              {**LINE, "lineNo": 2, "lineStatus": "2", "refundNo": "TF001"}],
}  # fmt: skip
PROFILE = {
    "patientId": "P0001", "patientName": "张三", "gender": "2", "birthDate": "1949-12-31", "idCardType": "01",
    "idCardNo": "11010519491231002X", "phone": "13912345678", "address": "南昌市东湖区八一大道1号",
    "insuranceArea": None, "healthCardNo": None, "createdAt": "2025-10-08 10:05:00",
}  # fmt: skip
HEALTH = {"status": "UP", "his": {"status": "UP", "latencyMs": 17.4}, "ledger": {"status": "UP", "latencyMs": 2},
          "pushes": {"unsent": 0, "oldestAgeSeconds": None, "oldestAt": None}, "checkedAt": "2026-11-24 10:07:10"}
RANGE = {"patientId": "P0001", "startDate": "2026-11-20", "endDate": "2026-11-24"}


def page(*rows: dict[str, Any], total: int | None = None, page_no: int = 1, page_size: int = 50) -> dict[str, Any]:
    return {"total": len(rows) if total is None else total, "pageNo": page_no, "pageSize": page_size,
            "list": [copy.deepcopy(r) for r in rows]}  # fmt: skip


def test_good_answers_have_no_problems() -> None:
    second = {**REGISTRATION, "regId": "MZ002", "regTime": "2026-11-24 09:00:00", "regStatus": "2",
              "cancelTime": "2026-11-24 09:30:00"}  # fmt: skip
    assert responses.check("registrations", page(REGISTRATION, second), RANGE) == []
    assert responses.check("registrations", page(REGISTRATION, total=3, page_size=1), {"pageSize": 1}) == []
    assert responses.check("registrations", page(total=3, page_no=4, page_size=1), {"pageNo": 4, "pageSize": 1}) == []
    assert responses.check("outpatientPaymentDetail", copy.deepcopy(BILL)) == []
    assert responses.check("patientProfile", dict(PROFILE)) == []
    assert responses.check("health", copy.deepcopy(HEALTH)) == []
    down = {**HEALTH, "status": "DOWN", "his": {"status": "DOWN", "latencyMs": None}}
    assert responses.check("health", down) == []


def _minimal(table: responses.Table) -> dict[str, Any]:
    sample = {"int": 1, "number": 1.5, "money": "0.00", "date": "2026-11-24",
              "dt": "2026-11-24 08:00:00"}  # fmt: skip
    sample["text"] = "1"  # also a quantity's pattern
    return {f.name: next(iter(f.codes)) if f.codes else (_minimal(f.table) if f.kind == "object" else sample[f.kind])
            for f in table.fields if f.required}  # fmt: skip


#: what a row of only its required fields needs beyond them to satisfy its rules
MINIMAL_EXTRA = {"scheduleStops": {"sessionEnd": "2026-11-24 12:00:00"}, "visitRegistrations": {"regId": "1"},
                 "queueInfo": {"waitingCount": 0}, "inpatientInvoices": {"voidTime": "2026-11-24 09:00:00"}}


@pytest.mark.parametrize("endpoint", list(responses.ENDPOINTS.values()), ids=lambda e: e.path)
def test_a_row_of_its_required_fields_alone_passes(endpoint: responses.Endpoint) -> None:
    row = {**_minimal(endpoint.answer), **MINIMAL_EXTRA.get(endpoint.path, {})}
    data = page(row) if endpoint.many else row
    assert responses.check(endpoint.path, data) == []
    if endpoint.many:
        assert responses.check(endpoint.path, page()) == []


# ------------------------------------------------------------------------------------------------ faults


def _one(endpoint: str, data: Any, params: dict[str, Any] | None = None) -> str:
    problems = responses.check(endpoint, data, params)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize(("change", "words"), [
    ({"visitType": "4"}, ["字段[list[1].visitType](就诊类型)代码值[4]不在值域", "1 门诊、2 急诊"]),
    ({"regId": None}, ["必填字段[list[1].regId](挂号ID)为空"]),
    ({"regId": "  "}, ["必填字段[list[1].regId](挂号ID)为空"]),
    ({"deptName": ""}, ["字段[list[1].deptName](挂号科室名称)为空文本"]),
    ({"queueNo": "3"}, ["字段[list[1].queueNo](就诊序号)应为非负整数", "str"]),
    ({"queueNo": True}, ["应为非负整数"]),
    ({"queueNo": -1}, ["应为非负整数"]),
    ({"visitDate": "2026/11/24"}, ["字段[list[1].visitDate](就诊日期)[2026/11/24]不是有效日期"]),
    ({"visitDate": "2026-02-30"}, ["不是有效日期"]),
    ({"regTime": "2026-11-24T07:12:00"}, ["字段[list[1].regTime](挂号时间)", "不是有效时间"]),
    ({"regTime": "2026-11-24 25:00:00"}, ["不是有效时间"]),
    ({"regTime": 1764000000000}, ["应为文本，实际int"]),
    ({"deptCode": 1020}, ["字段[list[1].deptCode](挂号科室代码)应为文本"]),
    ({"doctorname": "王医生"}, ["未知字段[list[1].doctorname]: 大小写不符，应为[doctorName]"]),
    ({"extra": "1"}, ["未知字段[list[1].extra](挂号无此字段)"]),
    ({"patientName": "张三"}, ["字段[list[1].patientName]为病人身份信息"]),
    ({"roomLocation": "身份证11010519491231002X"}, ["字段[list[1].roomLocation](诊室位置)含疑似居民身份证号"]),
    ({"regStatus": "2"}, ["字段[regStatus]为2时字段[cancelTime]不应为空"]),
    ({"cancelTime": "2026-11-24 09:00:00"}, ["字段[regStatus]为1时字段[cancelTime]应为空"]),
])  # fmt: skip
def test_each_fault_of_a_row_is_named_with_its_field_and_row(change: dict[str, Any], words: list[str]) -> None:
    row = REGISTRATION | change
    problem = _one("registrations", page(REGISTRATION | {"regId": "MZ000", "regTime": "2026-11-24 07:00:00"}, row))
    assert problem.startswith("list[1](regId=MZ001): " if row["regId"] == "MZ001" else "list[1]")
    for word in words:
        assert word in problem, problem
    assert "11010519491231002X" not in problem


def test_a_missing_required_field_is_told_from_a_null_one() -> None:
    row = {k: v for k, v in REGISTRATION.items() if k != "payType"}
    assert "必填字段[list[0].payType](先诊疗后付费类型)缺失" in _one("registrations", page(row))


@pytest.mark.parametrize(("amount", "word"), [
    (14.8, "应为文本，实际float(金额应为两位小数的文本"), ("14.8", "格式错误"), ("14.800", "格式错误"),
    ("-14.80", "格式错误"), ("1,414.80", "格式错误"),
])  # fmt: skip
def test_money_is_text_with_two_decimals_never_negative(amount: Any, word: str) -> None:
    bill = copy.deepcopy(BILL)
    bill["lines"][1]["unitPrice"] = amount
    problem = _one("outpatientPaymentDetail", bill)
    assert problem.startswith("data: lines[1](lineNo=2): 字段[lines[1].unitPrice](单价)") and word in problem


def test_nested_rows_and_their_patterns_are_checked() -> None:
    bill = copy.deepcopy(BILL)
    bill["lines"][0]["qty"] = "1盒"
    bill["lines"][1]["feeCat"] = "15"
    bill["lines"][1]["lineStatus"] = "1"  # still carrying its refundNo
    problems = responses.check("outpatientPaymentDetail", bill)
    assert problems[0] == "data: lines[0](lineNo=1): 字段[lines[0].qty](数量)[1盒]不符合格式^-?\\d+(\\.\\d+)?$"
    assert problems[1].startswith("data: lines[1](lineNo=2): 字段[lines[1].feeCat](医疗收费项目类别)代码值[15]不在值域")
    assert len(problems) == 2  # a row's rules run only once its fields pass
    del bill["lines"][1]["feeCat"]
    bill["lines"] = "none"
    assert _one("outpatientPaymentDetail", bill) == "data: 字段[lines](收费明细)应为数组，实际str"


@pytest.mark.parametrize(("change", "word"), [
    ({"itemCount": 3}, "字段[itemCount]为3，但lines有2条"),
    ({"totalAmount": "40.00", "selfAmount": "40.00"}, "lines金额之和[34.80]不等于totalAmount[40.00]"),
    ({"billStatus": "1"}, "字段[billStatus]为1，但refundedAmount[14.80]与totalAmount[34.80]不符"),
    ({"billStatus": "3"}, "字段[billStatus]为3"),
])  # fmt: skip
def test_a_bills_rules_catch_what_does_not_add_up(change: dict[str, Any], word: str) -> None:
    assert word in _one("outpatientPaymentDetail", copy.deepcopy(BILL) | change)


def test_a_refunds_lines_must_be_its_own() -> None:
    refund = {"refundNo": "TF001", "billNo": "SF001", "patientId": "P0001", "regId": "MZ001", "visitType": "1",
              "refundTime": "2026-11-24 10:52:00", "refundAmount": "14.80", "insuranceAmount": "0.00",
              "selfAmount": "14.80", "refundChannel": "card", "paidAt": "2026-11-24 10:35:00", "payType": "2",
              "lines": [{**LINE, "lineStatus": "2", "refundNo": "TF001"}]}  # fmt: skip
    assert responses.check("refunds", page(refund), RANGE) == []
    refund["lines"][0]["refundNo"] = "TF002"
    assert "本次退费的明细应为lineStatus 2且refundNo为[TF001]" in _one("refunds", page(refund), RANGE)


def test_visit_ids_must_agree_with_the_visit_type() -> None:
    visit = {"visitId": "ZY001", "visitType": "4", "patientId": "P0001", "admId": "ZY001",
             "visitTime": "2026-11-24 08:00:00", "deptCode": "4020", "insuredFlag": "1", "payType": "0",
             "visitStatus": "1"}  # fmt: skip
    assert responses.check("visitRegistrations", page(visit)) == []
    assert "字段[visitId][ZY001]应等于admId[ZY002]" in _one("visitRegistrations", page(visit | {"admId": "ZY002"}))
    assert "visitType 4的就诊登记字段[admId]不应为空" in _one("visitRegistrations", page(visit | {"admId": None}))


def test_a_personal_answer_never_quotes_a_personal_value() -> None:
    assert responses.check("patientProfile", PROFILE | {"phone": 13912345678}) == [
        "data: 字段[phone](联系电话)应为文本，实际int"]
    problem = _one("patientProfile", PROFILE | {"birthDate": "19491231"})
    assert "[19491231]" in problem  # not personal in the docs: quoted
    # patientProfile is the one answer allowed to carry the ID number
    assert responses.check("patientProfile", PROFILE | {"address": "11010519491231002X号"}) == []


@pytest.mark.parametrize(("data", "params", "word"), [
    ([REGISTRATION], None, "data应为分页对象{total,pageNo,pageSize,list}，实际list"),
    ({"total": 0, "pageNo": 1, "pageSize": 50, "list": [], "rows": []}, None, "data的字段应为"),
    ({"total": "1", "pageNo": 1, "pageSize": 50, "list": []}, None, "data.total应为非负整数"),
    ({"total": 1, "pageNo": 0, "pageSize": 50, "list": []}, None, "data.pageNo应为正整数"),
    ({"total": 1, "pageNo": 1, "pageSize": 50, "list": {}}, None, "data.list应为数组"),
    (page(REGISTRATION, total=2), None, "第1页(每页50条，共2条)应有2条，实际1条"),
    (page(REGISTRATION, total=0), None, "第1页(每页50条，共0条)应有0条，实际1条"),
    (page(REGISTRATION, page_no=2, total=51), {"pageNo": 1}, "data.pageNo为2，请求的是1"),
    (page(REGISTRATION, page_size=20, total=1), {"pageSize": 10}, "data.pageSize为20，请求的是10"),
    (page(REGISTRATION, page_size=50, total=1), {"pageSize": 10}, "data.pageSize为50，请求的是10"),
    (page(REGISTRATION, page_size=500, total=1), {"pageSize": 500}, "超过上限200"),
    (page(REGISTRATION), {**RANGE, "startDate": "2026-11-25", "endDate": "2026-11-30"},
     "字段[regTime][2026-11-24 07:12:00]不在请求的日期范围2026-11-25至2026-11-30内"),
    (page(REGISTRATION | {"regId": "R2", "regTime": "2026-11-24 09:00:00"}, REGISTRATION), None,
     "list[1]: 字段[regTime][2026-11-24 07:12:00]早于上一条[2026-11-24 09:00:00]，未按regTime排序"),
])  # fmt: skip
def test_a_list_envelope_must_be_whole_and_consistent(data: Any, params: dict[str, Any] | None, word: str) -> None:
    assert word in _one("registrations", data, params)


def test_every_list_of_the_docs_can_be_paged() -> None:
    assert [e.path for e in responses.ENDPOINTS.values() if e.many and not e.paged] == []


def test_a_list_without_paging_parameters_must_come_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # no endpoint of the docs is such a list any more (the walk found three): one is made here
    unpaged = dataclasses.replace(responses.ENDPOINTS["allergies"],
                                  params=tuple(p for p in responses.ENDPOINTS["allergies"].params
                                               if p.name not in ("pageNo", "pageSize")))
    monkeypatch.setitem(responses.ENDPOINTS, "allergies", unpaged)
    allergy = {"allergyId": "GM001", "patientId": "P0001", "allergenType": "1", "allergenTypeName": "药物",
               "allergenName": "青霉素", "recordedAt": "2026-11-24 08:48:00", "allergyStatus": "1"}  # fmt: skip
    assert responses.check("allergies", page(allergy)) == []
    cut = page(*[allergy | {"allergyId": f"GM{i:03}"} for i in range(50)], total=51)
    assert _one("allergies", cut) == "共51条但该接口没有翻页参数，只能取得50条"


def test_one_days_fees_must_be_of_that_day() -> None:
    fee = {"feeId": "F1", "admId": "ZY001", "patientId": "P0001", "feeTime": "2026-11-23 08:00:00", "itemKind": "item",
           "itemCode": "XM1", "itemName": "床位费", "feeCat": "01", "qty": "1", "unitPrice": "50.00", "amount": "50.00",
           "feeStatus": "1", "settledFlag": "0"}  # fmt: skip
    assert responses.check("inpatientFees", page(fee), {"admId": "ZY001", "feeDate": "2026-11-23"}) == []
    assert "不在请求的日期范围2026-11-24至2026-11-24内" in _one("inpatientFees", page(fee), {"feeDate": "2026-11-24"})


def test_an_object_answer_must_be_an_object() -> None:
    assert responses.check("queueInfo", None) == ["data为null: 成功的答复应带对象"]
    assert responses.check("queueInfo", [REGISTRATION]) == ["data应为JSON对象，实际list"]
    assert "字段[status]为UP，与his、ledger的状态不符" in _one("health", HEALTH | {"his": {"status": "DOWN"}})
    problem = _one("health", HEALTH | {"pushes": {"unsent": 0, "oldestAt": "2026-11-24"}})
    assert problem.startswith("data: pushes: 字段[pushes.oldestAt](最早一条未送达记录的产生时间)[2026-11-24]不是有效时间")
    with pytest.raises(KeyError, match="no endpoint 'nope'"):
        responses.check("nope", {})


def test_a_resident_id_is_told_by_its_check_digit() -> None:
    assert responses.resident_id_in("证件11010519491231002X")
    assert not responses.resident_id_in("11010519491231002Y") and not responses.resident_id_in("110105194912310021")
    assert not responses.resident_id_in("11010518881231002X")  # not a birth date of this or the last century
    assert not responses.resident_id_in("单号21101051949123100200")


def test_a_request_takes_only_the_endpoints_parameters() -> None:
    from datetime import date

    assert responses.request("registrations", patientId="P1", startDate=date(2026, 11, 1), endDate="2026-11-24",
                             pageNo=None) == {"patientId": "P1", "startDate": "2026-11-01", "endDate": "2026-11-24"}  # fmt: skip
    with pytest.raises(ValueError, match="takes no parameter regId"):
        responses.request("registrations", patientId="P1", startDate="2026-11-01", endDate="2026-11-24", regId="R")
    with pytest.raises(ValueError, match="needs startDate, endDate"):
        responses.request("registrations", patientId="P1")
    assert responses.request("health") == {}


def test_a_long_range_is_walked_in_windows_of_the_longest_allowed() -> None:
    from datetime import date

    spans = list(windows(date(2026, 10, 1), date(2026, 11, 24), 31))
    assert spans == [(date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 11, 24))]
    assert list(windows(date(2026, 11, 24), date(2026, 11, 24), 31)) == [(date(2026, 11, 24), date(2026, 11, 24))]
    with pytest.raises(ValueError):
        list(windows(date(2026, 11, 24), date(2026, 11, 1), 31))
