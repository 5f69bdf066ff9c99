"""Caller authentication, as the platform checks it before reading a body (mode chosen when the app is created).

* ``none`` — no check (the analogue's intranet calls carry none).
* ``token`` — header ``Authorization: Bearer <secret>``.
* ``hmac`` — headers ``X-App-Id: <app_id>``, ``X-Timestamp: <epoch ms>``, ``X-Nonce: <uuid4 hex>``,
  ``X-Signature: hex(HMAC-SHA256(key=<secret>, msg=appId + timestamp + nonce + <raw body bytes>))``. Refused: a
  missing header, an unknown app id, a timestamp more than ``window_s`` (300 s) from the real clock, a wrong
  signature, and a nonce seen before (replay; a nonce is remembered for twice the window, after which its
  timestamp alone refuses it).

Every refusal is the envelope ``A0401`` with the reason in ``msg``. The window is measured on the real clock
(``Auth.clock``), not the simulator's business clock: a test that fixes the platform's date for the reminder
look-back still signs with real time.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

AuthMode = Literal["none", "token", "hmac"]
MODES: tuple[str, ...] = ("none", "token", "hmac")
HMAC_HEADERS = ("x-app-id", "x-timestamp", "x-nonce", "x-signature")


def signature(secret: str, app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    """``hex(HMAC-SHA256(key=secret, msg=appId + timestamp + nonce + body))``."""
    message = f"{app_id}{timestamp}{nonce}".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def hmac_headers(app_id: str, secret: str, body: bytes, *, timestamp_ms: int | None = None,
                 nonce: str | None = None) -> dict[str, str]:  # fmt: skip
    """The four headers of a signed call (what a client sends; used by tests and demos)."""
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    nonce = nonce or uuid.uuid4().hex
    return {"X-App-Id": app_id, "X-Timestamp": ts, "X-Nonce": nonce,
            "X-Signature": signature(secret, app_id, ts, nonce, body)}  # fmt: skip


@dataclass
class Auth:
    """How callers authenticate; remembers the nonces it has seen. Thread-safe."""

    mode: AuthMode = "none"
    app_id: str | None = None  # hmac
    secret: str | None = None  # token: the bearer token; hmac: the key
    window_s: float = 300.0
    clock: Callable[[], float] = time.time
    _nonces: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"auth mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.mode in ("token", "hmac") and not self.secret:
            raise ValueError(f"auth mode {self.mode} needs a secret")
        if self.mode == "hmac" and not self.app_id:
            raise ValueError("auth mode hmac needs an app_id")

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "app_id": self.app_id, "window_s": self.window_s}  # never the secret

    def check(self, headers: Mapping[str, str], body: bytes) -> str | None:
        """Why the call is refused (A0401), or ``None``. ``headers`` is case-insensitive (Starlette's)."""
        if self.mode == "none":
            return None
        if self.mode == "token":
            given = headers.get("authorization", "")
            scheme, _, token = given.partition(" ")
            if not given:
                return "认证失败: 缺少请求头Authorization"
            if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self.secret.encode()):  # type: ignore[union-attr]
                return "认证失败: 令牌无效"
            return None
        return self._check_hmac(headers, body)

    def _check_hmac(self, headers: Mapping[str, str], body: bytes) -> str | None:
        assert self.app_id is not None and self.secret is not None
        h = {name: headers.get(name, "") for name in HMAC_HEADERS}
        for name, value in h.items():
            if not value:
                return f"签名错误: 缺少请求头{name}"
        if h["x-app-id"] != self.app_id:
            return f"认证失败: 应用[{h['x-app-id']}]未注册"
        try:
            ts_s = int(h["x-timestamp"]) / 1000
        except ValueError:
            return f"签名错误: 时间戳格式错误[{h['x-timestamp'][:20]}]，应为毫秒数"
        now = self.clock()
        if abs(now - ts_s) > self.window_s:
            return f"签名错误: 时间戳超出允许范围(±{self.window_s:g}秒)"
        expected = signature(self.secret, h["x-app-id"], h["x-timestamp"], h["x-nonce"], body)
        if not hmac.compare_digest(expected.encode(), h["x-signature"].lower().encode("utf-8", "replace")):
            return "签名错误: 签名校验失败"
        with self._lock:
            for nonce, seen in list(self._nonces.items()):  # forget nonces the window already refuses
                if now - seen > 2 * self.window_s:
                    del self._nonces[nonce]
            if h["x-nonce"] in self._nonces:
                return f"签名错误: 随机数[{h['x-nonce'][:40]}]已使用(重放请求)"
            self._nonces[h["x-nonce"]] = now
        return None
