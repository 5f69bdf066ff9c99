"""The demo's 医保 real-time gateway step: one outpatient visit settled through the gateway, as the HIS would do
it (token, 1101 → 2201 → 2203 → 2204 → 2206 → 2207), against the demo's simulator and ledger.

The gateway app runs in-process (its ASGI app driven over HTTP semantics by Starlette's client): the same app
Airflow mounts at ``/hsa-gateway`` and ``python -m hisbridge gateway serve`` runs under uvicorn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: 张三, one of the simulator's seeded insured persons (his identifiers are the simulator's, not the demo HIS's)
PERSON = {"mdtrt_cert_type": "02", "mdtrt_cert_no": "36010219800101001X", "psn_cert_type": "01",
          "certno": "36010219800101001X", "psn_name": "张三"}
DRUG, CONSULT = "XJ01CAA040A001010104321", "001102000010000"


def outpatient_settlement(ledger, settings, echo: Callable[[str], None]) -> dict[str, Any]:
    """Settle one visit through the gateway; returns the 2207 request, its parsed answer and its journal entry."""
    from fastapi.testclient import TestClient

    from hisbridge.platforms.hsa.gateway.app import create_gateway_app
    from hisbridge.platforms.hsa.gateway.service import HsaGateway
    from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash
    from hisbridge.platforms.hsa.gateway.wiring import ClientsPerOperator

    token = new_token()
    ledger.add_token(HsaGateway.SERVICE, "HIS 门诊收费（演示）", token_hash(token), "demo")
    gateway = HsaGateway(ledger, ClientsPerOperator(settings.model_copy(update={"opter": "sf001",
                                                                                "opter_name": "收费员"}), ledger))
    with TestClient(create_gateway_app(lambda: gateway), base_url="http://hisbridge") as http:
        http.headers["Authorization"] = f"Bearer {token}"

        def post(infno: str, body: Any, area: str = "") -> dict[str, Any]:
            answer = http.post(f"/hsa/v1/{infno}", json=body, params={"insuplc_admdvs": area} if area else {})
            if answer.status_code != 200:
                raise RuntimeError(f"gateway {infno}: {answer.status_code} {answer.json()['error']['message']}")
            return answer.json()

        person = post("1101", PERSON)["output"]
        psn_no, insu = person["baseinfo"]["psn_no"], person["insuinfo"][0]
        area = insu["insuplc_admdvs"]
        reg = post("2201", {"psn_no": psn_no, "insutype": insu["insutype"], "begntime": "2026-11-24 09:00:00",
                            "mdtrt_cert_type": "02", "mdtrt_cert_no": PERSON["certno"], "ipt_otp_no": "MZDEMO0001",
                            "atddr_no": "D001", "dr_name": "李医生", "dept_code": "0301", "dept_name": "内科门诊",
                            "caty": "03"}, area)
        mdtrt_id = reg["output"]["data"]["mdtrt_id"]
        post("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "11",
                                    "begntime": "2026-11-24 09:05:00"},
                      "diseinfo": [{"diag_type": "1", "diag_srt_no": 1, "diag_code": "J06.900",
                                    "diag_name": "急性上呼吸道感染", "diag_dept": "内科门诊", "dise_dor_no": "D001",
                                    "dise_dor_name": "李医生", "diag_time": "2026-11-24 09:06:00",
                                    "vali_flag": "1"}]}, area)
        post("2204", [_fee(mdtrt_id, psn_no, "FD-1", CONSULT, "15.00", 1), _fee(mdtrt_id, psn_no, "FD-2", DRUG,
                                                                                "12.50", 2)], area)
        settle = {"psn_no": psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": PERSON["certno"], "med_type": "11",
                  "medfee_sumamt": "40.00", "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": "DEMO-B1",
                  "acct_used_flag": "1", "insutype": insu["insutype"]}
        post("2206", settle, area)
        answer = post("2207", settle, area)
    entry = next(e for e in ledger.journal_entries(platform="hsa") if e["msgid"] == answer["msgid"])
    info = answer["output"]["setlinfo"]
    echo("4. 医保实时网关：一次门诊结算（HIS → POST /hsa/v1/2207）")
    echo(f"   请求：mdtrt_id={mdtrt_id} chrg_bchno={settle['chrg_bchno']} medfee_sumamt={settle['medfee_sumamt']}"
         f"（另含人员编号等，台账全文留存，日志不记录）")
    echo(f"   应答：setl_id={info['setl_id']} 医疗费总额 {info['medfee_sumamt']} = 基金支付 {info['fund_pay_sumamt']}"
         f" + 个人账户 {info['acct_pay']} + 现金 {info['psn_cash_pay']}")
    echo(f"   留痕：call_journal #{entry['id']} msgid={entry['msgid']} {entry['outcome']} 调用方「{entry['caller']}」"
         f" {entry['duration_ms']} ms（请求报文与应答原文在台账中）")
    return {"request": settle, "answer": answer, "journal": entry}


def _fee(mdtrt_id: str, psn_no: str, sn: str, code: str, pric: str, cnt: int) -> dict[str, Any]:
    return {"feedetl_sn": sn, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "chrg_bchno": "DEMO-B1",
            "rx_circ_flag": "0", "fee_ocur_time": "2026-11-24 09:10:00", "med_list_codg": code,
            "medins_list_codg": f"HIS-{sn}", "det_item_fee_sumamt": f"{float(pric) * cnt:.2f}", "cnt": cnt,
            "pric": pric, "bilg_dept_codg": "0301", "bilg_dept_name": "内科门诊", "bilg_dr_codg": "D001",
            "bilg_dr_name": "李医生", "hosp_appr_flag": "0"}
