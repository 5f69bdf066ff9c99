"""The common envelope (公共输入/输出参数, hsa.md §2) and the evidence of one exchange.

* :func:`build_request` — every §2.1 field, in the spec's order; ``input`` is ``{node: body}`` (a JSON object,
  never a JSON string). ``cainfo`` / ``signtype`` are sent empty: no message-level signing (§1.4) is used.
* :class:`HsaAnswer` — the §2.2 answer, typed: ``infcode`` as ``int`` whether sent as ``0`` or ``"0"``,
  ``output`` a dict (``{}`` when absent or ``null``), and the two-level result of the 35xx transactions
  (``result.retRslt`` / ``msgRslt``, §4.8) as ``ret_rslt`` / ``msg_rslt``.
* :class:`Exchange` — what was sent and received, for the delivery ledger.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, computed_field, field_validator

from hisbridge.platforms.hsa.models import DATETIME_FORMAT, SHANGHAI


class EnvelopeSender(Protocol):
    """The deployment facts the envelope needs (``HsaSettings`` provides them)."""

    @property
    def fixmedins_code(self) -> str: ...
    @property
    def fixmedins_name(self) -> str: ...
    @property
    def mdtrtarea_admvs(self) -> str: ...
    @property
    def recer_sys_code(self) -> str: ...
    @property
    def infver(self) -> str: ...
    @property
    def opter_type(self) -> str: ...
    @property
    def opter(self) -> str: ...
    @property
    def opter_name(self) -> str: ...
    @property
    def dev_no(self) -> str: ...
    @property
    def dev_safe_info(self) -> str: ...


ENVELOPE_FIELDS = (
    "infno", "msgid", "mdtrtarea_admvs", "insuplc_admdvs", "recer_sys_code", "dev_no", "dev_safe_info",
    "cainfo", "signtype", "infver", "opter_type", "opter", "opter_name", "inf_time", "fixmedins_code",
    "fixmedins_name", "sign_no", "input",
)  # fmt: skip


def build_request(
    sender: EnvelopeSender,
    *,
    infno: str,
    msgid: str,
    node: str | None,
    body: Mapping[str, JsonValue] | list[Mapping[str, JsonValue]],
    inf_time: datetime,
    sign_no: str = "",
    insuplc_admdvs: str = "",
) -> dict[str, JsonValue]:
    """The request envelope of one message (§2.1); ``inf_time`` is rendered in Asia/Shanghai local time."""
    if inf_time.tzinfo is not None:
        inf_time = inf_time.astimezone(SHANGHAI)
    request: dict[str, JsonValue] = {
        "infno": infno,
        "msgid": msgid,
        "mdtrtarea_admvs": sender.mdtrtarea_admvs,
        "insuplc_admdvs": insuplc_admdvs,
        "recer_sys_code": sender.recer_sys_code,
        "dev_no": sender.dev_no,
        "dev_safe_info": sender.dev_safe_info,
        "cainfo": "",
        "signtype": "",
        "infver": sender.infver,
        "opter_type": sender.opter_type,
        "opter": sender.opter,
        "opter_name": sender.opter_name,
        "inf_time": inf_time.strftime(DATETIME_FORMAT),
        "fixmedins_code": sender.fixmedins_code,
        "fixmedins_name": sender.fixmedins_name,
        "sign_no": sign_no,
        # a body whose fields are the nodes (2203: mdtrtinfo + diseinfo) is the input itself
        "input": body if node is None else {node: body},  # type: ignore[dict-item]
    }
    return request


@dataclass(frozen=True)
class Exchange:
    """One HTTP round trip, as evidence for the ledger.

    ``request`` is the exact envelope sent (``request_text`` its exact UTF-8 text), ``request_headers`` the
    headers we set minus secrets (signatures shown as ``***``), ``response_text`` the raw answer (``None`` when
    nothing came back), ``status`` the HTTP status (``None`` likewise), ``duration_ms`` wall time of the round
    trip and ``error`` the transport error's class name when there was one.
    """

    infno: str
    msgid: str
    url: str
    request: dict[str, JsonValue]
    request_text: str
    request_headers: dict[str, str]
    sent_at: datetime
    status: int | None = None
    response_text: str | None = None
    duration_ms: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, JsonValue]:
        """A JSON-ready dict (``sent_at`` in ISO format)."""
        data = asdict(self)
        data["sent_at"] = self.sent_at.isoformat()
        return data


class HsaAnswer(BaseModel):
    """The answer envelope (公共输出参数). Unknown extra fields (``cainfo``, ``enctype`` …) are kept."""

    model_config = ConfigDict(extra="allow")

    infcode: int = Field(description="交易状态码 (0 = success)")
    inf_refmsgid: str | None = Field(None, description="接收方报文ID")
    refmsg_time: str | None = Field(None, description="接收报文时间 yyyyMMddHHmmssSSS")
    respond_time: str | None = Field(None, description="响应报文时间 yyyyMMddHHmmssSSS")
    err_msg: str | None = Field(None, description="错误信息")
    warn_msg: str | None = Field(None, description="警告信息")
    output: dict[str, JsonValue] = Field(default_factory=dict, description="交易输出")

    _exchanges: tuple[Exchange, ...] = PrivateAttr(default=())

    @field_validator("infcode", mode="before")
    @classmethod
    def _infcode_as_int(cls, value: object) -> object:
        if isinstance(value, str):
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    @field_validator("inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "warn_msg", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("output", mode="before")
    @classmethod
    def _output_object(cls, value: object) -> object:
        if value is None or value == "":
            return {}
        if isinstance(value, str):  # some middlewares send the object as JSON text
            return json.loads(value)
        return value

    @property
    def result(self) -> Mapping[str, JsonValue] | None:
        result = self.output.get("result")
        return result if isinstance(result, dict) else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ret_rslt(self) -> str | None:
        """``result.retRslt`` as text (``"1"`` 成功 / ``"0"`` 失败), ``None`` when the answer has no result."""
        value = self.result.get("retRslt") if self.result else None
        return None if value is None else str(value).strip()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def msg_rslt(self) -> str | None:
        """``result.msgRslt`` (失败原因)."""
        value = self.result.get("msgRslt") if self.result else None
        return None if value is None else str(value)

    @property
    def ok(self) -> bool:
        """``infcode 0`` and not ``retRslt "0"`` — a missing ``result`` counts as success (§4.8)."""
        return self.infcode == 0 and self.ret_rslt != "0"

    @property
    def exchange(self) -> Exchange | None:
        """Evidence of the attempt that produced this answer."""
        return self._exchanges[-1] if self._exchanges else None

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        """Evidence of every attempt of the call (two after a re-sign-in retry)."""
        return self._exchanges
