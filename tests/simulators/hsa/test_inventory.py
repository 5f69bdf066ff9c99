"""进销存 3501–3507 and the batch A variants (hsa.md §4.8): field checks, refusals, state, 3507 deletes."""

from __future__ import annotations

import pytest

from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.simulators.hsa._support import (
    BCHNO,
    MED,
    Client,
    chg_row,
    inv_row,
    purc_ret_row,
    purc_row,
    ret_row,
    sel_row,
    trace_code,
)

OK = {"retRslt": "1", "msgRslt": "成功"}


def _stock(c: Client, bchno: str = BCHNO, med: str = MED) -> str | None:
    for item in c.admin("inventory"):
        if item["fixmedins_bchno"] == bchno and item["med_list_codg"] == med:
            return item["qty"]
    return None


def _records(c: Client, dtype: str | None = None) -> list[dict]:
    return c.admin("records" + (f"?inv_data_type={dtype}" if dtype else ""))


# ---------------------------------------------------------------------------------------------- single


@pytest.mark.parametrize(
    ("infno", "node", "row", "dtype"),
    [
        ("3501", "invinfo", inv_row, "1"),
        ("3502", "invinfo", chg_row, "2"),
        ("3503", "purcinfo", purc_row, "3"),
        ("3504", "purcinfo", purc_ret_row, "3"),
        ("3505", "selinfo", sel_row, "4"),
    ],
)
def test_single_upload_succeeds_and_is_stored_with_its_msgid(client: Client, infno, node, row, dtype) -> None:
    env = client.envelope(infno, {node: row()})
    ans = client.post(env).json()
    assert ans["infcode"] == 0, ans
    assert ans["output"] == {"result": OK}
    [record] = _records(client, dtype)
    assert record["msgid"] == env["msgid"]
    assert record["infno"] == infno
    assert record["fixmedins_bchno"] == BCHNO


def test_single_return_of_a_sold_code_succeeds(client: Client) -> None:
    code = trace_code()
    assert client.call("3505", {"selinfo": sel_row(code)})["output"]["result"] == OK
    assert client.call("3506", {"selinfo": ret_row(code)})["output"]["result"] == OK
    assert client.admin("state")["sold_codes"] == 0


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"med_list_codg": ""}, "[selinfo.med_list_codg]不能为空"),
        ({"med_list_codg": None}, "[selinfo.med_list_codg]不能为空"),
        ({"med_list_codg": "X" * 51}, "[selinfo.med_list_codg]长度超过50"),
        ({"fixmedins_hilist_name": "药" * 201}, "[selinfo.fixmedins_hilist_name]长度超过200"),
        ({"rx_flag": "9"}, "[selinfo.rx_flag]值[9]不在字典rx_flag范围内"),
        ({"rx_flag": 1}, "[selinfo.rx_flag]类型错误"),
        ({"psn_cert_type": "1"}, "[selinfo.psn_cert_type]值[1]"),
        ({"manu_date": "2025/01/01"}, "[selinfo.manu_date]日期格式错误"),
        ({"sel_retn_time": "2025-07-01"}, "[selinfo.sel_retn_time]日期时间格式错误"),
        ({"sel_retn_cnt": "abc"}, "[selinfo.sel_retn_cnt]类型错误，应为数值型"),
        ({"sel_retn_cnt": True}, "[selinfo.sel_retn_cnt]类型错误，应为数值型"),
        ({"sel_retn_cnt": "1.23456"}, "[selinfo.sel_retn_cnt]数值[1.23456]超出精度N16,4"),
        ({"sel_retn_cnt": 10**13}, "超出精度N16,4"),
        ({"rx_circ_flag": ""}, "[selinfo.rx_circ_flag]不能为空"),  # Y in the 2025 models
        ({"setl_id": ""}, "[selinfo.setl_id]不能为空"),  # mdtrt_setl_type = 1
        ({"drugtracinfo": {"drug_trac_codg": "1" * 20}}, "[selinfo.drugtracinfo]类型错误，应为数组"),
        ({"drugtracinfo": [{"drug_trac_codg": ""}]}, "[selinfo.drugtracinfo[0].drug_trac_codg]不能为空"),
        (
            {"drugtracinfo": [{"drug_trac_codg": "1" * 101}]},
            "[selinfo.drugtracinfo[0].drug_trac_codg]长度超过100",
        ),
        ({"drugtracinfo": ["11111111111111111111"]}, "[selinfo.drugtracinfo[0]]类型错误"),
    ],
)
def test_single_field_error_is_infcode_minus_1_naming_the_field(
    client: Client, over: dict, message: str
) -> None:
    ans = client.call("3505", {"selinfo": sel_row(**over)})
    assert ans["infcode"] == -1
    assert message in ans["err_msg"]
    assert ans["output"] is None
    assert client.admin("state")["records"]["4"] == 0


def test_numbers_may_be_strings_and_trailing_zeros_do_not_count(client: Client) -> None:
    row = sel_row(sel_retn_cnt="2.50000", finl_trns_pric="3.141593")
    assert client.call("3505", {"selinfo": row})["infcode"] == 0


def test_self_paid_sale_needs_no_setl_id(client: Client) -> None:
    assert client.call("3505", {"selinfo": sel_row(setl_id="", mdtrt_setl_type="2")})["infcode"] == 0


def test_2025_fields_can_be_made_optional() -> None:
    with SimServer(SimState(require_2025_fields=False)) as sim:
        c = Client(sim.url)
        c.sign_in()
        row = sel_row()
        del row["rx_circ_flag"], row["expy_end"]
        assert c.call("3505", {"selinfo": row})["infcode"] == 0


def test_wrong_node_is_infcode_minus_1(client: Client) -> None:
    ans = client.call("3505", {"selinfoDetail": [sel_row()]})
    assert ans["infcode"] == -1 and "[selinfo]不能为空" in ans["err_msg"]
    ans = client.call("3505", {"selinfo": [sel_row()]})
    assert "[selinfo]类型错误" in ans["err_msg"]


def test_unknown_row_fields_are_ignored(client: Client) -> None:
    assert client.call("3505", {"selinfo": sel_row(exp_content={"x": 1}, spec="0.25g")})["infcode"] == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (lambda: sel_row("1234567890123456789"), "药品追溯码[1234567890123456789]格式错误，应为20位数字"),
        (lambda: sel_row("1234567890123456789A"), "药品追溯码[1234567890123456789A]格式错误，应为20位数字"),
        (lambda: sel_row(med_list_codg="abc123"), "医疗目录编码[abc123]不存在"),
    ],
)
def test_single_row_refusal_is_retrslt_0_and_changes_nothing(client: Client, row, message: str) -> None:
    ans = client.call("3505", {"selinfo": row()})
    assert ans["infcode"] == 0
    assert ans["output"] == {"result": {"retRslt": "0", "msgRslt": message}}
    summary = client.admin("state")
    assert summary["records"]["4"] == 0 and summary["sold_codes"] == 0 and summary["inventory_size"] == 0


def test_code_sold_twice_is_refused(client: Client) -> None:
    code = trace_code()
    assert client.call("3505", {"selinfo": sel_row(code)})["output"]["result"] == OK
    ans = client.call("3505", {"selinfo": sel_row(code, rtal_docno="R0002")})
    assert ans["output"]["result"] == {"retRslt": "0", "msgRslt": f"药品追溯码[{code}]已销售"}
    assert len(_records(client, "4")) == 1


def test_a_row_is_refused_as_a_whole(client: Client) -> None:
    sold, fresh = trace_code(), trace_code()
    client.call("3505", {"selinfo": sel_row(sold)})
    ans = client.call("3505", {"selinfo": sel_row(fresh, sold)})
    assert ans["output"]["result"]["retRslt"] == "0"
    # the fresh code was not marked sold by the refused row
    assert client.call("3505", {"selinfo": sel_row(fresh)})["output"]["result"] == OK


def test_same_code_twice_in_one_row_is_refused(client: Client) -> None:
    code = trace_code()
    ans = client.call("3505", {"selinfo": sel_row(code, code)})
    assert ans["output"]["result"] == {"retRslt": "0", "msgRslt": f"药品追溯码[{code}]重复"}


def test_return_of_an_unsold_code_is_refused(client: Client) -> None:
    code = trace_code()
    ans = client.call("3506", {"selinfo": ret_row(code)})
    assert ans["output"]["result"] == {"retRslt": "0", "msgRslt": f"药品追溯码[{code}]无销售记录"}
    assert client.admin("state")["records"]["4"] == 0


def test_returned_code_can_be_sold_again_but_not_returned_twice(client: Client) -> None:
    code = trace_code()
    client.call("3505", {"selinfo": sel_row(code)})
    assert client.call("3506", {"selinfo": ret_row(code)})["output"]["result"] == OK
    assert client.call("3506", {"selinfo": ret_row(code)})["output"]["result"]["retRslt"] == "0"
    assert client.call("3505", {"selinfo": sel_row(code)})["output"]["result"] == OK


def test_known_catalogue_can_be_configured() -> None:
    with SimServer(SimState(known_med_list_codes={MED})) as sim:
        c = Client(sim.url)
        c.sign_in()
        assert c.call("3505", {"selinfo": sel_row()})["output"]["result"] == OK
        other = "XA01ABA123A001010100999"
        ans = c.call("3505", {"selinfo": sel_row(med_list_codg=other)})
        assert ans["output"]["result"]["msgRslt"] == f"医疗目录编码[{other}]不存在"


def test_inventory_follows_every_movement(client: Client) -> None:
    assert client.call("3501", {"invinfo": inv_row(inv_cnt=100)})["infcode"] == 0  # stock-take: 100
    client.call("3503", {"purcinfo": purc_row(purc_retn_cnt=50)})  # +50
    client.call("3504", {"purcinfo": purc_ret_row(purc_retn_cnt=5)})  # -5
    client.call("3502", {"invinfo": chg_row(inv_chg_type="101", cnt=10)})  # +10
    client.call("3502", {"invinfo": chg_row(inv_chg_type="105", cnt="2.5")})  # -2.5 (销毁)
    code = trace_code()
    client.call("3505", {"selinfo": sel_row(code, sel_retn_cnt=3)})  # -3
    client.call("3506", {"selinfo": ret_row(code, sel_retn_cnt=1)})  # +1
    assert float(_stock(client)) == 100 + 50 - 5 + 10 - 2.5 - 3 + 1
    client.call("3501", {"invinfo": inv_row(inv_cnt="42.00")})  # stock-take sets it again
    assert float(_stock(client)) == 42


# ---------------------------------------------------------------------------------------------- batch


def test_batch_with_one_bad_row_stores_the_good_ones(client: Client) -> None:
    good1, good2 = sel_row(), sel_row()
    bad_field = sel_row(phar_name="")
    bad_code = sel_row("123")
    rows = [good1, bad_field, good2, bad_code]
    env = client.envelope("3505A", {"selinfoDetail": rows})
    ans = client.post(env).json()
    assert ans["infcode"] == 0
    out = ans["output"]
    assert out["result"] == {"retRslt": "0", "msgRslt": "部分数据上传失败: 2条"}
    errs = out["selinfoErrDetail"]
    assert [e["errMsg"] for e in errs] == [
        "[selinfoDetail[1].phar_name]不能为空",
        "药品追溯码[123]格式错误，应为20位数字",
    ]
    assert {k: v for k, v in errs[0].items() if k != "errMsg"} == bad_field
    assert {k: v for k, v in errs[1].items() if k != "errMsg"} == bad_code
    records = _records(client, "4")
    assert len(records) == 2
    assert {r["msgid"] for r in records} == {env["msgid"]}
    assert {r["via"] for r in records} == {"3505A"}
    entry = client.admin("journal")[env["msgid"]]
    assert (entry["outcome"], entry["rows_ok"], entry["rows_failed"]) == ("partial", 2, 2)


@pytest.mark.parametrize(
    ("infno", "node", "row", "err_node"),
    [
        ("3501A", "invinfoDetail", inv_row, "invinfoErrDetail"),
        ("3502A", "invinfoDetail", chg_row, "invinfoErrDetail"),
        ("3503A", "purcinfoDetail", purc_row, "purcinfoErrDetail"),
        ("3504A", "purcinfoDetail", purc_ret_row, "purcinfoErrDetail"),
        ("3505A", "selinfoDetail", sel_row, "selinfoErrDetail"),
    ],
)
def test_clean_batch_succeeds_for_every_variant(client: Client, infno, node, row, err_node) -> None:
    ans = client.call(infno, {node: [row(), row()]})
    assert ans["infcode"] == 0, ans
    assert ans["output"] == {"result": OK, err_node: []}
    assert sum(client.admin("state")["records"].values()) == 2


def test_batch_return_variant(client: Client) -> None:
    a, b = trace_code(), trace_code()
    client.call("3505A", {"selinfoDetail": [sel_row(a), sel_row(b)]})
    ans = client.call("3506A", {"selinfoDetail": [ret_row(a), ret_row(trace_code())]})
    assert ans["output"]["result"]["msgRslt"] == "部分数据上传失败: 1条"
    assert "无销售记录" in ans["output"]["selinfoErrDetail"][0]["errMsg"]


def test_rows_of_one_batch_see_each_other(client: Client) -> None:
    code = trace_code()
    ans = client.call("3505A", {"selinfoDetail": [sel_row(code), sel_row(code)]})
    assert ans["output"]["selinfoErrDetail"][0]["errMsg"] == f"药品追溯码[{code}]已销售"
    assert len(_records(client, "4")) == 1


def test_batch_where_every_row_fails_is_still_infcode_0(client: Client) -> None:
    ans = client.call("3505A", {"selinfoDetail": [sel_row("1"), sel_row("2")]})
    assert ans["infcode"] == 0
    assert ans["output"]["result"] == {"retRslt": "0", "msgRslt": "部分数据上传失败: 2条"}


def test_batch_over_the_limit_is_refused_whole(client: Client) -> None:
    ans = client.call("3505A", {"selinfoDetail": [sel_row() for _ in range(1001)]})
    assert ans["infcode"] == -1
    assert "批量上传条数超过上限" in ans["err_msg"]
    assert client.admin("state")["records"]["4"] == 0


def test_batch_limit_is_configurable() -> None:
    with SimServer(SimState(max_batch_rows=2)) as sim:
        c = Client(sim.url)
        c.sign_in()
        assert c.call("3505A", {"selinfoDetail": [sel_row(), sel_row()]})["infcode"] == 0
        assert "批量上传条数超过上限" in c.call("3505A", {"selinfoDetail": [sel_row()] * 3})["err_msg"]


@pytest.mark.parametrize(
    ("inp", "message"),
    [
        ({}, "[selinfoDetail]不能为空"),
        ({"selinfoDetail": []}, "[selinfoDetail]不能为空"),
        ({"selinfoDetail": {"a": 1}}, "[selinfoDetail]类型错误，应为数组"),
        ({"selinfoDetail": ["x"]}, "[selinfoDetail[0]]类型错误"),
        ({"selinfo": {}}, "[selinfoDetail]不能为空"),
    ],
)
def test_batch_node_shape_errors_are_infcode_minus_1(client: Client, inp: dict, message: str) -> None:
    ans = client.call("3505A", inp)
    assert ans["infcode"] == -1 and message in ans["err_msg"]


# ---------------------------------------------------------------------------------------------- 3507


def test_3507_delete_then_reupload_of_the_same_rows_succeeds(client: Client) -> None:
    rows = [sel_row(), sel_row()]
    assert client.call("3505A", {"selinfoDetail": rows})["output"]["result"] == OK
    again = client.call("3505A", {"selinfoDetail": rows})
    assert again["output"]["result"]["msgRslt"] == "部分数据上传失败: 2条"  # codes already sold
    ans = client.call("3507", {"data": {"fixmedins_bchno": BCHNO, "inv_data_type": "4"}})
    assert ans["infcode"] == 0
    assert ans["output"] == {"result": OK}
    summary = client.admin("state")
    assert summary["records"]["4"] == 0 and summary["sold_codes"] == 0
    assert client.call("3505A", {"selinfoDetail": rows})["output"]["result"] == OK


def test_3507_deletes_only_that_type_and_batch_and_undoes_the_stock(client: Client) -> None:
    client.call("3503", {"purcinfo": purc_row(purc_retn_cnt=50)})
    client.call("3505", {"selinfo": sel_row(sel_retn_cnt=3)})
    client.call("3505", {"selinfo": sel_row(fixmedins_bchno="OTHER-BATCH")})
    assert float(_stock(client)) == 47
    client.call("3507", {"data": {"fixmedins_bchno": BCHNO, "inv_data_type": "4"}})
    assert float(_stock(client)) == 50
    assert [r["fixmedins_bchno"] for r in _records(client, "4")] == ["OTHER-BATCH"]
    assert len(_records(client, "3")) == 1


def test_3507_of_sales_frees_codes_and_a_deleted_return_resells_them(client: Client) -> None:
    code = trace_code()
    client.call("3505", {"selinfo": sel_row(code, fixmedins_bchno="B1")})
    client.call("3506", {"selinfo": ret_row(code, fixmedins_bchno="B2")})
    assert client.admin("state")["sold_codes"] == 0
    client.call("3507", {"data": {"fixmedins_bchno": "B2", "inv_data_type": "4"}})  # undo the return
    assert client.admin("state")["sold_codes"] == 1
    ans = client.call("3505", {"selinfo": sel_row(code)})
    assert ans["output"]["result"]["msgRslt"] == f"药品追溯码[{code}]已销售"


def test_3507_not_found(client: Client) -> None:
    client.call("3505", {"selinfo": sel_row()})
    for data in (
        {"fixmedins_bchno": "NOPE", "inv_data_type": "4"},
        {"fixmedins_bchno": BCHNO, "inv_data_type": "3"},
    ):
        ans = client.call("3507", {"data": data})
        assert ans["infcode"] == -1
        assert "未查询到该批次的进销存信息" in ans["err_msg"]
    assert client.admin("state")["records"]["4"] == 1


def test_3507_second_delete_finds_nothing(client: Client) -> None:
    client.call("3501", {"invinfo": inv_row()})
    assert client.call("3507", {"data": {"fixmedins_bchno": BCHNO, "inv_data_type": "1"}})["infcode"] == 0
    assert (
        "未查询到该批次的进销存信息"
        in client.call("3507", {"data": {"fixmedins_bchno": BCHNO, "inv_data_type": "1"}})["err_msg"]
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fixmedins_bchno": BCHNO}, "[data.inv_data_type]不能为空"),
        ({"fixmedins_bchno": BCHNO, "inv_data_type": "5"}, "[data.inv_data_type]值[5]"),
        ({"fixmedins_bchno": "B" * 31, "inv_data_type": "4"}, "[data.fixmedins_bchno]长度超过30"),
    ],
)
def test_3507_field_errors(client: Client, data: dict, message: str) -> None:
    ans = client.call("3507", {"data": data})
    assert ans["infcode"] == -1 and message in ans["err_msg"]


def test_3507_is_per_institution(sim: SimServer) -> None:
    a, b = Client(sim.url), Client(sim.url, fixmedins_code="H36010000002")
    a.sign_in()
    b.sign_in()
    a.call("3505", {"selinfo": sel_row()})
    ans = b.call("3507", {"data": {"fixmedins_bchno": BCHNO, "inv_data_type": "4"}})
    assert "未查询到该批次的进销存信息" in ans["err_msg"]
