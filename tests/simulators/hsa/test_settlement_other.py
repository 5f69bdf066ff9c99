"""两定, the rest: 2601 冲正 (hsa.md §5.2), 9101/9102 files, 3201/3202 对账, 52xx/53xx queries, 2503/2504,
3301/3302, 4101–4103, 9903, faults, sign-in/msgid rules, the admin view and the field tables themselves."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import date

import pytest
import requests

from simulators.hsa import settlement, settlement_spec, spec
from simulators.hsa.faults import FaultRule
from simulators.hsa.server import SimServer
from simulators.hsa.state import SimState
from tests.simulators.hsa._settlement_support import (
    AMOXICILLIN,
    LI,
    METFORMIN,
    UNMATCHED,
    WANG,
    ZHANG,
    SClient,
    fails,
    fee,
    ok,
    open_visit,
    reg,
    setl,
    settled_visit,
)
from tests.simulators.hsa._support import FIXMEDINS


@pytest.fixture
def c(sim: SimServer) -> SClient:
    client = SClient(sim.url)
    client.sign_in()
    return client


def _settlement(c: SClient, setl_id: str) -> dict:
    [s] = [s for s in c.settlements()["settlements"] if s["setl_id"] == setl_id]
    return s


def _details(c: SClient, mdtrt_id: str) -> list[dict]:
    return [d for d in c.settlements()["details"] if d["mdtrt_id"] == mdtrt_id]


def _reverse(c: SClient, msgid: str, infno: str, p=ZHANG) -> dict:
    return c.pcall("2601", {"data": {"psn_no": p.psn_no, "omsgid": msgid, "oinfno": infno}}, p)


def _balance(c: SClient, p=ZHANG) -> float:
    q = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": p.certno, "psn_cert_type": "01"}}
    return ok(c.call("1101", q))["output"]["insuinfo"][0]["balc"]


# ---------------------------------------------------------------------------------------------- 2601 冲正


def test_2601_of_a_settlement_unsettles_the_visits_details(c: SClient) -> None:
    mdtrt_id, info, msgid = settled_visit(c)
    assert _balance(c) == 1109.88
    ans = ok(_reverse(c, msgid, "2207"))
    assert ans["output"] is None
    assert _settlement(c, info["setl_id"])["status"] == "reversed"
    assert {d["setl_id"] for d in _details(c, mdtrt_id)} == {None}
    assert _balance(c) == 1234.56
    fails(c.pcall("5203", {"data": {"psn_no": ZHANG.psn_no, "setl_id": info["setl_id"]}}, ZHANG), "未查询到结算信息")
    entry = c.settlements()["reversal_journal"][msgid]
    assert (entry["infno"], entry["psn_no"], entry["status"]) == ("2207", ZHANG.psn_no, "reversed")
    # the batch can be settled again, with the deductible that the reversal gave back
    again = ok(c.pcall("2207", setl(ZHANG, mdtrt_id, 133.04), ZHANG))["output"]["setlinfo"]
    assert (again["act_pay_dedc"], again["hifp_pay"]) == (100.0, 8.36)


def test_a_second_2601_on_the_same_omsgid_is_refused(c: SClient) -> None:
    _, _, msgid = settled_visit(c)
    ok(_reverse(c, msgid, "2207"))
    fails(_reverse(c, msgid, "2207"), "已冲正，不能重复冲正")


def test_2601_of_an_unknown_omsgid(c: SClient) -> None:
    fails(_reverse(c, f"{FIXMEDINS}202501010000009999", "2207"), "原交易不存在")
    # a request the platform saw but refused has no effect to undo either
    mdtrt_id = open_visit(c)
    env = c.penv("2207", setl(ZHANG, mdtrt_id, 1), ZHANG)
    fails(c.post(env).json(), "无待结算的费用明细")
    fails(_reverse(c, env["msgid"], "2207"), "原交易不存在")


def test_2601_checks_oinfno_psn_no_and_reversibility(c: SClient) -> None:
    mdtrt_id, info, msgid = settled_visit(c)
    fails(_reverse(c, msgid, "2208"), "[data.oinfno]原交易编号[2208]与原交易[2207]不一致")
    fails(c.pcall("2601", {"data": {"psn_no": LI.psn_no, "omsgid": msgid, "oinfno": "2207"}}, LI),
          "[data.psn_no]人员编号")  # fmt: skip
    reg_msgid = next(m for m, e in c.settlements()["reversal_journal"].items() if e["infno"] == "2201")
    fails(_reverse(c, reg_msgid, "2201"), "不支持冲正")
    fails(c.pcall("2601", {"data": {"psn_no": ZHANG.psn_no, "omsgid": msgid}}, ZHANG), "[data.oinfno]不能为空")
    assert _settlement(c, info["setl_id"])["status"] == "live"


def test_2601_of_a_cancel_revives_the_settlement(c: SClient) -> None:
    mdtrt_id, info, msgid = settled_visit(c)
    env = c.penv("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": ZHANG.psn_no}}, ZHANG)
    twin = ok(c.post(env).json())["output"]["setlinfo"]["setl_id"]
    fails(_reverse(c, msgid, "2207"), "已撤销")  # the settlement is cancelled: reverse the cancel first
    ok(_reverse(c, env["msgid"], "2208"))
    assert (_settlement(c, info["setl_id"])["status"], _settlement(c, twin)["status"]) == ("live", "reversed")
    assert {d["setl_id"] for d in _details(c, mdtrt_id)} == {info["setl_id"]}
    assert _balance(c) == 1109.88
    ok(_reverse(c, msgid, "2207"))
    assert _balance(c) == 1234.56


def test_2601_after_a_lost_answer(c: SClient) -> None:
    """The answer of a 2207 never arrives (the client times out) but the platform settled: 2601 undoes it."""
    mdtrt_id = open_visit(c)
    ok(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10)]}, ZHANG))
    env = c.penv("2207", setl(ZHANG, mdtrt_id, 10), ZHANG)
    with pytest.raises(requests.exceptions.ReadTimeout):
        c.post(env, headers={"X-Sim-Fault": "slow", "X-Sim-Fault-Delay": "1.0"}, timeout=0.3)
    [s] = c.settlements()["settlements"]
    assert s["msgid"] == env["msgid"]
    ok(_reverse(c, env["msgid"], "2207"))
    assert {d["setl_id"] for d in _details(c, mdtrt_id)} == {None}


def test_faults_apply_to_the_settlement_transactions(c: SClient, sim: SimServer) -> None:
    sim.faults.add(FaultRule(kind="infcode_-1", infno="2201"))
    env = c.penv("2201", {"data": {}}, ZHANG)
    assert c.post(env).json()["err_msg"] == "系统繁忙，请稍后再试"
    assert c.settlements()["visits"] == []
    r = c.post(c.penv("1101", {"data": {}}, ZHANG), headers={"X-Sim-Fault": "http_502_after"})
    assert r.status_code == 502


# ---------------------------------------------------------------------------------------------- 9101 / 9102


def _zip(name: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def _upload(c: SClient, data: bytes, filename: str = "stmt.zip") -> dict:
    node = {"in": base64.b64encode(data).decode(), "filename": filename, "fixmedins_code": FIXMEDINS}
    return c.call("9101", {"fsUploadIn": node})


def _download(c: SClient, file_qury_no: str, filename: str) -> requests.Response:
    node = {"file_qury_no": file_qury_no, "filename": filename, "fixmedins_code": FIXMEDINS}
    return c.post(c.envelope("9102", {"fsDownloadIn": node}))


def test_9101_then_9102_round_trip(c: SClient) -> None:
    payload = _zip("a.txt", "第一行\n第二行\n") + bytes(range(256))
    out = ok(_upload(c, payload, "明细.zip"))["output"]
    assert out["filename"] == "明细.zip"
    assert out["file_qury_no"] and len(out["file_qury_no"]) <= 30
    assert spec.is_datetime(out["dld_endtime"])
    r = _download(c, out["file_qury_no"], "明细.zip")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.content == payload
    # a miss is a JSON error envelope
    miss = _download(c, "F000000000000000000000000", "明细.zip")
    assert miss.headers["content-type"].startswith("application/json")
    fails(miss.json(), "文件查询号[F000000000000000000000000]不存在")
    fails(_download(c, out["file_qury_no"], "other.zip").json(), "[fsDownloadIn.filename]")


def test_9101_accepts_a_byte_array_and_refuses_bad_input(c: SClient) -> None:
    node = {"in": list(b"hello"), "filename": "h.txt", "fixmedins_code": FIXMEDINS}
    out = ok(c.call("9101", {"fsUploadIn": node}))["output"]
    assert _download(c, out["file_qury_no"], "h.txt").content == b"hello"
    fails(c.call("9101", {"fsUploadIn": {**node, "in": "***"}}), "[fsUploadIn.in]文件数据不是有效的Base64编码")
    fails(c.call("9101", {"fsUploadIn": {**node, "filename": ""}}), "[fsUploadIn.filename]不能为空")
    fails(c.call("9101", {"fsUploadIn": {**node, "fixmedins_code": "H36010000002"}}), "与报文头不一致")


def test_9102_after_dld_endtime_is_refused(c: SClient, sim: SimServer) -> None:
    sim.state.settlement.file_ttl_s = -1
    try:
        out = ok(_upload(c, b"x"))["output"]
        fails(_download(c, out["file_qury_no"], "stmt.zip").json(), "已超过下载截止时间")
    finally:
        sim.state.settlement.file_ttl_s = 24 * 3600.0


# ---------------------------------------------------------------------------------------------- 3201 / 3202


def _today() -> str:
    return date.today().isoformat()


def _q3201(medfee, fund, acct, cnt, **over) -> dict:
    data = {"insutype": "310", "clr_type": "11", "setl_optins": "360100", "stmt_begndate": "2020-01-01",
            "stmt_enddate": "2099-12-31", "medfee_sumamt": medfee, "fund_pay_sumamt": fund, "acct_pay": acct,
            "fixmedins_setl_cnt": cnt}  # fmt: skip
    return {"data": {**data, **over}}


def test_3201_balanced_and_unbalanced(c: SClient) -> None:
    mdtrt_id, info, _ = settled_visit(c)
    settled_visit(c, WANG)  # 异地: another setl_optins, not in this reconciliation
    out = ok(c.call("3201", _q3201(133.04, 8.36, 124.68, 1)))["output"]["stmtinfo"]
    assert (out["setl_optins"], out["stmt_rslt"], out["stmt_rslt_dscr"]) == ("360100", "0", "平")
    out = ok(c.call("3201", _q3201(133.04, 8.36, 124.68, 2)))["output"]["stmtinfo"]
    assert out["stmt_rslt"] == "1" and "结算笔数: 医药机构2，中心1" in out["stmt_rslt_dscr"]
    out = ok(c.call("3201", _q3201(100, 8.36, 124.68, 1)))["output"]["stmtinfo"]
    assert out["stmt_rslt"] == "1" and "医疗费总额" in out["stmt_rslt_dscr"]
    # a cancel: with refunds (default) the settlement and its negative twin net to zero over two records
    ok(c.pcall("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": ZHANG.psn_no}}, ZHANG))
    assert ok(c.call("3201", _q3201(0, 0, 0, 2)))["output"]["stmtinfo"]["stmt_rslt"] == "0"
    assert ok(c.call("3201", _q3201(0, 0, 0, 0, refd_setl_flag="0")))["output"]["stmtinfo"]["stmt_rslt"] == "0"
    assert ok(c.call("3201", _q3201(0, 0, 0, 0, stmt_enddate="2020-01-31")))["output"]["stmtinfo"]["stmt_rslt"] == "0"
    fails(c.call("3201", _q3201(0, 0, 0, 0, clr_type="12")), "[data.clr_type]值[12]不在字典clr_type范围内")
    fails(c.call("3201", _q3201(0, 0, 0, 0, stmt_enddate="2019-01-01")), "[data.stmt_enddate]")


def test_3202_compares_the_uploaded_file_line_by_line(c: SClient) -> None:
    _, a, a_msgid = settled_visit(c)
    _, b, b_msgid = settled_visit(c)
    lines = [
        "\t".join([a["setl_id"], a["mdtrt_id"], ZHANG.psn_no, "133.04", "8.36", "124.68", "0"]),
        " ".join([b["setl_id"], b["mdtrt_id"], ZHANG.psn_no, "133.04", "99.99", str(b["acct_pay"]), "0"]),
        "\t".join(["NOSUCHSETL", "M0", ZHANG.psn_no, "1", "0", "0", "0"]),
    ]
    up = ok(_upload(c, _zip("detail.txt", "\n".join(lines) + "\n")))["output"]
    data = {"setl_optins": "360100", "file_qury_no": up["file_qury_no"], "stmt_begndate": "2020-01-01",
            "stmt_enddate": "2099-12-31", "medfee_sumamt": 266.08, "fund_pay_sumamt": 8.36, "cash_payamt": 0,
            "fixmedins_setl_cnt": 2, "clr_type": "11", "refd_setl_flag": "0"}  # fmt: skip
    info = ok(c.call("3202", {"data": data}))["output"]["fileinfo"]
    assert info["filename"].endswith(".zip") and spec.is_datetime(info["dld_endtime"])
    r = _download(c, info["file_qury_no"], info["filename"])
    assert r.headers["content-type"] == "application/octet-stream"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        rows = [line.split("\t") for line in zf.read(zf.namelist()[0]).decode("utf-8").splitlines()]
    by_setl = {row[2]: row for row in rows}
    assert by_setl[a["setl_id"]][3:6] == [a_msgid, "0", "0"]
    assert by_setl[b["setl_id"]][3] == b_msgid and by_setl[b["setl_id"]][4] == "1"
    assert "fund_pay_sumamt" in by_setl[b["setl_id"]][6]
    assert by_setl["NOSUCHSETL"][4] == "2"
    fails(c.call("3202", {"data": {**data, "file_qury_no": "F404"}}), "[data.file_qury_no]文件查询号[F404]不存在")
    bad = ok(_upload(c, b"only three columns\n"))["output"]
    fails(c.call("3202", {"data": {**data, "file_qury_no": bad["file_qury_no"]}}), "明细对账文件第1行格式错误")
    del data["clr_type"]
    fails(c.call("3202", {"data": data}), "[data.clr_type]不能为空")


# ---------------------------------------------------------------------------------------------- queries


def test_5203_and_5204_find_a_settlement_and_its_details(c: SClient) -> None:
    mdtrt_id, info, msgid = settled_visit(c)
    out = ok(c.pcall("5203", {"data": {"psn_no": ZHANG.psn_no, "setl_id": info["setl_id"], "mdtrt_id": mdtrt_id}},
                     ZHANG))["output"]  # fmt: skip
    s = out["setlinfo"]
    assert (s["setl_id"], s["medfee_sumamt"], s["acct_pay"], s["medins_setl_id"]) == (
        info["setl_id"], 133.04, 124.68, msgid
    )
    assert (s["refd_setl_flag"], s["pay_loc"], s["fixmedins_code"], s["cash_payamt"]) == ("0", "2", FIXMEDINS, 0.0)
    assert len(out["setldetail"]) == 2
    fails(c.pcall("5203", {"data": {"psn_no": LI.psn_no, "setl_id": info["setl_id"]}}, LI), "未查询到结算信息")
    rows = ok(c.pcall("5204", {"data": {"psn_no": ZHANG.psn_no, "mdtrt_id": mdtrt_id, "setl_id": info["setl_id"]}},
                      ZHANG))["output"]["data"]  # fmt: skip
    assert len(rows) == 4 and {r["setl_id"] for r in rows} == {info["setl_id"]}
    assert sum(r["det_item_fee_sumamt"] for r in rows) == pytest.approx(133.04)


def test_5201_5202_5206(c: SClient) -> None:
    mdtrt_id, _, _ = settled_visit(c)
    now = f"{_today()} 23:59:59"
    rows = ok(c.pcall("5201", {"data": {"psn_no": ZHANG.psn_no, "begntime": "2025-01-01 00:00:00", "endtime": now}},
                      ZHANG))["output"]["mdtrtinfo"]  # fmt: skip
    assert [(r["mdtrt_id"], r["med_type"], r["insutype"]) for r in rows] == [(mdtrt_id, "11", "310")]
    diags = ok(c.pcall("5202", {"data": {"mdtrt_id": mdtrt_id, "psn_no": ZHANG.psn_no}}, ZHANG))["output"]["diseinfo"]
    assert [d["diag_code"] for d in diags] == ["E11.900"]
    cum = ok(c.pcall("5206", {"data": {"psn_no": ZHANG.psn_no}}, ZHANG))["output"]["cuminfo"]
    assert {r["cum_type_code"]: r["cum"] for r in cum}["Q0000"] == 100.0
    fails(c.pcall("5206", {"data": {"psn_no": ZHANG.psn_no, "cum_ym": "202513"}}, ZHANG), "[data.cum_ym]")


def test_2503_5301_2504(c: SClient) -> None:
    data = {"psn_no": ZHANG.psn_no, "insutype": "310", "opsp_dise_code": "M03900", "opsp_dise_name": "糖尿病",
            "insu_optins": "360100", "ide_fixmedins_no": FIXMEDINS, "ide_fixmedins_name": "南昌市第一医院",
            "hosp_ide_date": "2025-06-01", "diag_dr_codg": "D360100000001", "diag_dr_name": "医生甲",
            "begndate": "2025-06-01"}  # fmt: skip
    sn = ok(c.pcall("2503", {"data": data}, ZHANG))["output"]["result"]["trt_dcla_detl_sn"]
    fails(c.pcall("2503", {"data": data}, ZHANG), "已存在病种[M03900]的有效备案")
    rows = ok(c.pcall("5301", {"data": {"psn_no": ZHANG.psn_no}}, ZHANG))["output"]["feedetail"]
    assert [(r["opsp_dise_code"], r["begndate"]) for r in rows] == [("M03900", "2025-06-01")]
    fails(c.pcall("2504", {"data": {"trt_dcla_detl_sn": sn, "psn_no": ZHANG.psn_no}}, ZHANG), "[data.memo]不能为空")
    ok(c.pcall("2504", {"data": {"trt_dcla_detl_sn": sn, "psn_no": ZHANG.psn_no, "memo": "误报"}}, ZHANG))
    assert ok(c.pcall("5301", {"data": {"psn_no": ZHANG.psn_no}}, ZHANG))["output"]["feedetail"] == []
    fails(c.pcall("2504", {"data": {"trt_dcla_detl_sn": sn, "psn_no": ZHANG.psn_no, "memo": "x"}}, ZHANG), "已撤销")


def test_3301_match_turns_an_unknown_item_into_a_covered_one(c: SClient) -> None:
    hilist = "H" + UNMATCHED[:10]
    match = {"fixmedins_hilist_id": hilist, "fixmedins_hilist_name": "某自制药", "list_type": "101",
             "med_list_codg": UNMATCHED, "begndate": "2025-01-01", "enddate": "2099-12-31"}  # fmt: skip
    fails(c.call("3301", {"data": [{**match, "list_type": "999"}]}), "[data[0].list_type]值[999]")
    ok(c.call("3301", {"data": [match]}))
    fails(c.call("3301", {"data": match}), "目录对照已存在")
    mdtrt_id = open_visit(c)
    [row] = ok(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, UNMATCHED, 1, 10)]}, ZHANG))["output"]["result"]
    assert (row["chrgitm_lv"], row["inscp_scp_amt"], row["memo"]) == ("01", 10.0, None)
    revoke = {"fixmedins_code": FIXMEDINS, "fixmedins_hilist_id": hilist, "list_type": "101",
              "med_list_codg": UNMATCHED}  # fmt: skip
    ok(c.call("3302", {"data": revoke}))
    fails(c.call("3302", {"data": revoke}), "未查询到有效的目录对照信息")
    [row] = ok(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, UNMATCHED, 1, 10)]}, ZHANG))["output"]["result"]
    assert row["chrgitm_lv"] == "03"


def _setlinfo_4101a(info: dict) -> dict:
    return {
        "psn_no": ZHANG.psn_no, "mdtrt_id": info["mdtrt_id"], "setl_id": info["setl_id"], "medcasno": "BA0001",
        "ntly": "CHN", "prfs": "17", "coner_name": "家属", "patn_rlts": "10", "coner_addr": "南昌市",
        "coner_tel": "13900000000", "ipt_med_type": "1", "dscg_caty": "A03", "bill_code": "PJ01", "bill_no": "0001",
        "biz_sn": "YW0001", "setl_begn_date": "2025-07-01", "setl_end_date": "2025-07-01", "hi_paymtd": "1",
        "medins_fill_dept": "医保办", "medins_fill_psn": "填报人", "resp_nurs_code": "N0001",
    }  # fmt: skip


def test_4101a_4102_4103(c: SClient) -> None:
    _, info, _ = settled_visit(c)
    setlinfo = _setlinfo_4101a(info)
    fails(c.pcall("4101A", {"setlinfo": {**setlinfo, "resp_nurs_code": ""}}, ZHANG),
          "[setlinfo.resp_nurs_code]不能为空")  # fmt: skip
    diseinfo = [{"diag_type": "1", "diag_code": "E11.900", "diag_name": "2型糖尿病", "maindiag_flag": "1"}]
    out = ok(c.pcall("4101A", {"setlinfo": setlinfo, "diseinfo": diseinfo}, ZHANG))["output"]
    assert len(out["setl_list_id"]) == 9
    fails(c.pcall("4101A", {"setlinfo": setlinfo}, ZHANG), "结算清单已上传")
    q = {"data": {"psn_no": ZHANG.psn_no, "setl_id": info["setl_id"]}}
    got = ok(c.pcall("4103", q, ZHANG))["output"]
    assert got["setlinfo"]["setl_list_sn"] == out["setl_list_id"]
    assert got["diseinfo"] == diseinfo
    assert {r["fund_pay_type"] for r in got["payinfo"]} == {"310100", "310200"}
    items = {r["med_chrgitm"]: r for r in got["iteminfo"]}
    assert items["09"]["amt"] == 98.04 and items["09"]["claa_sumfee"] == 37.04 and items["09"]["clab_amt"] == 61.0
    ok(c.pcall("4102", {"data": {"stastinfo": [{"psn_no": ZHANG.psn_no, "setl_id": info["setl_id"],
                                                "stas_type": "2"}]}}, ZHANG))  # fmt: skip
    assert ok(c.pcall("4103", q, ZHANG))["output"]["setlinfo"]["stas_type"] == "2"
    fails(c.pcall("4102", {"data": {"stastinfo": [{"psn_no": ZHANG.psn_no, "setl_id": "NOPE", "stas_type": "2"}]}},
                  ZHANG), "[data.stastinfo[0].setl_id]")  # fmt: skip
    fails(c.pcall("4102", {"data": {"stastinfo": []}}, ZHANG), "[data.stastinfo]不能为空")


def test_4101_original_needs_the_full_setlinfo(c: SClient) -> None:
    _, info, _ = settled_visit(c)
    setlinfo = {
        "mdtrt_id": info["mdtrt_id"], "setl_id": info["setl_id"], "fixmedins_name": "南昌市第一医院",
        "fixmedins_code": FIXMEDINS, "medcasno": "BA0001", "psn_name": "张三", "gend": "1", "brdy": "1980-01-01",
        "ntly": "CHN", "naty": "01", "patn_cert_type": "1", "certno": ZHANG.certno, "prfs": "17", "coner_name": "家属",
        "patn_rlts": "10", "coner_addr": "南昌市", "coner_tel": "13900000000", "hi_type": "310", "insuplc": "360100",
        "ipt_med_type": "1", "adm_caty": "A03", "dscg_caty": "A03", "maindiag_flag": "1", "bill_code": "PJ01",
        "bill_no": "0001", "biz_sn": "YW0001", "setl_begn_date": "2025-07-01", "setl_end_date": "2025-07-01",
        "psn_selfpay": 6.1, "psn_ownpay": 15, "acct_pay": 124.68, "psn_cashpay": 0, "hi_paymtd": "1",
        "hsorg": "南昌市医保局", "hsorg_opter": "经办人", "medins_fill_dept": "医保办", "medins_fill_psn": "填报人",
    }  # fmt: skip
    fails(c.call("4101", {"setlinfo": setlinfo}), "[setlinfo.age]不能为空")
    fails(c.call("4101", {"setlinfo": {**setlinfo, "age": 45, "naty": "99"}}), "[setlinfo.naty]值[99]")
    payinfo = [{"fund_pay_type": "310100", "fund_payamt": 8.36}]
    assert ok(c.call("4101", {"setlinfo": {**setlinfo, "age": 45}, "payinfo": payinfo}))["output"]["setl_list_id"]


def test_9903_assumed_eligibility_list(c: SClient) -> None:
    rows = ok(c.pcall("9903", {"data": {"psn_no": WANG.psn_no}}, WANG))["output"]["data"]
    assert [(r["insutype"], r["elig_flag"], r["out_flag"]) for r in rows] == [("310", "1", "1")]
    fails(c.pcall("9903", {"data": {}}, WANG), "[data.psn_no]不能为空")


# ---------------------------------------------------------------------------------------------- envelope rules


def test_settlement_transactions_need_a_sign_in_and_a_fresh_msgid(sim: SimServer) -> None:
    c = SClient(sim.url)
    fails(c.pcall("2201", {"data": {}}, ZHANG), "[sign_no]不能为空")
    c.sign_no = "360100000000000000000000000000"
    fails(c.pcall("2201", {"data": {}}, ZHANG), "签到信息已失效")
    c.sign_in()
    env = c.penv("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": ZHANG.certno, "psn_cert_type": "01"}},
                 ZHANG)  # fmt: skip
    ok(c.post(env).json())
    fails(c.post(env).json(), "报文ID重复")


def test_admin_view_and_state_summary(c: SClient) -> None:
    mdtrt_id, info, msgid = settled_visit(c)
    view = c.settlements()
    assert {p["psn_no"] for p in view["persons"]} == {ZHANG.psn_no, LI.psn_no, WANG.psn_no, "360100000000000004"}
    assert [v["mdtrt_id"] for v in view["visits"]] == [mdtrt_id]
    assert view["reversal_journal"][msgid]["target"]["setl_id"] == info["setl_id"]
    summary = c.admin("state")["settlement"]
    assert summary["settlements"] == {"2207:live": 1}
    assert c.admin("journal")[msgid]["setl_id"] == info["setl_id"]
    requests.post(c.base_url + "/__admin__/reset", timeout=5).raise_for_status()
    assert c.settlements()["settlements"] == [] and len(c.settlements()["persons"]) == 4


def test_field_tables_are_well_formed_and_every_transaction_has_a_handler() -> None:
    assert set(settlement_spec.CATALOGUE) == set(settlement.HANDLERS)
    assert not set(settlement_spec.CATALOGUE) & set(spec.CATALOGUE)
    brief = {"1101", "2001", "2201", "2202", "2203", "2204", "2205", "2206", "2207", "2208", "2301", "2302", "2303",
             "2304", "2305", "2401", "2402", "2403", "2404", "2405", "2503", "2504", "2601", "3201", "3202", "3301",
             "3302", "4101", "4101A", "4102", "4103", "5201", "5202", "5203", "5204", "5206", "5301", "5303", "9101",
             "9102", "9903"}  # fmt: skip
    assert brief <= set(settlement_spec.CATALOGUE)

    def walk(fields):
        for f in fields:
            assert f.cn and f.type in ("C", "N", "D", "DT", "LIST", "OBJ"), f
            if f.type == "C" and f.name != "in":
                assert f.length, f
            if f.dict_name:
                assert f.dict_name in spec.DICTS, f
            walk(f.items)

    for t in settlement_spec.TRANSACTIONS:
        for node in t.nodes:
            walk(node.fields)
            names = [f.name for f in node.fields]
            assert len(names) == len(set(names)), (t.infno, node.name)


def test_amounts_in_the_money_model_add_up(c: SClient) -> None:
    """Identities of hsa.md §4.2 on a mixed visit, with and without the personal account."""
    for flag in ("0", "1"):
        mdtrt_id = open_visit(c)
        rows = [fee(ZHANG, mdtrt_id, METFORMIN, 3, "17.33"), fee(ZHANG, mdtrt_id, AMOXICILLIN, 7, "3.21")]
        ok(c.pcall("2204", {"feedetail": rows}, ZHANG))
        total = round(sum(r["det_item_fee_sumamt"] for r in rows), 2)
        s = ok(c.pcall("2207", setl(ZHANG, mdtrt_id, total, acct_used_flag=flag), ZHANG))["output"]["setlinfo"]
        parts = s["fulamt_ownpay_amt"] + s["overlmt_selfpay"] + s["preselfpay_amt"] + s["inscp_scp_amt"]
        assert round(parts, 2) == s["medfee_sumamt"] == total
        assert round(s["fund_pay_sumamt"] + s["psn_part_amt"] + s["hosp_part_amt"], 2) == s["medfee_sumamt"]
        assert round(s["acct_pay"] + s["psn_cash_pay"], 2) == s["psn_part_amt"]
        assert (s["acct_pay"] == 0) == (flag == "0")


def test_3202_refuses_a_broken_zip(c: SClient) -> None:
    good = _zip("detail.txt", "x\n")
    broken = good[:-30] + b"\0" * 30  # the zip directory is damaged
    up = ok(_upload(c, broken))["output"]
    data = {"setl_optins": "360100", "file_qury_no": up["file_qury_no"], "stmt_begndate": "2020-01-01",
            "stmt_enddate": "2099-12-31", "medfee_sumamt": 0, "fund_pay_sumamt": 0, "cash_payamt": 0,
            "fixmedins_setl_cnt": 0, "clr_type": "11", "refd_setl_flag": "0"}  # fmt: skip
    ans = c.call("3202", {"data": data})
    assert ans["infcode"] == -1, ans
    assert "明细对账文件" in ans["err_msg"]


def test_2601_only_on_the_same_day() -> None:
    now = [1_780_000_000.0]  # a fixed instant; the simulator's clock is injectable
    with SimServer(SimState(clock=lambda: now[0], sign_ttl_s=10 * 86400)) as server:
        c = SClient(server.url)
        c.sign_in()
        _, _, msgid = settled_visit(c)
        now[0] += 86400
        fails(_reverse(c, msgid, "2207"), "非当日交易")
        server.state.settlement.reversal_same_day = False
        ok(_reverse(c, msgid, "2207"))


def test_configurable_readings(c: SClient, sim: SimServer) -> None:
    store = sim.state.settlement
    store.fund_pay_sumamt_includes_acct = True
    try:
        _, info, _ = settled_visit(c)
        assert (info["hifp_pay"], info["acct_pay"], info["fund_pay_sumamt"]) == (8.36, 124.68, 133.04)
    finally:
        store.fund_pay_sumamt_includes_acct = False
    store.require_catalog_match = True
    try:
        mdtrt_id = open_visit(c)
        rows = [fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10)]
        [row] = ok(c.pcall("2204", {"feedetail": rows}, ZHANG))["output"]["result"]
        assert row["chrgitm_lv"] == "03"
    finally:
        store.require_catalog_match = False


def test_2203a_accepts_no_diagnoses(c: SClient) -> None:
    mdtrt_id = ok(c.pcall("2201", reg(ZHANG), ZHANG))["output"]["data"]["mdtrt_id"]
    info = {"mdtrt_id": mdtrt_id, "psn_no": ZHANG.psn_no, "med_type": "11", "begntime": "2025-07-01 08:30:00"}
    fails(c.pcall("2203", {"mdtrtinfo": info}, ZHANG), "[diseinfo]不能为空")
    ok(c.pcall("2203A", {"mdtrtinfo": info}, ZHANG))
    ok(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10)]}, ZHANG))
    ok(c.pcall("2207", setl(ZHANG, mdtrt_id, 10), ZHANG))
