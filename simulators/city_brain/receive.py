"""The city brain's answer to one verified call: the payload checks, then keep the event / upsert the records.

Answer envelope ``{"code", "message", "requestId", "data"}``; success iff ``code == "0"``. The HTTP status is
200 except for the codes of :data:`spec.HTTP_STATUS` (1007 → 429 with ``Retry-After``, 5000 → 500, 5003 → 503).

* **notify** — the envelope has exactly appId/timestamp/nonce/signType/sign/bizContent (else ``2001``);
  bizContent is checked against :data:`spec.NOTIFY` (``2001``, the message naming each field), its ``orgCode``
  is the hospital's when one is configured. Then the event is kept by ``eventId``; a re-send is answered ``0``
  as well (``data.duplicate`` true). Answer data ``{"eventId", "duplicate"}``.
* **history** — bizContent ``{orgCode, dataType, batchNo, records}`` checked as a whole (``2001``: an unknown
  dataType, no records, more than 200, a missing batchNo …); then each record on its own against
  ``spec.RECORDS[dataType]``: a bad one is listed in ``data.failed`` as ``{"recordId", "code": "2001",
  "message"}`` and the others are upserted by (dataType, recordId), in order. Code ``0`` even when every record
  failed. Answer data ``{"accepted": n, "failed": [...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulators.city_brain import signing, spec
from simulators.city_brain.state import SimState
from simulators.city_brain.verify import Hospital

OPERATIONS: dict[str, str] = {"notify": "医院数据推送通知", "history": "医院历史数据抓取"}
DEFAULT_PATHS: dict[str, str] = {op: f"/api/v1/{op}" for op in OPERATIONS}


@dataclass(frozen=True)
class Answer:
    code: str
    message: str
    data: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == spec.OK

    @property
    def http_status(self) -> int:
        return spec.HTTP_STATUS.get(self.code, 200)

    def to_json(self, request_id: str) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "requestId": request_id, "data": self.data}

    @classmethod
    def success(cls, data: Any = None, message: str = "成功") -> Answer:
        return cls(spec.OK, message, data)

    @classmethod
    def refused(cls, code: str, message: str) -> Answer:
        headers = {"Retry-After": "1"} if code == spec.TOO_MANY else {}
        return cls(code, message, None, headers)

    @classmethod
    def bad(cls, problems: list[spec.Problem], what: str = "") -> Answer:
        return cls.refused(spec.BAD_PARAM, f"参数错误: {what}{spec.summarise(problems)}")


def parse(raw: bytes) -> tuple[Any, Answer | None]:
    """The JSON body, or the refusal (``2001``)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, Answer.refused(spec.BAD_PARAM, "参数错误: 请求体不是UTF-8编码")
    if not text.strip():
        return None, Answer.refused(spec.BAD_PARAM, "参数错误: 请求体为空")

    def no_constants(name: str) -> Any:
        raise ValueError(f"非法数值{name}")

    try:
        return json.loads(text, parse_constant=no_constants), None
    except ValueError as exc:
        return None, Answer.refused(spec.BAD_PARAM, f"参数错误: JSON格式错误({exc})"[:200])


def envelope_problems(envelope: Mapping[str, Any]) -> Answer | None:
    """After the signature: no extra envelope key, and bizContent an object."""
    extra = sorted(k for k in envelope if k not in signing.ENVELOPE_FIELDS)
    if extra:
        return Answer.refused(spec.BAD_PARAM, f"参数错误: 报文含未定义的字段[{', '.join(extra)}]"
                                              f"(应为{'/'.join(signing.ENVELOPE_FIELDS)})")  # fmt: skip
    if not isinstance(envelope.get("bizContent"), Mapping):
        return Answer.refused(spec.BAD_PARAM, "参数错误: bizContent应为JSON对象")
    return None


def _org_problem(biz: Mapping[str, Any], hospital: Hospital) -> list[spec.Problem]:
    if hospital.org_code is not None and biz.get("orgCode") != hospital.org_code:
        return [spec.Problem("orgCode", f"字段[orgCode](医疗机构代码)[{biz.get('orgCode')}]与appId登记的机构"
                                        f"[{hospital.org_code}]不符")]  # fmt: skip
    return []


def notify(state: SimState, biz: Mapping[str, Any], hospital: Hospital) -> Answer:
    problems = spec.check(spec.NOTIFY, biz) or _org_problem(biz, hospital)
    if problems:
        return Answer.bad(problems)
    event, new = state.receive_event(dict(biz))
    if not new:
        return Answer.success({"eventId": event.event_id, "duplicate": True}, "成功(重复事件，已忽略)")
    return Answer.success({"eventId": event.event_id, "duplicate": False})


def history(state: SimState, biz: Mapping[str, Any], hospital: Hospital) -> Answer:
    problems = spec.check(spec.HISTORY, biz) or _org_problem(biz, hospital)
    if problems:
        return Answer.bad(problems)
    table = spec.RECORDS[biz["dataType"]]
    good: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for i, record in enumerate(biz["records"]):
        found = spec.check(table, record)
        record_id = record.get("recordId") if isinstance(record, Mapping) else None
        if found:
            failed.append({"recordId": record_id if isinstance(record_id, str) else None, "code": spec.BAD_PARAM,
                           "message": f"records[{i}]({table.cn}): {spec.summarise(found)}"})  # fmt: skip
        else:
            good.append(dict(record))
    state.receive_batch(biz["orgCode"], biz["dataType"], biz["batchNo"], good, failed)
    return Answer.success({"accepted": len(good), "failed": failed})


HANDLERS = {"notify": notify, "history": history}


def dispatch(state: SimState, op: str, biz: Mapping[str, Any], hospital: Hospital) -> Answer:
    return HANDLERS[op](state, biz, hospital)
