"""Authentication headers of a call to the 互认 platform, chosen per site by the connection's ``auth`` extra.

Pure functions: the clock and the nonce are arguments, so tests recompute them by hand.

* ``none`` (default) — no headers: the analogue's calls go over the health intranet without any.
* ``token`` — ``Authorization: Bearer <connection password>``.
* ``hmac`` — ``X-App-Id: <connection login>``, ``X-Timestamp: <unix epoch milliseconds>``, ``X-Nonce: <uuid4 hex>``,
  ``X-Signature`` = lowercase hex HMAC-SHA256(key = password, message = appId + timestamp + nonce + the raw
  request body bytes). The platform refuses (``A0401``) a bad signature, a timestamp more than 300 s off its
  clock, or a nonce it has seen before — so every request, a re-send included, gets a new nonce.

Jiangxi's real scheme is not public: these are our declared analogue, and a site picks one in the connection.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from typing import Literal

AuthScheme = Literal["none", "token", "hmac"]

#: headers whose value must not be kept in evidence or logs (replay material or the secret itself)
SENSITIVE_HEADERS = frozenset({"authorization", "x-signature"})


def new_nonce() -> str:
    return uuid.uuid4().hex


def hmac_signature(secret: str, *, app_id: str, timestamp_ms: str, nonce: str, body: bytes) -> str:
    """lowercase hex HMAC-SHA256 of ``app_id + timestamp + nonce + body`` keyed by ``secret``."""
    message = f"{app_id}{timestamp_ms}{nonce}".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def hmac_headers(app_id: str, secret: str, *, body: bytes, timestamp_ms: int, nonce: str) -> dict[str, str]:
    ts = str(timestamp_ms)
    return {
        "X-App-Id": app_id,
        "X-Timestamp": ts,
        "X-Nonce": nonce,
        "X-Signature": hmac_signature(secret, app_id=app_id, timestamp_ms=ts, nonce=nonce, body=body),
    }


def auth_headers(scheme: AuthScheme, *, app_id: str | None, secret: str | None, body: bytes, now: float,
                 nonce: Callable[[], str] = new_nonce) -> dict[str, str]:
    """The headers of ``scheme`` for one request with ``body`` sent at unix time ``now`` (seconds, float)."""
    if scheme == "none":
        return {}
    if not secret:
        raise ValueError(f"auth {scheme!r} needs the connection's password")
    if scheme == "token":
        return {"Authorization": f"Bearer {secret}"}
    if scheme == "hmac":
        if not app_id:
            raise ValueError("auth 'hmac' needs the connection's login (the app id)")
        return hmac_headers(app_id, secret, body=body, timestamp_ms=int(now * 1000), nonce=nonce())
    raise ValueError(f"unknown auth scheme {scheme!r}")


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers for evidence and logs: the signature and the token replaced by ``***``."""
    return {key: ("***" if key.lower() in SENSITIVE_HEADERS else value) for key, value in headers.items()}
