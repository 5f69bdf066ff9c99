"""Helpers for the 两定 tests: the seeded persons, input builders written from hsa.md §4.1–§4.3, small flows.

Builds on :class:`tests.simulators.hsa._support.Client` (hand-written envelopes, never hisbridge's client).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from tests.simulators.hsa._support import Client

_n = itertools.count(1)


@dataclass(frozen=True)
class P:
    psn_no: str
    name: str
    certno: str
    insutype: str
    insuplc: str
    ec_token: str
    card_no: str
    card_sn: str


#: the persons the simulator is seeded with (simulators.hsa.settlement.seed_persons)
ZHANG = P("360100000000000001", "张三", "36010219800101001X", "310", "360100", "EC3601000000000000000001",
          "A36010001", "360100D156000005000000000000A1B2")  # 职工, 账户 1234.56
LI = P("360100000000000002", "李四", "360102199003070022", "390", "360100", "EC3601000000000000000002",
       "A36010002", "360100D156000005000000000000A1B3")  # 居民, no account
WANG = P("440300000000000003", "王五", "440301197505050011", "310", "440300", "EC4403000000000000000003",
         "B44030003", "440300D156000005000000000000C3D4")  # 异地 (深圳参保), 账户 500.00
ZHAO = P("360100000000000004", "赵六", "360103196512120013", "310", "360100", "EC3601000000000000000004",
         "A36010004", "360100D156000005000000000000A1B5")  # 暂停参保
# fmt: skip

# items of the simulator's built-in catalogue
VISIT_FEE = "001102000010000"  # 甲类, 限价 20
BED = "002201000010000"  # 甲类, 限价 50
METFORMIN = "XA10BAA010A001010101234"  # 乙类 10%
AMOXICILLIN = "XJ01CAA040A001010104321"  # 甲类
SET = "C14020112345678901234"  # 乙类 20%, 限价 5
UNMATCHED = "XZZZZ99999Z000000000001"  # not in the catalogue -> 全自费


def uniq(prefix: str) -> str:
    return f"{prefix}{next(_n):06d}"


def ok(ans: dict) -> dict:
    assert ans["infcode"] == 0, ans
    return ans


def fails(ans: dict, fragment: str) -> None:
    assert ans["infcode"] == -1, ans
    assert fragment in ans["err_msg"], ans["err_msg"]
    assert ans["output"] is None


class SClient(Client):
    """A :class:`Client` that routes person transactions by the person's 参保地 (envelope ``insuplc_admdvs``)."""

    def pcall(self, infno: str, inp: Any, p: P, **over: Any) -> dict:
        return self.call(infno, inp, **{"insuplc_admdvs": p.insuplc, **over})

    def penv(self, infno: str, inp: Any, p: P, **over: Any) -> dict:
        return self.envelope(infno, inp, **{"insuplc_admdvs": p.insuplc, **over})

    def settlements(self) -> dict:
        return self.admin("settlements")


# ---------------------------------------------------------------------------------------------- builders


def reg(p: P, **over: Any) -> dict:  # 2201
    data = {
        "psn_no": p.psn_no, "insutype": p.insutype, "begntime": "2025-07-01 08:30:00", "mdtrt_cert_type": "02",
        "mdtrt_cert_no": p.certno, "ipt_otp_no": uniq("MZ"), "atddr_no": "D360100000001", "dr_name": "医生甲",
        "dept_code": "A03", "dept_name": "内科门诊", "caty": "A03",
    }  # fmt: skip
    data.update(over)
    return {"data": data}


def diag(**over: Any) -> dict:  # 2203 diseinfo row
    row = {
        "diag_type": "1", "diag_srt_no": 1, "diag_code": "E11.900", "diag_name": "2型糖尿病", "diag_dept": "内科",
        "dise_dor_no": "D360100000001", "dise_dor_name": "医生甲", "diag_time": "2025-07-01 08:40:00",
        "vali_flag": "1",
    }  # fmt: skip
    row.update(over)
    return row


def mdtrt(p: P, mdtrt_id: str, med_type: str = "11", **over: Any) -> dict:  # 2203
    info = {"mdtrt_id": mdtrt_id, "psn_no": p.psn_no, "med_type": med_type, "begntime": "2025-07-01 08:30:00",
            "main_cond_dscr": "口干多饮"}  # fmt: skip
    info.update(over)
    return {"mdtrtinfo": info, "diseinfo": [diag()]}


def fee(p: P, mdtrt_id: str, code: str, cnt: Any, pric: Any, det: Any = None, **over: Any) -> dict:  # 2204 row
    row = {
        "feedetl_sn": uniq("FD"), "mdtrt_id": mdtrt_id, "psn_no": p.psn_no, "chrg_bchno": "B1", "rx_circ_flag": "0",
        "fee_ocur_time": "2025-07-01 09:00:00", "med_list_codg": code, "medins_list_codg": "H" + code[:10],
        "det_item_fee_sumamt": det if det is not None else round(float(cnt) * float(pric), 2), "cnt": cnt,
        "pric": pric, "bilg_dept_codg": "A03", "bilg_dept_name": "内科门诊", "bilg_dr_codg": "D360100000001",
        "bilg_dr_name": "医生甲", "hosp_appr_flag": "0",
    }  # fmt: skip
    row.update(over)
    return row


def setl(p: P, mdtrt_id: str, medfee: Any, chrg_bchno: str = "B1", **over: Any) -> dict:  # 2206 / 2207
    data = {
        "psn_no": p.psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": p.certno, "med_type": "11",
        "medfee_sumamt": medfee, "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": chrg_bchno,
        "acct_used_flag": "1", "insutype": p.insutype,
    }  # fmt: skip
    data.update(over)
    return {"data": data}


def outpatient_fees(p: P, mdtrt_id: str, chrg_bchno: str = "B1") -> list[dict]:
    """Four rows, medfee 133.04: 诊察费 over its 限价, a 乙类 drug, a 甲类 drug, an item not in the catalogue."""
    return [
        fee(p, mdtrt_id, VISIT_FEE, 1, 25, chrg_bchno=chrg_bchno),  # 25.00: overlmt 5.00, inscp 20.00
        fee(p, mdtrt_id, METFORMIN, 2, 30.5, chrg_bchno=chrg_bchno),  # 61.00: pre 6.10, inscp 54.90
        fee(p, mdtrt_id, AMOXICILLIN, 3, "12.345", 37.04, chrg_bchno=chrg_bchno),  # 37.04: inscp 37.04
        fee(p, mdtrt_id, UNMATCHED, 1, 10, chrg_bchno=chrg_bchno),  # 10.00: 全自费
    ]


def open_visit(c: SClient, p: P = ZHANG) -> str:
    """2201 + 2203; the mdtrt_id."""
    mdtrt_id = ok(c.pcall("2201", reg(p), p))["output"]["data"]["mdtrt_id"]
    ok(c.pcall("2203", mdtrt(p, mdtrt_id), p))
    return mdtrt_id


def settled_visit(c: SClient, p: P = ZHANG) -> tuple[str, dict, str]:
    """A visit with the four outpatient rows settled by 2207: (mdtrt_id, setlinfo, 2207 msgid)."""
    mdtrt_id = open_visit(c, p)
    ok(c.pcall("2204", {"feedetail": outpatient_fees(p, mdtrt_id)}, p))
    env = c.penv("2207", setl(p, mdtrt_id, 133.04), p)
    ans = ok(c.post(env).json())
    return mdtrt_id, ans["output"]["setlinfo"], env["msgid"]


# ---------------------------------------------------------------------------------------------- inpatient


def ipt_diag(p: P, **over: Any) -> dict:  # 2401 / 2402 diseinfo row
    row = {
        "psn_no": p.psn_no, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": 1, "diag_code": "J18.900",
        "diag_name": "肺炎", "adm_cond": "一般", "diag_dept": "呼吸内科", "dise_dor_no": "D360100000002",
        "dise_dor_name": "医生乙", "diag_time": "2025-07-02 10:00:00",
    }  # fmt: skip
    row.update(over)
    return row


def admission(p: P, **over: Any) -> dict:  # 2401
    info = {
        "psn_no": p.psn_no, "insutype": p.insutype, "coner_name": "家属", "tel": "13900000000",
        "begntime": "2025-07-02 10:00:00", "mdtrt_cert_type": "02", "mdtrt_cert_no": p.certno, "med_type": "21",
        "ipt_no": uniq("ZY"), "atddr_no": "D360100000002", "chfpdr_name": "医生乙", "adm_diag_dscr": "肺炎",
        "adm_dept_codg": "A04", "adm_dept_name": "呼吸内科", "adm_bed": "12", "dscg_maindiag_code": "J18.900",
        "dscg_maindiag_name": "肺炎",
    }  # fmt: skip
    info.update(over)
    return {"mdtrtinfo": info, "diseinfo": [ipt_diag(p)]}


def ipt_fee(p: P, mdtrt_id: str, code: str, cnt: Any, pric: Any, **over: Any) -> dict:  # 2301 row
    row = {
        "feedetl_sn": uniq("ZD"), "mdtrt_id": mdtrt_id, "psn_no": p.psn_no, "med_type": "21",
        "fee_ocur_time": "2025-07-03 09:00:00", "med_list_codg": code, "medins_list_codg": "H" + code[:10],
        "det_item_fee_sumamt": round(float(cnt) * float(pric), 2), "cnt": cnt, "pric": pric,
        "bilg_dept_codg": "A04", "bilg_dept_name": "呼吸内科", "bilg_dr_codg": "D360100000002",
        "bilg_dr_name": "医生乙",
    }  # fmt: skip
    row.update(over)
    return row


def ipt_setl(p: P, mdtrt_id: str, medfee: Any, mid: str = "0", **over: Any) -> dict:  # 2303 / 2304
    data = {
        "psn_no": p.psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": p.certno, "medfee_sumamt": medfee,
        "psn_setlway": "01", "mdtrt_id": mdtrt_id, "insutype": p.insutype, "acct_used_flag": "1",
        "mid_setl_flag": mid,
    }  # fmt: skip
    data.update(over)
    return {"data": data}


def discharge(p: P, mdtrt_id: str, **over: Any) -> dict:  # 2402
    info = {
        "mdtrt_id": mdtrt_id, "psn_no": p.psn_no, "insutype": p.insutype, "endtime": "2025-07-06 10:00:00",
        "dscg_dept_codg": "A04", "dscg_dept_name": "呼吸内科", "dscg_way": "1",
    }  # fmt: skip
    info.update(over)
    return {"dscginfo": info, "diseinfo": [ipt_diag(p, diag_time="2025-07-06 09:00:00")]}


def admit(c: SClient, p: P = LI) -> str:
    return ok(c.pcall("2401", admission(p), p))["output"]["result"]["mdtrt_id"]
