"""Test doubles for the 医保 client tests: a recording transport adapter, canned answers, sample rows.

``CannedAdapter`` is mounted on a real ``requests.Session``: the client builds, signs and posts exactly as in
production, and the adapter answers with canned ``Response`` objects (or raises the exception ``requests`` would
raise) and records every request it was given.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from hisbridge.platforms.hsa.msgid import SHANGHAI

FIXED_NOW = datetime(2026, 11, 24, 9, 30, 15, tzinfo=SHANGHAI)
CODE = "H36010000001"


@dataclass
class Sent:
    request: requests.PreparedRequest
    timeout: Any

    @property
    def envelope(self) -> dict[str, Any]:
        return json.loads(self.request.body)


Answer = requests.Response | BaseException | Callable[[requests.PreparedRequest], "Answer"]


class CannedAdapter(HTTPAdapter):
    """Answers each request with the next canned answer; records what was sent."""

    def __init__(self, *answers: Answer) -> None:
        super().__init__()
        self.answers: deque[Answer] = deque(answers)
        self.sent: list[Sent] = []

    def queue(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: ARG002
        self.sent.append(Sent(request, timeout))
        if not self.answers:
            raise AssertionError("the client sent more requests than the test expected")
        answer = self.answers.popleft()
        while callable(answer) and not isinstance(answer, requests.Response):
            answer = answer(request)
        if isinstance(answer, BaseException):
            raise answer
        answer.request = request
        answer.url = request.url
        return answer

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        return [sent.envelope for sent in self.sent]


def respond(
    body: Any = None,
    *,
    status: int = 200,
    text: str | None = None,
    content_type: str = "application/json;charset=UTF-8",
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    raw = text if text is not None else json.dumps(body, ensure_ascii=False)
    response._content = raw.encode("utf-8")
    response.headers["Content-Type"] = content_type
    response.encoding = "utf-8"
    return response


def ok(output: dict | None = None, **envelope: Any) -> requests.Response:
    body = {
        "infcode": 0,
        "inf_refmsgid": "360100202611240930150000000001",
        "refmsg_time": "20261124093015012",
        "respond_time": "20261124093015130",
        "err_msg": None,
        "warn_msg": None,
        "output": output,
    }
    body.update(envelope)
    return respond(body)


def refused(err_msg: str, infcode: Any = -1) -> requests.Response:
    return respond({"infcode": infcode, "inf_refmsgid": "", "err_msg": err_msg, "output": None})


def signed_in(sign_no: str = "360100202611240800000000000001") -> requests.Response:
    return ok({"signinoutb": {"sign_time": "2026-11-24 08:00:00", "sign_no": sign_no}})


SETTINGS = dict(
    base_url="https://hsa-gw.test:8443",
    fixmedins_code=CODE,
    fixmedins_name="南昌市第一医院",
    mdtrtarea_admvs="360100",
    recer_sys_code="YBXT",
    auth="none",
    opter="hb01",
    opter_name="接口平台",
    ip="10.0.0.5",
    mac="00-11-22-33-44-55",
)


def sale_row(**overrides: Any) -> dict[str, Any]:
    """A 3505 row as it comes out of the HIS database (mixed python types and text)."""
    row: dict[str, Any] = {
        "med_list_codg": "XJ01CAA040A001010100959",
        "fixmedins_hilist_id": 100234,
        "fixmedins_hilist_name": "阿莫西林胶囊 ",
        "fixmedins_bchno": "B2026112400017",
        "prsc_dr_cert_type": "01",
        "prsc_dr_certno": "360102198001010011",
        "prsc_dr_name": "李医生",
        "phar_name": "王药师",
        "phar_prac_cert_no": "YS3601000123",
        "hi_feesetl_type": "1",
        "setl_id": "360100S0000000123",
        "mdtrt_sn": "MZ2026112400031",
        "psn_no": "36000000000000000000001",
        "psn_cert_type": "01",
        "certno": "36010219800101001X",
        "psn_name": "张三",
        "manu_lotnum": "L240301",
        "manu_date": datetime(2024, 3, 1),
        "expy_end": "2027-02-28",
        "rx_flag": 1,
        "trdn_flag": False,
        "finl_trns_pric": "12.350000",
        "rx_circ_flag": "0",
        "rtal_docno": "LS20261124000031",
        "sel_retn_cnt": 2,
        "sel_retn_time": "2026-11-24 09:30:00.000000",
        "sel_retn_opter_name": "赵药剂",
        "mdtrt_setl_type": "1",
        "drugtracinfo": [
            {"drug_trac_codg": "81234567890123456789"},
            {"drug_trac_codg": "81234567890123456790"},
        ],
    }
    row.update(overrides)
    return row
