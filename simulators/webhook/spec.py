"""The two robots' message formats, as their documentation states them — written here independently of hisbridge.

企业微信群机器人 (``POST /cgi-bin/webhook/send?key=KEY``)::

    {"msgtype": "text", "text": {"content": "…"}}                 content ≤ 2048 bytes (UTF-8)
    {"msgtype": "markdown", "markdown": {"content": "…"}}         content ≤ 4096 bytes (UTF-8)

钉钉自定义机器人 (``POST /robot/send?access_token=TOKEN[&timestamp=MS&sign=SIGN]``)::

    {"msgtype": "text", "text": {"content": "…"}}
    {"msgtype": "markdown", "markdown": {"title": "…", "text": "…"}}
    加签: sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))), timestamp in
    milliseconds and within one hour of the robot's clock.

Both answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``, or another ``errcode`` and the reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

WECOM_LIMITS = {"text": 2048, "markdown": 4096}
DINGTALK_MAX_BYTES = 20000
SIGN_WINDOW_MS = 3_600_000

# the robots' own error codes for the faults this receiver checks
WECOM_INVALID_KEY = (93000, "invalid webhook url, hint: key is not exist")
WECOM_BAD_JSON = (40001, "invalid json body")  # the real robot words it variously; the code is what matters
WECOM_BAD_TYPE = (40008, "invalid message type")
WECOM_EMPTY = (44004, "empty content")
WECOM_TOO_LONG = (40058, "content exceed max length")
DINGTALK_NO_TOKEN = (300001, "token is not exist")
DINGTALK_SIGN = (310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]")
DINGTALK_BAD_JSON = (300002, "invalid json body")
DINGTALK_PARAM = (40035, "缺少参数 json")
DINGTALK_TOO_LONG = (460101, "message too long")


class Refused(Exception):
    def __init__(self, code: tuple[int, str], hint: str = "") -> None:
        super().__init__(code[1] + (f" ({hint})" if hint else ""))
        self.errcode, self.errmsg = code[0], code[1] + (f" ({hint})" if hint else "")


def _text(node: Any, field: str) -> str | None:
    value = node.get(field) if isinstance(node, dict) else None
    return value if isinstance(value, str) else None


def check_wecom(body: Any) -> str:
    """The message type of a valid 企业微信 post, or :class:`Refused`."""
    if not isinstance(body, dict):
        raise Refused(WECOM_BAD_JSON)
    kind = body.get("msgtype")
    if kind not in WECOM_LIMITS:
        raise Refused(WECOM_BAD_TYPE, f"msgtype={kind!r}")
    content = _text(body.get(kind), "content")
    if not content:
        raise Refused(WECOM_EMPTY, f"{kind}.content")
    if len(content.encode("utf-8")) > WECOM_LIMITS[kind]:
        raise Refused(WECOM_TOO_LONG, f"{kind}.content > {WECOM_LIMITS[kind]} bytes")
    return kind


def check_dingtalk(body: Any) -> str:
    """The message type of a valid 钉钉 post, or :class:`Refused`."""
    if not isinstance(body, dict):
        raise Refused(DINGTALK_BAD_JSON)
    kind = body.get("msgtype")
    if kind == "text":
        fields = {"content": _text(body.get("text"), "content")}
    elif kind == "markdown":
        node = body.get("markdown")
        fields = {"title": _text(node, "title"), "text": _text(node, "text")}
    else:
        raise Refused(DINGTALK_PARAM, f"msgtype={kind!r}")
    missing = [f"{kind}.{k}" for k, v in fields.items() if not v]
    if missing:
        raise Refused(DINGTALK_PARAM, ", ".join(missing))
    if sum(len(v.encode("utf-8")) for v in fields.values() if v) > DINGTALK_MAX_BYTES:
        raise Refused(DINGTALK_TOO_LONG)
    return kind


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """The sign before URL encoding (a query parser has already decoded it)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def check_dingtalk_sign(secret: str, timestamp: str | None, sign: str | None, now_ms: int) -> None:
    if not timestamp or not sign or not timestamp.isdigit():
        raise Refused(DINGTALK_SIGN, "timestamp and sign are required")
    if abs(now_ms - int(timestamp)) > SIGN_WINDOW_MS:
        raise Refused(DINGTALK_SIGN, "timestamp outside one hour")
    if not hmac.compare_digest(sign, dingtalk_sign(secret, timestamp)):
        raise Refused(DINGTALK_SIGN)
