"""两定, persons and outpatient (hsa.md §4.1, §4.2, §5.7): 1101, 2001, 2201–2208, field checks, the money model."""

from __future__ import annotations

import pytest

from simulators.hsa.server import SimServer
from tests.simulators.hsa._settlement_support import (
    AMOXICILLIN,
    LI,
    METFORMIN,
    WANG,
    ZHANG,
    ZHAO,
    SClient,
    fails,
    fee,
    mdtrt,
    ok,
    open_visit,
    outpatient_fees,
    reg,
    setl,
    settled_visit,
)


@pytest.fixture
def c(sim: SimServer) -> SClient:
    client = SClient(sim.url)
    client.sign_in()
    return client


def _details(c: SClient, mdtrt_id: str) -> list[dict]:
    return [d for d in c.settlements()["details"] if d["mdtrt_id"] == mdtrt_id]


def _q1101(cert_type: str, cert_no: str, **over) -> dict:
    return {"data": {"mdtrt_cert_type": cert_type, "mdtrt_cert_no": cert_no, "psn_cert_type": "01", **over}}


# ---------------------------------------------------------------------------------------------- 1101 / 2001


@pytest.mark.parametrize(
    ("cert_type", "cert_no", "extra"),
    [("01", ZHANG.ec_token, {}), ("02", ZHANG.certno, {}), ("03", ZHANG.card_no, {"card_sn": ZHANG.card_sn})],
)
def test_1101_finds_the_person_by_each_certificate(c: SClient, cert_type, cert_no, extra) -> None:
    out = ok(c.call("1101", _q1101(cert_type, cert_no, **extra)))["output"]
    assert out["baseinfo"]["psn_no"] == ZHANG.psn_no
    assert out["baseinfo"]["psn_name"] == "张三"
    [insu] = out["insuinfo"]
    assert (insu["insutype"], insu["balc"], insu["psn_insu_stas"], insu["insuplc_admdvs"]) == (
        "310", 1234.56, "1", "360100"
    )
    assert out["idetinfo"] == []


def test_1101_remote_and_suspended_persons(c: SClient) -> None:
    wang = ok(c.call("1101", _q1101("02", WANG.certno)))["output"]["insuinfo"][0]
    assert wang["insuplc_admdvs"] == "440300"
    zhao = ok(c.call("1101", _q1101("02", ZHAO.certno)))["output"]["insuinfo"][0]
    assert (zhao["psn_insu_stas"], zhao["paus_insu_date"]) == ("4", "2025-03-01")


def test_1101_refusals(c: SClient) -> None:
    fails(c.call("1101", _q1101("03", ZHANG.card_no)), "[data.card_sn]不能为空")
    fails(c.call("1101", _q1101("02", "360000000000000000")), "未查询到人员信息")
    fails(c.call("1101", _q1101("02", ZHANG.certno, psn_name="李四")), "[data.psn_name]")
    fails(c.call("1101", _q1101("04", ZHANG.certno)), "[data.mdtrt_cert_type]值[04]不在字典mdtrt_cert_type范围内")
    fails(c.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": ZHANG.certno}}),
          "[data.psn_cert_type]不能为空")  # fmt: skip


def _q2001(p, **over) -> dict:
    data = {"psn_no": p.psn_no, "insutype": p.insutype, "fixmedins_code": "H36010000001", "med_type": "11",
            "begntime": "2025-07-01 08:00:00"}  # fmt: skip
    return {"data": {**data, **over}}


def test_2001_normal_and_suspended(c: SClient) -> None:
    rows = ok(c.pcall("2001", _q2001(ZHANG), ZHANG))["output"]["trtinfo"]
    assert {r["trt_enjymnt_flag"] for r in rows} == {"1"}
    assert rows[0]["fund_pay_type"] == "310100"
    rows = ok(c.pcall("2001", _q2001(ZHAO), ZHAO))["output"]["trtinfo"]
    assert {r["trt_enjymnt_flag"] for r in rows} == {"0"}
    assert "暂停" in rows[0]["trt_chk_rslt"]
    fails(c.pcall("2001", _q2001(LI, insutype="310"), LI), "未参加险种[310]")
    fails(c.pcall("2001", _q2001(ZHANG, med_type="28"), ZHANG), "[data.oprn_oprt_code]不能为空")


def test_insuplc_admdvs_is_required_with_psn_no_and_must_be_the_persons(c: SClient) -> None:
    fails(c.call("2001", _q2001(ZHANG)), "[insuplc_admdvs]不能为空")
    fails(c.call("2001", _q2001(WANG), insuplc_admdvs="360100"), "[insuplc_admdvs]参保地医保区划[360100]")
    ok(c.pcall("2001", _q2001(WANG), WANG))


# ---------------------------------------------------------------------------------------------- full visit


def test_full_outpatient_visit_and_its_revokes(c: SClient) -> None:
    reg_env = c.penv("2201", reg(ZHANG), ZHANG)
    data = ok(c.post(reg_env).json())["output"]["data"]
    mdtrt_id = data["mdtrt_id"]
    assert data["psn_no"] == ZHANG.psn_no and data["ipt_otp_no"] == reg_env["input"]["data"]["ipt_otp_no"]
    assert ok(c.pcall("2203", mdtrt(ZHANG, mdtrt_id), ZHANG))["output"] is None

    rows = outpatient_fees(ZHANG, mdtrt_id)
    result = ok(c.pcall("2204", {"feedetail": rows}, ZHANG))["output"]["result"]
    assert [r["feedetl_sn"] for r in result] == [r["feedetl_sn"] for r in rows]
    split = {r["feedetl_sn"]: r for r in result}
    visit_fee, metformin, amox, unmatched = (split[r["feedetl_sn"]] for r in rows)
    assert (visit_fee["overlmt_amt"], visit_fee["inscp_scp_amt"], visit_fee["pric_uplmt_amt"]) == (5.0, 20.0, 20.0)
    assert (metformin["chrgitm_lv"], metformin["preselfpay_amt"], metformin["inscp_scp_amt"]) == ("02", 6.1, 54.9)
    assert (amox["chrgitm_lv"], amox["inscp_scp_amt"]) == ("01", 37.04)
    assert (unmatched["chrgitm_lv"], unmatched["fulamt_ownpay_amt"]) == ("03", 10.0)
    assert "未对照" in unmatched["memo"]
    for r in result:
        parts = r["fulamt_ownpay_amt"] + r["overlmt_amt"] + r["preselfpay_amt"] + r["inscp_scp_amt"]
        assert round(parts, 2) == r["det_item_fee_sumamt"]

    pre = ok(c.pcall("2206", setl(ZHANG, mdtrt_id, 133.04), ZHANG))["output"]
    assert pre["setlinfo"]["setl_id"] is None and pre["setlinfo"]["setl_time"] is None
    assert pre["setlinfo"]["psn_cash_pay"] == 0.0
    assert all(d["setl_id"] is None for d in _details(c, mdtrt_id))  # 2206 settles nothing

    env = c.penv("2207", setl(ZHANG, mdtrt_id, "133.04"), ZHANG)
    out = ok(c.post(env).json())["output"]
    info = out["setlinfo"]
    expected = {
        "medfee_sumamt": 133.04, "fulamt_ownpay_amt": 10.0, "overlmt_selfpay": 5.0, "preselfpay_amt": 6.1,
        "inscp_scp_amt": 111.94, "act_pay_dedc": 100.0, "hifp_pay": 8.36, "pool_prop_selfpay": 0.7,
        "fund_pay_sumamt": 8.36, "psn_part_amt": 124.68, "acct_pay": 124.68, "psn_cash_pay": 0.0,
        "hosp_part_amt": 0.0, "balc": 1109.88, "clr_optins": "360100", "clr_type": "11", "clr_way": "01",
        "medins_setl_id": env["msgid"], "mdtrt_id": mdtrt_id, "psn_no": ZHANG.psn_no, "med_type": "11",
    }  # fmt: skip
    assert {k: info[k] for k in expected} == expected
    assert info["setl_id"] and info["setl_time"]
    assert round(info["fund_pay_sumamt"] + info["psn_part_amt"], 2) == info["medfee_sumamt"]
    assert round(info["acct_pay"] + info["psn_cash_pay"], 2) == info["psn_part_amt"]
    assert {r["fund_pay_type"]: r["fund_payamt"] for r in out["setldetail"]} == {"310100": 8.36, "310200": 124.68}
    assert {d["setl_id"] for d in _details(c, mdtrt_id)} == {info["setl_id"]}
    balc = ok(c.call("1101", _q1101("02", ZHANG.certno)))["output"]["insuinfo"][0]["balc"]
    assert balc == 1109.88

    # 2208: a negative twin with a new setl_id; the details are unsettled again; the account is refunded
    cancel_env = c.penv("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": ZHANG.psn_no}},
                        ZHANG)  # fmt: skip
    neg = ok(c.post(cancel_env).json())["output"]["setlinfo"]
    assert neg["setl_id"] != info["setl_id"]
    assert (neg["medfee_sumamt"], neg["acct_pay"], neg["fund_pay_sumamt"], neg["psn_cash_pay"]) == (
        -133.04, -124.68, -8.36, 0.0
    )
    assert neg["medins_setl_id"] == cancel_env["msgid"]
    assert neg["balc"] == 1234.56
    assert all(d["setl_id"] is None for d in _details(c, mdtrt_id))
    fails(c.pcall("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": ZHANG.psn_no}},
                  ZHANG), "已撤销，不能重复撤销")  # fmt: skip
    fails(c.pcall("2208", {"data": {"setl_id": neg["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": ZHANG.psn_no}},
                  ZHANG), "为结算撤销记录")  # fmt: skip

    # 2202 refused while details remain; 2205 "0000" clears them; then 2202 cancels the registration
    rev = {"data": {"psn_no": ZHANG.psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": data["ipt_otp_no"]}}
    fails(c.pcall("2202", rev, ZHANG), "存在费用明细")
    ok(c.pcall("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": ZHANG.psn_no}}, ZHANG))
    assert _details(c, mdtrt_id) == []
    ok(c.pcall("2202", rev, ZHANG))
    [visit] = [v for v in c.settlements()["visits"] if v["mdtrt_id"] == mdtrt_id]
    assert visit["status"] == "cancelled"
    fails(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10)]}, ZHANG), "已撤销")
    fails(c.pcall("2202", rev, ZHANG), "已撤销")


def test_2204_after_2207_on_the_same_batch_is_refused_but_a_new_batch_is_fine(c: SClient) -> None:
    mdtrt_id, info, _ = settled_visit(c)
    fails(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10)]}, ZHANG),
          "[feedetail[0].chrg_bchno]收费批次号[B1]已结算")  # fmt: skip
    ok(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10, chrg_bchno="B2")]}, ZHANG))
    fails(c.pcall("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "psn_no": ZHANG.psn_no}}, ZHANG),
          "已结算，请先撤销结算")  # fmt: skip
    # the second batch is settled on its own; the yearly deductible is already used up
    second = ok(c.pcall("2207", setl(ZHANG, mdtrt_id, 10, chrg_bchno="B2"), ZHANG))["output"]["setlinfo"]
    assert (second["act_pay_dedc"], second["hifp_pay"], second["acct_pay"]) == (0.0, 7.0, 3.0)
    assert second["balc"] == round(1234.56 - 124.68 - 3.0, 2)
    # 2205 "0000" leaves settled details alone
    ok(c.pcall("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": ZHANG.psn_no}}, ZHANG))
    assert len(_details(c, mdtrt_id)) == 5


def test_medfee_sumamt_must_equal_the_unsettled_details(c: SClient) -> None:
    mdtrt_id = open_visit(c)
    ok(c.pcall("2204", {"feedetail": outpatient_fees(ZHANG, mdtrt_id)}, ZHANG))
    for infno in ("2206", "2207"):
        fails(c.pcall(infno, setl(ZHANG, mdtrt_id, 133.05), ZHANG),
              "[data.medfee_sumamt]医疗费总额[133.05]与待结算费用明细总额[133.04]不一致")  # fmt: skip
    assert c.settlements()["settlements"] == []
    assert all(d["setl_id"] is None for d in _details(c, mdtrt_id))
    fails(c.pcall("2207", setl(ZHANG, mdtrt_id, 0, chrg_bchno="NOPE"), ZHANG), "无待结算的费用明细")


@pytest.mark.parametrize(
    ("infno", "build", "message"),
    [
        ("2201", lambda m: reg(ZHANG, dept_code=""), "[data.dept_code]不能为空"),
        ("2201", lambda m: reg(ZHANG, insutype="311"), "[data.insutype]值[311]不在字典insutype范围内"),
        ("2201", lambda m: reg(ZHANG, begntime="2025-07-01"), "[data.begntime]日期时间格式错误"),
        ("2201", lambda m: reg(ZHANG, ipt_otp_no="X" * 31), "[data.ipt_otp_no]长度超过30"),
        ("2203", lambda m: {**mdtrt(ZHANG, m), "diseinfo": [{"diag_type": "1"}]}, "[diseinfo[0].diag_srt_no]不能为空"),
        ("2203", lambda m: {"mdtrtinfo": mdtrt(ZHANG, m)["mdtrtinfo"]}, "[diseinfo]不能为空"),
        ("2204", lambda m: {"feedetail": [{**fee(ZHANG, m, AMOXICILLIN, 1, 10), "pric": None}]},
         "[feedetail[0].pric]不能为空"),
        ("2204", lambda m: {"feedetail": [fee(ZHANG, m, AMOXICILLIN, 1, 10, hosp_appr_flag="3")]},
         "[feedetail[0].hosp_appr_flag]值[3]"),
        ("2204", lambda m: {"feedetail": {"not": "a list"}}, "[feedetail]类型错误，应为数组"),
        ("2207", lambda m: setl(ZHANG, m, 1, chrg_bchno=None), "[data.chrg_bchno]不能为空"),
        ("2207", lambda m: setl(ZHANG, m, 1, acct_used_flag="2"), "[data.acct_used_flag]值[2]"),
        ("2207", lambda m: setl(ZHANG, m, "abc"), "[data.medfee_sumamt]类型错误，应为数值型"),
        ("2207", lambda m: setl(ZHANG, m, 1.234), "[data.medfee_sumamt]数值[1.234]超出精度N16,2"),
        ("2208", lambda m: {"data": {"mdtrt_id": m, "psn_no": ZHANG.psn_no}}, "[data.setl_id]不能为空"),
        ("2205", lambda m: {"data": {"mdtrt_id": m, "psn_no": ZHANG.psn_no}}, "[data.chrg_bchno]不能为空"),
    ],
)  # fmt: skip
def test_a_missing_or_bad_field_is_refused_naming_it(c: SClient, infno, build, message) -> None:
    mdtrt_id = open_visit(c)
    before = c.settlements()
    fails(c.pcall(infno, build(mdtrt_id), ZHANG), message)
    after = c.settlements()
    assert (after["details"], after["settlements"], len(after["visits"])) == (
        before["details"], before["settlements"], len(before["visits"])
    )


def test_2204_row_rules(c: SClient) -> None:
    mdtrt_id = open_visit(c)
    fails(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, AMOXICILLIN, 2, 10, det=25)]}, ZHANG),
          "[feedetail[0].det_item_fee_sumamt]明细项目费用总额[25]与数量×单价[20.00]不符")  # fmt: skip
    row = fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10)
    fails(c.pcall("2204", {"feedetail": [row, dict(row)]}, ZHANG), "[feedetail[1].feedetl_sn]")
    fails(c.pcall("2204", {"feedetail": [row, fee(ZHANG, mdtrt_id, METFORMIN, 1, 1, dise_codg="M01")]}, ZHANG),
          "[feedetail[1].dise_codg]同一收费批次号病种编号必须一致")  # fmt: skip
    assert _details(c, mdtrt_id) == []  # atomic: nothing of a refused upload is kept
    ok(c.pcall("2204", {"feedetail": [row]}, ZHANG))
    fails(c.pcall("2204", {"feedetail": [row]}, ZHANG), "已存在")
    fails(c.pcall("2204", {"feedetail": [fee(LI, mdtrt_id, AMOXICILLIN, 1, 1)]}, LI), "与就诊ID")
    fails(c.pcall("2204", {"feedetail": [fee(ZHANG, "NOSUCHVISIT", AMOXICILLIN, 1, 1)]}, ZHANG),
          "[feedetail[0].mdtrt_id]就诊ID[NOSUCHVISIT]不存在")  # fmt: skip


def test_settlement_needs_2203_and_matching_visit_data(c: SClient) -> None:
    mdtrt_id = ok(c.pcall("2201", reg(ZHANG), ZHANG))["output"]["data"]["mdtrt_id"]
    ok(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10)]}, ZHANG))
    fails(c.pcall("2207", setl(ZHANG, mdtrt_id, 10), ZHANG), "请先上传就诊信息(2203)")
    ok(c.pcall("2203", mdtrt(ZHANG, mdtrt_id), ZHANG))
    fails(c.pcall("2207", setl(ZHANG, mdtrt_id, 10, med_type="14"), ZHANG), "[data.med_type]")
    fails(c.pcall("2207", setl(ZHANG, mdtrt_id, 10, mdtrt_cert_no=LI.certno), ZHANG), "[data.mdtrt_cert_no]")
    ok(c.pcall("2207", setl(ZHANG, mdtrt_id, 10, acct_used_flag="0"), ZHANG))


def test_suspended_person_cannot_register(c: SClient) -> None:
    fails(c.pcall("2201", reg(ZHAO), ZHAO), "参保状态异常")


def test_duplicate_active_registration_number_is_refused(c: SClient) -> None:
    ok(c.pcall("2201", reg(ZHANG, ipt_otp_no="MZ-DUP"), ZHANG))
    fails(c.pcall("2201", reg(ZHANG, ipt_otp_no="MZ-DUP"), ZHANG), "[data.ipt_otp_no]门诊号[MZ-DUP]已存在有效挂号")


def test_remote_person_settles_with_its_own_clearing_agency_and_resident_has_no_account(c: SClient) -> None:
    _, info, _ = settled_visit(c, WANG)
    assert info["clr_optins"] == "440300"
    assert (info["acct_pay"], info["balc"]) == (124.68, round(500 - 124.68, 2))
    _, info, _ = settled_visit(c, LI)
    # 居民 390: 门诊起付线 50, 比例 50%, no personal account
    assert (info["act_pay_dedc"], info["hifp_pay"], info["acct_pay"], info["psn_cash_pay"]) == (
        50.0, 30.97, 0.0, 102.07
    )
    assert [r["fund_pay_type"] for r in c.pcall("5203", {"data": {"psn_no": LI.psn_no, "setl_id": info["setl_id"]}},
                                                 LI)["output"]["setldetail"]] == ["390100"]  # fmt: skip


def test_2207_split_amounts_that_disagree_only_warn(c: SClient) -> None:
    mdtrt_id = open_visit(c)
    ok(c.pcall("2204", {"feedetail": outpatient_fees(ZHANG, mdtrt_id)}, ZHANG))
    ans = ok(c.pcall("2207", setl(ZHANG, mdtrt_id, 133.04, inscp_scp_amt=100, fulamt_ownpay_amt=10), ZHANG))
    assert "[data.inscp_scp_amt]100.00与中心明细汇总[111.94]不一致" in ans["warn_msg"]
    assert "fulamt_ownpay_amt" not in ans["warn_msg"]


def test_2205_on_a_single_unsettled_batch(c: SClient) -> None:
    mdtrt_id = open_visit(c)
    ok(c.pcall("2204", {"feedetail": outpatient_fees(ZHANG, mdtrt_id, "B1")}, ZHANG))
    ok(c.pcall("2204", {"feedetail": [fee(ZHANG, mdtrt_id, AMOXICILLIN, 1, 10, chrg_bchno="B2")]}, ZHANG))
    ok(c.pcall("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "psn_no": ZHANG.psn_no}}, ZHANG))
    assert {d["chrg_bchno"] for d in _details(c, mdtrt_id)} == {"B2"}
    fails(c.pcall("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "psn_no": ZHANG.psn_no}}, ZHANG),
          "未查询到收费批次号[B1]")  # fmt: skip
    ok(c.pcall("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": ZHANG.psn_no}}, ZHANG))
    ans = ok(c.pcall("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": ZHANG.psn_no}}, ZHANG))
    assert ans["warn_msg"] == "无待撤销的费用明细"
