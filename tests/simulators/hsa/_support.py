"""Test helpers: a tiny hand-written client for the simulator (never hisbridge's), rows that satisfy hsa.md.

Gateway signatures are computed here from the formulas in the brief, independently of simulators.hsa.signing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import secrets
import time
import uuid
from datetime import datetime
from typing import Any

import requests

CALL_PATH = "/fsi/api/rsfComIfsService/callService"
FIXMEDINS = "H36010000001"
PAASID = "hisbridge-test"
SECRET = secrets.token_hex(16)  # generated per test session, never a constant

_seq = itertools.count(1)
_codes = itertools.count(1)


def trace_code() -> str:
    """A fresh, well-formed 20-digit 药品追溯码."""
    return f"8{next(_codes):019d}"


def tif_headers(
    paasid: str = PAASID, secret: str = SECRET, *, ts: int | None = None, nonce: str | None = None
) -> dict:
    ts_s = str(int(time.time()) if ts is None else ts)
    nonce = nonce or uuid.uuid4().hex
    sig = hashlib.sha256((ts_s + secret + nonce + ts_s).encode("utf-8")).hexdigest()
    return {"x-tif-paasid": paasid, "x-tif-timestamp": ts_s, "x-tif-nonce": nonce, "x-tif-signature": sig}


def csb_headers(
    api_name: str, ak: str = PAASID, secret: str = SECRET, *, ts_ms: int | None = None, version: str = "1.0.0"
) -> dict:
    ts = str(int(time.time() * 1000) if ts_ms is None else ts_ms)
    msg = f"_api_access_key={ak}&_api_name={api_name}&_api_timestamp={ts}&_api_version={version}"
    sig = base64.b64encode(hmac.new(secret.encode(), msg.encode(), hashlib.sha1).digest()).decode()
    return {
        "_api_name": api_name,
        "_api_version": version,
        "_api_timestamp": ts,
        "_api_access_key": ak,
        "_api_signature": sig,
    }


def new_msgid(fixmedins_code: str = FIXMEDINS) -> str:
    return f"{fixmedins_code}{datetime.now():%Y%m%d%H%M%S}{next(_seq) % 10000:04d}"


class Client:
    """Builds envelopes by hand from hsa.md §2.1 and posts them with requests."""

    def __init__(self, base_url: str, *, auth: str = "none", fixmedins_code: str = FIXMEDINS) -> None:
        self.url = base_url + CALL_PATH
        self.base_url = base_url
        self.auth = auth
        self.fixmedins_code = fixmedins_code
        self.session = requests.Session()
        self.sign_no: str | None = None

    def envelope(self, infno: str, inp: Any, **over: Any) -> dict:
        env = {
            "infno": infno,
            "msgid": new_msgid(self.fixmedins_code),
            "mdtrtarea_admvs": "360100",
            "insuplc_admdvs": "",
            "recer_sys_code": "YBXT",
            "dev_no": "",
            "dev_safe_info": "",
            "cainfo": "",
            "signtype": "",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": "0001",
            "opter_name": "药房甲",
            "inf_time": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": self.fixmedins_code,
            "fixmedins_name": "南昌市第一医院",
            "sign_no": self.sign_no or "",
            "input": inp,
        }
        env.update(over)
        return env

    def auth_headers(self, infno: str) -> dict:
        if self.auth == "tif":
            return tif_headers()
        if self.auth == "csb":
            return csb_headers(infno)
        return {}

    def post(
        self, env: Any, *, headers: dict | None = None, url: str | None = None, **kw: Any
    ) -> requests.Response:
        infno = env.get("infno", "") if isinstance(env, dict) else ""
        h = {**self.auth_headers(str(infno)), **(headers or {})}
        return self.session.post(url or self.url, json=env, headers=h, timeout=kw.pop("timeout", 10), **kw)

    def call(self, infno: str, inp: Any, *, headers: dict | None = None, **over: Any) -> dict:
        r = self.post(self.envelope(infno, inp, **over), headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    def sign_in(self) -> str:
        ans = self.call(
            "9001", {"signIn": {"opter_no": "0001", "mac": "00-16-3E-00-00-01", "ip": "10.0.0.8"}}
        )
        assert ans["infcode"] == 0, ans
        self.sign_no = ans["output"]["signinoutb"]["sign_no"]
        return self.sign_no

    def admin(self, path: str) -> Any:
        r = self.session.get(f"{self.base_url}/__admin__/{path}", timeout=10)
        r.raise_for_status()
        return r.json()


# ---------------------------------------------------------------------------------------------- valid rows

MED = "XA01ABA123A001010100001"
BCHNO = "PH2025000001"


def inv_row(**over: Any) -> dict:  # 3501
    row = {
        "med_list_codg": MED,
        "fixmedins_hilist_id": "Y0001",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "rx_flag": "1",
        "invdate": "2025-06-30",
        "inv_cnt": 100,
        "manu_lotnum": "L2501",
        "fixmedins_bchno": BCHNO,
        "manu_date": "2025-01-01",
        "expy_end": "2027-01-01",
        "drugtracinfo": [{"drug_trac_codg": trace_code()}],
    }
    row.update(over)
    return row


def chg_row(**over: Any) -> dict:  # 3502
    row = {
        "med_list_codg": MED,
        "inv_chg_type": "101",
        "fixmedins_hilist_id": "Y0001",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": BCHNO,
        "pric": "12.500000",
        "cnt": 10,
        "rx_flag": "1",
        "inv_chg_time": "2025-07-01 09:00:00",
        "trdn_flag": "0",
        "drugtracinfo": [],
    }
    row.update(over)
    return row


def purc_row(**over: Any) -> dict:  # 3503
    row = {
        "med_list_codg": MED,
        "fixmedins_hilist_id": "Y0001",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": BCHNO,
        "spler_name": "江西某医药有限公司",
        "manu_lotnum": "L2501",
        "prodentp_name": "某制药厂",
        "aprvno": "国药准字H00000000",
        "manu_date": "2025-01-01",
        "expy_end": "2027-01-01",
        "finl_trns_pric": 12.5,
        "purc_retn_cnt": 50,
        "rx_flag": "1",
        "purc_retn_stoin_time": "2025-07-01 08:00:00",
        "purc_retn_opter_name": "采购员甲",
        "prod_geay_flag": "0",
    }
    row.update(over)
    return row


def purc_ret_row(**over: Any) -> dict:  # 3504
    row = {
        "med_list_codg": MED,
        "fixmedins_hilist_id": "Y0001",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": BCHNO,
        "spler_name": "江西某医药有限公司",
        "manu_date": "2025-01-01",
        "expy_end": "2027-01-01",
        "purc_retn_cnt": 5,
        "purc_invo_no": "INV0001",
        "rx_flag": "1",
        "purc_retn_stoin_time": "2025-07-02 08:00:00",
        "purc_retn_opter_name": "采购员甲",
    }
    row.update(over)
    return row


def sel_row(*codes: str, **over: Any) -> dict:  # 3505
    row = {
        "med_list_codg": MED,
        "fixmedins_hilist_id": "Y0001",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": BCHNO,
        "prsc_dr_name": "医生甲",
        "phar_name": "药师乙",
        "phar_prac_cert_no": "ZY0001",
        "hi_feesetl_type": "1",
        "setl_id": "S0001",
        "mdtrt_sn": "MZ20250701001",
        "psn_cert_type": "01",
        "manu_lotnum": "L2501",
        "manu_date": "2025-01-01",
        "expy_end": "2027-01-01",
        "rx_flag": "1",
        "trdn_flag": "0",
        "rx_circ_flag": "0",
        "rtal_docno": "R0001",
        "sel_retn_cnt": 1,
        "sel_retn_time": "2025-07-01 10:00:00",
        "sel_retn_opter_name": "药师乙",
        "mdtrt_setl_type": "1",
        "drugtracinfo": [{"drug_trac_codg": c} for c in (codes or (trace_code(),))],
    }
    row.update(over)
    return row


def ret_row(*codes: str, **over: Any) -> dict:  # 3506
    row = {
        "med_list_codg": MED,
        "fixmedins_hilist_id": "Y0001",
        "fixmedins_hilist_name": "阿莫西林胶囊",
        "fixmedins_bchno": BCHNO,
        "psn_cert_type": "01",
        "manu_lotnum": "L2501",
        "manu_date": "2025-01-01",
        "rx_flag": "1",
        "trdn_flag": "0",
        "sel_retn_cnt": 1,
        "sel_retn_time": "2025-07-02 10:00:00",
        "sel_retn_opter_name": "药师乙",
        "mdtrt_sn": "MZ20250701001",
        "drugtracinfo": [{"drug_trac_codg": c} for c in codes],
    }
    row.update(over)
    return row
