"""Through the gateway, as the HIS calls it, against the stateful 医保 simulator and a PostgreSQL ledger: a whole
outpatient visit and a whole inpatient stay with their revokes, a lost settlement answer reversed by 2601, a
crash between send and answer resolved at restart, a sign-in renewed on expiry, a platform refusal shown in the
platform's words — and every call in the journal."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hisbridge.platforms.hsa.gateway.app import create_gateway_app
from hisbridge.platforms.hsa.gateway.service import HsaGateway, Operator, validated
from hisbridge.platforms.hsa.gateway.wiring import ClientsPerOperator
from simulators.hsa.faults import FaultRule

from .conftest import settings_for

ZHANG_SAN = {"mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X", "psn_cert_type": "01",
             "certno": "36010219800101001X", "psn_name": "张三"}
DRUG, CONSULT = "XJ01CAA040A001010104321", "001102000010000"


AREA = "360100"  # 张三's 参保地 (1101 insuinfo.insuplc_admdvs): every call about him carries it


def call(rig, infno: str, body):
    return rig.post(infno, body, insuplc_admdvs=AREA)


def ok(answer) -> dict:
    assert answer.status_code == 200, answer.text
    return answer.json()


def person(rig) -> tuple[str, str]:
    out = ok(rig.post("1101", ZHANG_SAN))["output"]
    insu = out["insuinfo"][0]
    return out["baseinfo"]["psn_no"], insu["insutype"]


def fee(mdtrt_id: str, psn_no: str, sn: str, code: str, pric: str, cnt: int, batch: str) -> dict:
    return {"feedetl_sn": sn, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "chrg_bchno": batch, "rx_circ_flag": "0",
            "fee_ocur_time": "2026-11-29 09:10:00", "med_list_codg": code, "medins_list_codg": f"HIS{sn}",
            "det_item_fee_sumamt": str(round(float(pric) * cnt, 2)), "cnt": cnt, "pric": pric,
            "bilg_dept_codg": "0301", "bilg_dept_name": "内科门诊", "bilg_dr_codg": "D001", "bilg_dr_name": "李医生",
            "hosp_appr_flag": "0"}


def outpatient_until_presettled(rig, batch: str = "B1") -> dict:
    psn_no, insutype = person(rig)
    reg = ok(call(rig, "2201", {"psn_no": psn_no, "insutype": insutype, "begntime": "2026-11-29 09:00:00",
                               "mdtrt_cert_type": "02", "mdtrt_cert_no": ZHANG_SAN["certno"],
                               "ipt_otp_no": f"MZ{batch}", "atddr_no": "D001", "dr_name": "李医生",
                               "dept_code": "0301", "dept_name": "内科门诊", "caty": "03"}))
    mdtrt_id = reg["output"]["data"]["mdtrt_id"]
    ok(call(rig, "2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "11",
                                       "begntime": "2026-11-29 09:05:00"},
                         "diseinfo": [{"diag_type": "1", "diag_srt_no": 1, "diag_code": "J06.900",
                                       "diag_name": "急性上呼吸道感染", "diag_dept": "内科门诊",
                                       "dise_dor_no": "D001", "dise_dor_name": "李医生",
                                       "diag_time": "2026-11-29 09:06:00", "vali_flag": "1"}]}))
    details = ok(call(rig, "2204", [fee(mdtrt_id, psn_no, f"{batch}-1", CONSULT, "15.00", 1, batch),
                                   fee(mdtrt_id, psn_no, f"{batch}-2", DRUG, "12.50", 2, batch)]))
    assert len(details["output"]["result"]) == 2
    settle = {"psn_no": psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": ZHANG_SAN["certno"], "med_type": "11",
              "medfee_sumamt": "40.00", "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": batch,
              "acct_used_flag": "1", "insutype": insutype}
    pre = ok(call(rig, "2206", settle))["output"]["setlinfo"]
    assert float(pre["medfee_sumamt"]) == 40.0
    return settle


def test_a_whole_outpatient_visit_settled_then_revoked_and_every_call_journalled(rig) -> None:
    settle = outpatient_until_presettled(rig)
    setl = ok(call(rig, "2207", settle))
    info = setl["output"]["setlinfo"]
    assert float(info["fund_pay_sumamt"]) + float(info["acct_pay"]) + float(info["psn_cash_pay"]) == \
        float(info["medfee_sumamt"]) == 40.0
    revoke = ok(call(rig, "2208", {"setl_id": info["setl_id"], "mdtrt_id": settle["mdtrt_id"],
                                  "psn_no": settle["psn_no"]}))
    assert float(revoke["output"]["setlinfo"]["medfee_sumamt"]) == -40.0
    # the details are unsettled again: revoke them and the registration
    ok(call(rig, "2205", {"mdtrt_id": settle["mdtrt_id"], "chrg_bchno": "0000", "psn_no": settle["psn_no"]}))
    ok(call(rig, "2202", {"psn_no": settle["psn_no"], "mdtrt_id": settle["mdtrt_id"], "ipt_otp_no": "MZB1"}))
    journal = rig.journal()
    assert [e["operation"] for e in journal] == ["1101", "2201", "2203", "2204", "2206", "2207", "2208", "2205",
                                                 "2202"]
    assert {e["outcome"] for e in journal} == {"acknowledged"} and {e["caller"] for e in journal} == {"HIS 门诊收费"}
    settled = journal[5]
    assert settled["msgid"] == setl["msgid"] and '"infno":"2207"' in settled["request"]
    assert settled["business_ref"] == settle["mdtrt_id"] and settled["response"] and settled["duration_ms"] >= 0


def test_a_platform_refusal_reaches_the_his_in_the_platforms_words(rig) -> None:
    settle = outpatient_until_presettled(rig)
    answer = call(rig, "2207", {**settle, "medfee_sumamt": "41.00"})  # not the sum of the uploaded details
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "platform_refused" and error["platform"]["err_msg"]
    assert error["platform"]["err_msg"] in error["message"]
    assert rig.journal()[-1]["outcome"] == "rejected"


def test_a_lost_settlement_answer_is_reversed_by_2601_and_the_his_may_simply_retry(rig) -> None:
    settle = outpatient_until_presettled(rig)
    rig.sim.faults.add(FaultRule(kind="http_502_after", infno="2207", times=1))  # processed, answer lost
    answer = call(rig, "2207", settle)
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "reversed_retry" and error["reversal_msgid"]
    journal = {e["msgid"]: e for e in rig.journal()}
    assert journal[error["msgid"]]["outcome"] == "reversed"
    reversal = journal[error["reversal_msgid"]]
    assert reversal["operation"] == "2601" and reversal["business_ref"] == error["msgid"]
    assert reversal["outcome"] == "acknowledged"
    # the platform holds no settlement now, so the retry settles exactly once
    again = ok(call(rig, "2207", settle))
    live = [s for s in rig.sim.state.settlement.settlements.values() if s.status == "live"]
    assert [s.setl_id for s in live] == [again["output"]["setlinfo"]["setl_id"]]


def test_a_gateway_that_died_between_send_and_answer_reverses_the_call_at_restart(rig, sim) -> None:
    settle = outpatient_until_presettled(rig)
    # the process "dies" after recording the call as leaving: send it, and leave the journal entry in flight
    gateway = rig.gateway
    txn = gateway.transaction("2207")
    payload = validated(txn, settle)
    client = gateway.client_for(Operator())
    _, msgid = gateway._journal_begin(txn, client.next_msgid, payload, "HIS 门诊收费", AREA)
    client.call("2207", payload, msgid=msgid, insuplc_admdvs=AREA, wire=True)  # settled on the platform; the answer dies with us
    assert [e["outcome"] for e in rig.journal()][-1] == "in_flight"

    restarted = HsaGateway(rig.ledger, ClientsPerOperator(settings_for(sim), rig.ledger))
    with TestClient(create_gateway_app(lambda: restarted, resolve_after_s=60)) as http:
        assert http.get("/hsa/v1/health").status_code == 200
    assert [e["outcome"] for e in rig.journal()][-1] == "in_flight", "a call this young may be another worker's"
    with TestClient(create_gateway_app(lambda: restarted, resolve_after_s=0)) as http:  # …later
        assert http.get("/hsa/v1/health").status_code == 200
    by_msgid = {e["msgid"]: e for e in rig.journal()}
    assert by_msgid[msgid]["outcome"] == "reversed"
    assert [e["operation"] for e in rig.journal()][-1] == "2601"
    assert not [s for s in sim.state.settlement.settlements.values() if s.status == "live"]


def test_an_expired_sign_in_is_renewed_without_the_his_noticing(rig) -> None:
    person(rig)
    assert rig.sim.state.expire_sign_ins() >= 1
    psn_no, _ = person(rig)
    assert psn_no
    sign_ins = [m for m in rig.sim.state.journal.values() if m.get("infno") == "9001"]
    assert len(sign_ins) == 2, "signed in again once, transparently"
    assert [e["outcome"] for e in rig.journal()] == ["acknowledged", "acknowledged"]


def test_a_whole_inpatient_stay_with_its_revokes(rig) -> None:
    psn_no, insutype = person(rig)
    admit = ok(call(rig, "2401", {
        "mdtrtinfo": {"psn_no": psn_no, "insutype": insutype, "coner_name": "张三家属", "tel": "13800000009",
                      "begntime": "2026-11-29 10:00:00", "mdtrt_cert_type": "02",
                      "mdtrt_cert_no": ZHANG_SAN["certno"], "med_type": "21", "ipt_no": "ZY20261129001",
                      "medrcdno": "BA001", "atddr_no": "D002", "chfpdr_name": "周医生",
                      "adm_diag_dscr": "肺炎", "adm_dept_codg": "0401", "adm_dept_name": "呼吸内科",
                      "adm_bed": "12", "dscg_maindiag_code": "J18.900", "dscg_maindiag_name": "肺炎"},
        "diseinfo": [{"psn_no": psn_no, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": 1,
                      "diag_code": "J18.900", "diag_name": "肺炎", "adm_cond": "一般", "diag_dept": "呼吸内科",
                      "dise_dor_no": "D002", "dise_dor_name": "周医生", "diag_time": "2026-11-29 10:05:00"}],
    }))
    mdtrt_id = admit["output"]["result"]["mdtrt_id"]
    bed = fee(mdtrt_id, psn_no, "ZY-1", "002201000010000", "50.00", 3, "ZB1")
    del bed["chrg_bchno"], bed["rx_circ_flag"]  # 2301 rows carry the stay's medical type instead
    bed["med_type"] = "21"
    ok(call(rig, "2301", [bed]))
    settle = {"psn_no": psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": ZHANG_SAN["certno"],
              "medfee_sumamt": "150.00", "psn_setlway": "01", "mdtrt_id": mdtrt_id, "insutype": insutype,
              "acct_used_flag": "0", "mid_setl_flag": "0",
              # optional in our declaration (one source requires them, hsa.md §4.3); this simulator does
              "fulamt_ownpay_amt": "0", "overlmt_selfpay": "0", "preselfpay_amt": "0", "inscp_scp_amt": "150.00"}
    ok(call(rig, "2303", settle))
    setl = ok(call(rig, "2304", settle))["output"]["setlinfo"]
    ok(call(rig, "2305", {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "setl_id": setl["setl_id"]}))
    ok(call(rig, "2302", [{"feedetl_sn": "0000", "mdtrt_id": mdtrt_id, "psn_no": psn_no}]))
    ok(call(rig, "2404", {"psn_no": psn_no, "mdtrt_id": mdtrt_id}))
    assert [e["outcome"] for e in rig.journal()][-7:] == ["acknowledged"] * 7


def test_a_busy_platform_is_try_later_and_a_missing_record_is_not_found(rig) -> None:
    psn_no, _ = person(rig)
    rig.sim.faults.add(FaultRule(kind="infcode_-1", infno="1101", times=1))  # "系统繁忙，请稍后再试"
    busy = rig.post("1101", ZHANG_SAN)
    assert busy.status_code == 503
    error = busy.json()["error"]
    assert error["code"] == "platform_busy" and error["platform"]["meaning"] == "try_later"
    assert rig.journal()[-1]["outcome"] == "busy"
    gone = call(rig, "2601", {"psn_no": psn_no, "omsgid": "H36010000001202611290000009999", "oinfno": "2207"})
    assert gone.status_code == 409
    assert gone.json()["error"]["platform"]["meaning"] == "not_found"  # 原交易不存在: nothing to undo


def test_an_unconfirmed_reversal_leaves_the_call_in_flight_until_a_later_one_succeeds(rig) -> None:
    settle = outpatient_until_presettled(rig)
    rig.sim.faults.add(FaultRule(kind="http_502_after", infno="2207", times=1))   # settled, answer lost
    rig.sim.faults.add(FaultRule(kind="http_500_before", infno="2601", times=1))  # the reversal does not get through
    answer = call(rig, "2207", settle)
    assert answer.status_code == 504 and answer.json()["error"]["code"] == "outcome_unknown"
    original = answer.json()["error"]["msgid"]
    assert {e["msgid"]: e for e in rig.journal()}[original]["outcome"] == "in_flight"
    assert [s.status for s in rig.sim.state.settlement.settlements.values()] == ["live"]

    assert rig.gateway.resolve_in_flight() == 1  # what the next start (or `gateway resolve`) does
    assert {e["msgid"]: e for e in rig.journal()}[original]["outcome"] == "reversed"
    assert [s.status for s in rig.sim.state.settlement.settlements.values()] == ["reversed"]
