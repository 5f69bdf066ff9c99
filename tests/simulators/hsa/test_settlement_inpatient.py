"""两定, inpatient (hsa.md §4.3, §5.2, §5.7): 2401 → 2301 → 2303 → 2304 → 2402, 2403, the revokes and 2601."""

from __future__ import annotations

import pytest

from simulators.hsa.server import SimServer
from tests.simulators.hsa._settlement_support import (
    AMOXICILLIN,
    BED,
    LI,
    SET,
    ZHANG,
    ZHAO,
    SClient,
    admission,
    admit,
    discharge,
    fails,
    ipt_diag,
    ipt_fee,
    ipt_setl,
    ok,
)


@pytest.fixture
def c(sim: SimServer) -> SClient:
    client = SClient(sim.url)
    client.sign_in()
    return client


def _visit(c: SClient, mdtrt_id: str) -> dict:
    [v] = [v for v in c.settlements()["visits"] if v["mdtrt_id"] == mdtrt_id]
    return v


def _details(c: SClient, mdtrt_id: str) -> list[dict]:
    return [d for d in c.settlements()["details"] if d["mdtrt_id"] == mdtrt_id]


def _stay_fees(mdtrt_id: str) -> tuple[list[dict], list[dict]]:
    """Two uploads, 1300.00 in all: bed over its 限价, a 乙类 consumable, a drug and a 退单 of part of it."""
    first = [ipt_fee(LI, mdtrt_id, BED, 3, 60), ipt_fee(LI, mdtrt_id, SET, 10, 4),
             ipt_fee(LI, mdtrt_id, AMOXICILLIN, 100, 12)]  # fmt: skip
    refund = ipt_fee(LI, mdtrt_id, AMOXICILLIN, -10, 12, init_feedetl_sn=first[2]["feedetl_sn"])
    return first, [refund]


SPLIT = {"fulamt_ownpay_amt": 0, "overlmt_selfpay": 30, "preselfpay_amt": 8, "inscp_scp_amt": 1262}


def test_full_inpatient_stay_and_its_revokes(c: SClient) -> None:
    mdtrt_id = admit(c, LI)
    assert _visit(c, mdtrt_id)["status"] == "admitted"
    in_hosp = ok(c.pcall("5303", {"data": {"psn_no": LI.psn_no, "begntime": "2025-07-01 00:00:00",
                                           "endtime": "2025-07-31 00:00:00"}}, LI))["output"]["data"]  # fmt: skip
    assert [(r["mdtrt_id"], r["out_flag"]) for r in in_hosp] == [(mdtrt_id, "0")]

    first, second = _stay_fees(mdtrt_id)
    result = ok(c.pcall("2301", {"feedetail": first}, LI))["output"]["result"]
    assert [(r["overlmt_amt"], r["preselfpay_amt"], r["inscp_scp_amt"]) for r in result] == [
        (30.0, 0.0, 150.0), (0.0, 8.0, 32.0), (0.0, 0.0, 1200.0)
    ]
    ok(c.pcall("2301", {"feedetail": second}, LI))

    fails(c.pcall("2303", ipt_setl(LI, mdtrt_id, 1420, **SPLIT), LI), "待结算费用明细总额[1300.00]不一致")
    pre = ok(c.pcall("2303", ipt_setl(LI, mdtrt_id, 1300, **SPLIT), LI))
    assert pre["warn_msg"] is None
    assert pre["output"]["setlinfo"]["setl_id"] is None

    env = c.penv("2304", ipt_setl(LI, mdtrt_id, "1300.00"), LI)
    info = ok(c.post(env).json())["output"]["setlinfo"]
    # 居民 390 住院: 起付线 500, 比例 70%
    expected = {"medfee_sumamt": 1300.0, "overlmt_selfpay": 30.0, "preselfpay_amt": 8.0, "inscp_scp_amt": 1262.0,
                "act_pay_dedc": 500.0, "hifp_pay": 533.4, "fund_pay_sumamt": 533.4, "psn_part_amt": 766.6,
                "acct_pay": 0.0, "psn_cash_pay": 766.6, "clr_type": "21", "medins_setl_id": env["msgid"]}  # fmt: skip
    assert {k: info[k] for k in expected} == expected
    assert {d["setl_id"] for d in _details(c, mdtrt_id)} == {info["setl_id"]}
    fails(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, AMOXICILLIN, 1, 12)]}, LI), "已结算")

    ok(c.pcall("2402", discharge(LI, mdtrt_id), LI))
    visit = _visit(c, mdtrt_id)
    assert (visit["status"], visit["endtime"]) == ("discharged", "2025-07-06 10:00:00")
    diags = ok(c.pcall("5202", {"data": {"mdtrt_id": mdtrt_id, "psn_no": LI.psn_no}}, LI))["output"]["diseinfo"]
    assert sorted(d["inout_diag_type"] for d in diags) == ["1", "2"]
    fails(c.pcall("2402", discharge(LI, mdtrt_id), LI), "已办理出院")

    # revokes, in the order the platform insists on
    data = {"mdtrt_id": mdtrt_id, "psn_no": LI.psn_no}
    fails(c.pcall("2405", {"data": data}, LI), "已结算，请先撤销结算(2305)")
    neg = ok(c.pcall("2305", {"data": {**data, "setl_id": info["setl_id"]}}, LI))["output"]["setlinfo"]
    assert (neg["medfee_sumamt"], neg["hifp_pay"], neg["psn_cash_pay"]) == (-1300.0, -533.4, -766.6)
    assert neg["begndate"] == "2025-07-02" and neg["enddate"] == "2025-07-06"
    fails(c.pcall("2305", {"data": {**data, "setl_id": info["setl_id"]}}, LI), "已撤销，不能重复撤销")
    assert all(d["setl_id"] is None for d in _details(c, mdtrt_id))
    fails(c.pcall("2404", {"data": data}, LI), "已出院，请先撤销出院(2405)")
    ok(c.pcall("2405", {"data": data}, LI))
    assert _visit(c, mdtrt_id)["status"] == "admitted"
    fails(c.pcall("2404", {"data": data}, LI), "存在费用明细")
    fails(c.pcall("2302", {"data": [{"feedetl_sn": "NOPE", **data}]}, LI),
          "[data[0].feedetl_sn]费用明细流水号[NOPE]不存在")  # fmt: skip
    ok(c.pcall("2302", {"data": [{"feedetl_sn": second[0]["feedetl_sn"], **data}]}, LI))
    assert len(_details(c, mdtrt_id)) == 3
    ok(c.pcall("2302", {"data": {"feedetl_sn": "0000", **data}}, LI))
    assert _details(c, mdtrt_id) == []
    ok(c.pcall("2404", {"data": data}, LI))
    assert _visit(c, mdtrt_id)["status"] == "cancelled"
    fails(c.pcall("2404", {"data": data}, LI), "已撤销")


def test_2404_is_refused_while_details_remain(c: SClient) -> None:
    mdtrt_id = admit(c, LI)
    ok(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, BED, 1, 40)]}, LI))
    fails(c.pcall("2404", {"data": {"mdtrt_id": mdtrt_id, "psn_no": LI.psn_no}}, LI),
          f"就诊ID[{mdtrt_id}]存在费用明细，请先撤销费用明细(2302)")  # fmt: skip
    assert _visit(c, mdtrt_id)["status"] == "admitted"


def test_mid_settlement_then_final(c: SClient) -> None:
    mdtrt_id = admit(c, ZHANG)
    ok(c.pcall("2301", {"feedetail": [ipt_fee(ZHANG, mdtrt_id, BED, 10, 50)]}, ZHANG))
    mid = ok(c.pcall("2304", ipt_setl(ZHANG, mdtrt_id, 500, mid="1"), ZHANG))["output"]["setlinfo"]
    # 职工 310 住院: 起付线 600 > 500 -> all of it is deductible, the account pays
    assert (mid["act_pay_dedc"], mid["hifp_pay"], mid["acct_pay"]) == (500.0, 0.0, 500.0)
    ok(c.pcall("2301", {"feedetail": [ipt_fee(ZHANG, mdtrt_id, BED, 10, 50)]}, ZHANG))
    fails(c.pcall("2304", ipt_setl(ZHANG, mdtrt_id, 1000, mid="0"), ZHANG), "不一致")
    final = ok(c.pcall("2304", ipt_setl(ZHANG, mdtrt_id, 500, mid="0", acct_used_flag="0"), ZHANG))
    info = final["output"]["setlinfo"]
    assert (info["act_pay_dedc"], info["hifp_pay"], info["acct_pay"], info["psn_cash_pay"]) == (
        100.0, 340.0, 0.0, 160.0
    )
    fails(c.pcall("2304", ipt_setl(ZHANG, mdtrt_id, 0), ZHANG), "已完成结算")
    cum = ok(c.pcall("5206", {"data": {"psn_no": ZHANG.psn_no}}, ZHANG))["output"]["cuminfo"]
    by_code = {r["cum_type_code"]: r["cum"] for r in cum}
    assert (by_code["Q0000"], by_code["S0000"], by_code["C0000"]) == (600.0, 1000.0, 1.0)


def test_2403_changes_the_admission(c: SClient) -> None:
    mdtrt_id = admit(c, LI)
    info = admission(LI)["mdtrtinfo"]
    adminfo = {k: v for k, v in info.items() if k not in ("insutype", "mdtrt_cert_no", "ipt_no")}
    adminfo.update(mdtrt_id=mdtrt_id, ipt_otp_no=info["ipt_no"], adm_bed="99", med_type="22")
    fails(c.pcall("2403", {"adminfo": {**adminfo, "adm_bed": ""}}, LI), "[adminfo.adm_bed]不能为空")
    ok(c.pcall("2403", {"adminfo": adminfo, "diseinfo": [ipt_diag(LI, mdtrt_id=mdtrt_id, diag_code="S00.000")]}, LI))
    visit = _visit(c, mdtrt_id)
    assert (visit["info"]["adm_bed"], visit["med_type"]) == ("99", "22")
    rows = ok(c.pcall("5201", {"data": {"psn_no": LI.psn_no, "begntime": "2025-07-01 00:00:00",
                                        "endtime": "2025-07-31 00:00:00"}}, LI))["output"]["mdtrtinfo"]  # fmt: skip
    assert [(r["mdtrt_id"], r["med_type"], r["adm_bed"], r["inhosp_stas"]) for r in rows] == [
        (mdtrt_id, "22", "99", "1")
    ]
    # details carry the (new) med_type of the stay
    fails(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, BED, 1, 40)]}, LI), "[feedetail[0].med_type]")
    ok(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, BED, 1, 40, med_type="22")]}, LI))


def test_admission_rules(c: SClient) -> None:
    fails(c.pcall("2401", admission(ZHAO), ZHAO), "参保状态异常")
    bad = admission(LI)
    bad["diseinfo"][0]["psn_no"] = ZHANG.psn_no
    fails(c.pcall("2401", bad, LI), "[diseinfo[0].psn_no]")
    fails(c.pcall("2401", {"mdtrtinfo": admission(LI)["mdtrtinfo"]}, LI), "[diseinfo]不能为空")
    body = admission(LI, ipt_no="ZY-DUP")
    mdtrt_id = ok(c.pcall("2401", body, LI))["output"]["result"]["mdtrt_id"]
    fails(c.pcall("2401", body, LI), "[mdtrtinfo.ipt_no]住院号[ZY-DUP]已办理入院")
    fails(c.pcall("2401", admission(LI), LI), f"存在未出院的住院记录(mdtrt_id={mdtrt_id})")
    fails(c.pcall("2402", discharge(LI, mdtrt_id, endtime="2025-07-01 00:00:00"), LI), "[dscginfo.endtime]")


def test_refund_row_needs_its_original(c: SClient) -> None:
    mdtrt_id = admit(c, LI)
    fails(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, AMOXICILLIN, -1, 12)]}, LI),
          "[feedetail[0].init_feedetl_sn]不能为空")  # fmt: skip
    fails(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, AMOXICILLIN, -1, 12, init_feedetl_sn="X1")]}, LI),
          "原费用流水号[X1]不存在")  # fmt: skip


def test_2601_of_an_admission_removes_it(c: SClient) -> None:
    env = c.penv("2401", admission(LI), LI)
    mdtrt_id = ok(c.post(env).json())["output"]["result"]["mdtrt_id"]
    ok(c.pcall("2601", {"data": {"psn_no": LI.psn_no, "omsgid": env["msgid"], "oinfno": "2401"}}, LI))
    assert _visit(c, mdtrt_id)["status"] == "reversed"
    fails(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, BED, 1, 40)]}, LI), "不存在")
    admit(c, LI)  # the person is no longer "in hospital"


def test_2601_of_an_admission_with_details_is_refused(c: SClient) -> None:
    env = c.penv("2401", admission(LI), LI)
    mdtrt_id = ok(c.post(env).json())["output"]["result"]["mdtrt_id"]
    ok(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, BED, 1, 40)]}, LI))
    fails(c.pcall("2601", {"data": {"psn_no": LI.psn_no, "omsgid": env["msgid"], "oinfno": "2401"}}, LI),
          "存在费用明细或结算信息")  # fmt: skip


def test_2601_of_an_inpatient_settlement_and_of_its_cancel(c: SClient) -> None:
    mdtrt_id = admit(c, LI)
    ok(c.pcall("2301", {"feedetail": [ipt_fee(LI, mdtrt_id, BED, 2, 40)]}, LI))
    setl_env = c.penv("2304", ipt_setl(LI, mdtrt_id, 80), LI)
    setl_id = ok(c.post(setl_env).json())["output"]["setlinfo"]["setl_id"]
    cancel_env = c.penv("2305", {"data": {"mdtrt_id": mdtrt_id, "setl_id": setl_id, "psn_no": LI.psn_no}}, LI)
    ok(c.post(cancel_env).json())
    # reverse the cancel: the settlement is live again and owns its details
    ok(c.pcall("2601", {"data": {"psn_no": LI.psn_no, "omsgid": cancel_env["msgid"], "oinfno": "2305"}}, LI))
    s = {x["setl_id"]: x for x in c.settlements()["settlements"]}
    assert s[setl_id]["status"] == "live"
    assert {d["setl_id"] for d in _details(c, mdtrt_id)} == {setl_id}
    # then reverse the settlement itself: the details are unsettled again
    ok(c.pcall("2601", {"data": {"psn_no": LI.psn_no, "omsgid": setl_env["msgid"], "oinfno": "2304"}}, LI))
    assert {x["setl_id"]: x["status"] for x in c.settlements()["settlements"]}[setl_id] == "reversed"
    assert {d["setl_id"] for d in _details(c, mdtrt_id)} == {None}
    ok(c.pcall("2304", ipt_setl(LI, mdtrt_id, 80), LI))
