"""Gateway signature verification (hsa.md §1.3), as the provincial gateway in front of the platform does it.

* **tif** (Tencent TIF): ``x-tif-paasid``, ``x-tif-timestamp`` (unix seconds), ``x-tif-nonce``,
  ``x-tif-signature`` = lowercase hex SHA-256 of ``timestamp + secret + nonce + timestamp``.
* **csb** (Alibaba CSB): ``_api_name`` (the infno), ``_api_version``, ``_api_timestamp`` (unix ms),
  ``_api_access_key`` (the paasid), ``_api_signature`` = Base64(HMAC-SHA1(secret,
  ``_api_access_key=<ak>&_api_name=<name>&_api_timestamp=<ts>&_api_version=<v>``)).
* **none**: no check (behind a 前置机/VPN).

:func:`check_gateway` answers why a request is refused (HTTP 401 ``{"code": "401", "message": ...}``) or ``None``.
Header lookups are case-insensitive (``x-tif-paasId`` works).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping

from simulators.hsa.state import SimState

TIF_HEADERS = ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature")
CSB_HEADERS = ("_api_name", "_api_version", "_api_timestamp", "_api_access_key", "_api_signature")


def tif_signature(timestamp: str, secret: str, nonce: str) -> str:
    return hashlib.sha256(f"{timestamp}{secret}{nonce}{timestamp}".encode()).hexdigest()


def csb_signature(secret: str, *, access_key: str, api_name: str, timestamp: str, version: str) -> str:
    params = {
        "_api_access_key": access_key,
        "_api_name": api_name,
        "_api_timestamp": timestamp,
        "_api_version": version,
    }
    message = "&".join(f"{k}={params[k]}" for k in sorted(params))
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _timestamp_problem(raw: str, *, unit: float, now: float, window_s: float) -> str | None:
    try:
        ts = int(raw) / unit
    except ValueError:
        return f"时间戳格式错误: {raw}"
    if abs(now - ts) > window_s:
        return f"时间戳超出允许范围(±{window_s:g}秒): {raw}"
    return None


def check_tif(
    headers: Mapping[str, str],
    *,
    paasid: str | None,
    secret: str | None,
    now: float,
    window_s: float,
    use_nonce: Callable[[str, str], bool],
) -> str | None:
    h = _lower(headers)
    for name in TIF_HEADERS:
        if not h.get(name):
            return f"缺少请求头{name}"
    if paasid is None or secret is None or h["x-tif-paasid"] != paasid:
        return f"paasid[{h['x-tif-paasid']}]未注册"
    problem = _timestamp_problem(h["x-tif-timestamp"], unit=1, now=now, window_s=window_s)
    if problem:
        return problem
    expected = tif_signature(h["x-tif-timestamp"], secret, h["x-tif-nonce"])
    if not _same(expected, h["x-tif-signature"]):
        return "签名校验失败"
    if not use_nonce(paasid, h["x-tif-nonce"]):
        return f"nonce[{h['x-tif-nonce']}]重复使用"
    return None


def check_csb(
    headers: Mapping[str, str],
    *,
    paasid: str | None,
    secret: str | None,
    now: float,
    window_s: float,
    infno: str | None,
    api_name_is_infno: bool,
) -> str | None:
    h = _lower(headers)
    for name in CSB_HEADERS:
        if not h.get(name):
            return f"缺少请求头{name}"
    if paasid is None or secret is None or h["_api_access_key"] != paasid:
        return f"_api_access_key[{h['_api_access_key']}]未注册"
    problem = _timestamp_problem(h["_api_timestamp"], unit=1000, now=now, window_s=window_s)
    if problem:
        return problem
    expected = csb_signature(
        secret,
        access_key=h["_api_access_key"],
        api_name=h["_api_name"],
        timestamp=h["_api_timestamp"],
        version=h["_api_version"],
    )
    if not _same(expected, h["_api_signature"]):
        return "签名校验失败"
    if api_name_is_infno and infno is not None and h["_api_name"] != infno:
        return f"_api_name[{h['_api_name']}]与交易编号[{infno}]不一致"
    return None


def check_gateway(state: SimState, headers: Mapping[str, str], infno: str | None) -> str | None:
    """Why the gateway refuses this request, or ``None`` when it lets it through to the platform."""
    if state.auth_mode == "none":
        return None
    if state.auth_mode == "tif":
        return check_tif(
            headers,
            paasid=state.paasid,
            secret=state.secret,
            now=state.clock(),
            window_s=state.ts_window_s,
            use_nonce=state.use_nonce,
        )
    if state.auth_mode == "csb":
        return check_csb(
            headers,
            paasid=state.paasid,
            secret=state.secret,
            now=state.clock(),
            window_s=state.ts_window_s,
            infno=infno,
            api_name_is_infno=state.csb_api_name_is_infno,
        )
    return f"unknown auth mode {state.auth_mode!r}"  # pragma: no cover
