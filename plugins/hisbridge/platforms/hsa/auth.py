"""Gateway authentication headers (hsa.md §1.3), chosen per deployment: ``tif``, ``csb`` or ``none``.

Pure functions: the clock and the nonce are arguments, so tests check them against values computed by hand.

* ``tif`` (Tencent TIF) — ``x-tif-paasid``, ``x-tif-timestamp`` (unix **seconds**), ``x-tif-nonce`` (uuid4 hex),
  ``x-tif-signature`` = lowercase hex SHA-256(timestamp + secret + nonce + timestamp).
* ``csb`` (Alibaba CSB) — ``_api_name`` (= infno), ``_api_version`` (``1.0.0``), ``_api_timestamp`` (unix
  **milliseconds**), ``_api_access_key`` (= paasid), ``_api_signature`` = Base64(HMAC-SHA1(key=secret,
  msg="_api_access_key=<ak>&_api_name=<name>&_api_timestamp=<ts>&_api_version=<v>")).
* ``none`` — no headers (behind a 前置机 / VPN).

Jiangxi's gateway scheme is unverified (§1.3b): the deployment picks one in the connection.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from typing import Literal

AuthScheme = Literal["tif", "csb", "none"]

#: headers whose value must not be kept in evidence or logs (replay material)
SENSITIVE_HEADERS = frozenset({"x-tif-signature", "_api_signature"})


def tif_signature(timestamp: str, secret: str, nonce: str) -> str:
    """lowercase hex SHA-256 of ``timestamp + secret + nonce + timestamp``."""
    return hashlib.sha256(f"{timestamp}{secret}{nonce}{timestamp}".encode()).hexdigest()


def tif_headers(paasid: str, secret: str, *, timestamp: int, nonce: str) -> dict[str, str]:
    """TIF headers for a request sent at unix second ``timestamp``."""
    ts = str(timestamp)
    return {
        "x-tif-paasid": paasid,
        "x-tif-timestamp": ts,
        "x-tif-nonce": nonce,
        "x-tif-signature": tif_signature(ts, secret, nonce),
    }


def csb_signature(secret: str, *, access_key: str, api_name: str, timestamp_ms: str, api_version: str) -> str:
    """Base64 HMAC-SHA1 over the four ``_api_*`` parameters sorted by name, ``k=v`` joined with ``&``."""
    params = {
        "_api_access_key": access_key,
        "_api_name": api_name,
        "_api_timestamp": timestamp_ms,
        "_api_version": api_version,
    }
    message = "&".join(f"{key}={params[key]}" for key in sorted(params))
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def csb_headers(
    access_key: str, secret: str, *, api_name: str, timestamp_ms: int, api_version: str = "1.0.0"
) -> dict[str, str]:
    """CSB headers for a request of API ``api_name`` (the infno) sent at unix millisecond ``timestamp_ms``."""
    ts = str(timestamp_ms)
    return {
        "_api_name": api_name,
        "_api_version": api_version,
        "_api_timestamp": ts,
        "_api_access_key": access_key,
        "_api_signature": csb_signature(
            secret, access_key=access_key, api_name=api_name, timestamp_ms=ts, api_version=api_version
        ),
    }


def new_nonce() -> str:
    return uuid.uuid4().hex


def gateway_headers(
    scheme: AuthScheme,
    *,
    infno: str,
    paasid: str | None,
    secret: str | None,
    now: float,
    nonce: Callable[[], str] = new_nonce,
    csb_api_version: str = "1.0.0",
) -> dict[str, str]:
    """The headers of ``scheme`` for one request of ``infno`` sent at unix time ``now`` (seconds, float)."""
    if scheme == "none":
        return {}
    if not paasid or not secret:
        raise ValueError(f"gateway auth {scheme!r} needs a paasid and a secret")
    if scheme == "tif":
        return tif_headers(paasid, secret, timestamp=int(now), nonce=nonce())
    if scheme == "csb":
        return csb_headers(
            paasid, secret, api_name=infno, timestamp_ms=int(now * 1000), api_version=csb_api_version
        )
    raise ValueError(f"unknown gateway auth scheme {scheme!r}")


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers for evidence and logs: signatures replaced by ``***``."""
    return {key: ("***" if key.lower() in SENSITIVE_HEADERS else value) for key, value in headers.items()}
