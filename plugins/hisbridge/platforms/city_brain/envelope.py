"""The envelope both ways: the signed request and the answer.

Request (``POST …/api/v1/<endpoint>``, JSON)::

    {"appId": "cb01", "timestamp": "1764000000000", "nonce": "<16–64 letters and digits>",
     "signType": "SM3" | "SHA256" | "HMAC-SHA256", "sign": "<lowercase hex>", "bizContent": {…the parameters…}}

Answer (HTTP 200 unless the code says otherwise, see ``answers.py``)::

    {"code": "0", "message": "成功", "requestId": "…", "data": …}

with ``data`` for a list ``{"total": n, "pageNo": 1, "pageSize": 50, "list": [...]}``, for a single-object
endpoint the object, and ``null`` for a refusal.

:func:`read_envelope` reads a request body into its fields, keeping the exact values the caller signed;
:func:`answer_bytes` writes an answer; :func:`signed_request` builds a request (our pushes, tests, the simulator's
own copy does the same from the docs). The pydantic models here document the shapes in OpenAPI.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from hisbridge.platforms.city_brain.answers import BAD_PARAMS, MISSING_SIGN, ApiError
from hisbridge.platforms.city_brain.signing import SIGN_TYPES, SignType, sign

NONCE = re.compile(r"^[A-Za-z0-9]{16,64}$")
TIMESTAMP = re.compile(r"^\d{10,16}$")
SIGN = re.compile(r"^[0-9A-Fa-f]{64}$")
APP_ID = re.compile(r"^[\w.\-]{1,64}$")
REQUIRED = ("appId", "timestamp", "nonce", "signType", "sign")

T = TypeVar("T")


@dataclass(frozen=True)
class Envelope:
    """A request as received: ``raw`` is every top-level field exactly as sent (what the signature covers)."""

    raw: dict[str, Any]
    app_id: str
    timestamp_ms: int
    nonce: str
    sign_type: SignType
    biz: dict[str, Any]


def read_envelope(body: bytes) -> Envelope:
    """The envelope's fields, or :class:`ApiError` 1001 naming the field that is missing or malformed (2001 when
    the body is not a JSON object at all)."""
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(BAD_PARAMS, "请求体不是 JSON") from None
    if not isinstance(raw, dict):
        raise ApiError(BAD_PARAMS, "请求体须为 JSON 对象")
    missing = [k for k in REQUIRED if raw.get(k) in (None, "")]
    if missing:
        raise ApiError(MISSING_SIGN, "缺少 " + "、".join(missing))
    app_id, stamp, nonce, sign_type = raw["appId"], raw["timestamp"], raw["nonce"], raw["signType"]
    if not isinstance(app_id, str) or not APP_ID.match(app_id):
        raise ApiError(MISSING_SIGN, "appId 须为 1–64 位字母、数字、下划线、点或连字符")
    if isinstance(stamp, bool) or not isinstance(stamp, str | int) or not TIMESTAMP.match(str(stamp)):
        raise ApiError(MISSING_SIGN, "timestamp 须为毫秒时间戳（数字）")
    if not isinstance(nonce, str) or not NONCE.match(nonce):
        raise ApiError(MISSING_SIGN, "nonce 须为 16–64 位字母或数字")
    if sign_type not in SIGN_TYPES:
        raise ApiError(MISSING_SIGN, f"signType 须为 {'、'.join(SIGN_TYPES)} 之一")
    if not isinstance(raw["sign"], str) or not SIGN.match(raw["sign"]):
        raise ApiError(MISSING_SIGN, "sign 须为 64 位十六进制")
    biz = raw.get("bizContent")
    if biz is None:
        biz = {}
    elif not isinstance(biz, dict):
        raise ApiError(BAD_PARAMS, "bizContent 须为 JSON 对象")
    return Envelope(raw=raw, app_id=app_id, timestamp_ms=int(stamp), nonce=nonce, sign_type=sign_type, biz=biz)


def new_request_id() -> str:
    return uuid.uuid4().hex


def answer_data(code: str, message: str, request_id: str, data: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "requestId": request_id, "data": data}


def answer_bytes(code: str, message: str, request_id: str, data: Any = None) -> bytes:
    """The answer as sent (UTF-8 JSON; ``data`` already plain JSON data)."""
    return orjson.dumps(answer_data(code, message, request_id, data))


def page_data(total: int, page_no: int, page_size: int, rows: list[Any]) -> dict[str, Any]:
    """The ``data`` of a list answer."""
    return {"total": total, "pageNo": page_no, "pageSize": page_size, "list": rows}


def new_nonce() -> str:
    return secrets.token_hex(16)


def signed_request(app_id: str, secret: str, biz: dict[str, Any], *, sign_type: SignType = "SM3",
                   timestamp_ms: int | None = None, nonce: str | None = None) -> dict[str, Any]:
    """A request envelope signed with ``secret`` (fresh timestamp and nonce unless given)."""
    envelope: dict[str, Any] = {
        "appId": app_id, "timestamp": str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)),
        "nonce": nonce or new_nonce(), "signType": sign_type, "bizContent": biz}
    envelope["sign"] = sign(envelope, secret, sign_type)
    return envelope


# -- shapes for OpenAPI ------------------------------------------------------------------------------------------
class RequestEnvelope(BaseModel):
    """The signed request; each endpoint's schema narrows ``bizContent`` to its parameters."""

    model_config = ConfigDict(extra="allow")

    appId: str = Field(min_length=1, max_length=64, description="调用方 appId（医院为城市大脑分配的调用方标识）")
    timestamp: str = Field(pattern=r"^\d{13}$", description="请求时间，毫秒时间戳；与医院时钟相差不得超过允许范围（默认 ±300 秒）")
    nonce: str = Field(pattern=NONCE.pattern, description="随机串，16–64 位字母或数字；允许范围内不得重复使用")
    signType: SignType = Field(description="签名算法：SM3、SHA256 或 HMAC-SHA256（须与医院为该 appId 配置的一致）")
    sign: str = Field(pattern=r"^[0-9a-f]{64}$", description="签名，小写十六进制；签名串规则见接口文档")
    bizContent: dict[str, Any] = Field(default_factory=dict, description="业务参数")


class Answer(BaseModel, Generic[T]):
    code: str = Field(description="结果代码：0 成功，其他见答复代码表")
    message: str = Field(description="结果说明（中文；错误时指明原因）")
    requestId: str = Field(description="本次请求的编号（医院日志与台账据此查找）")
    data: T | None = Field(None, description="业务数据；错误时为 null")


class Page(BaseModel, Generic[T]):
    total: int = Field(description="符合条件的总条数")
    pageNo: int = Field(description="页码，从 1 开始")
    pageSize: int = Field(description="每页条数")
    items: list[T] = Field(alias="list", description="本页数据")

    model_config = ConfigDict(populate_by_name=True)
