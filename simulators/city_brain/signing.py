"""The signed envelope of the city-brain wire, as the city brain computes it — written here from the shared spec,
independently of ``hisbridge`` (never import it), so a slip in either signer shows as a refused signature.

Envelope (JSON body of every call, both directions)::

    {"appId": str, "timestamp": "<epoch ms>", "nonce": "<16–64 [A-Za-z0-9]>",
     "signType": "SM3" | "SHA256" | "HMAC-SHA256", "sign": "<lowercase hex>", "bizContent": {…}}

Sign string: every envelope field except ``sign``, keys sorted by code point (ASCII, case-sensitive), a value
``null`` or ``""`` left out, joined as ``k=v`` with ``&``; a string value is taken as it is, any other value
(``bizContent``) as its canonical JSON — keys sorted at every level, separators ``(",", ":")``,
``ensure_ascii=False``, then UTF-8. ``bizContent`` is always there, ``{}`` included (it is not "empty": the
health check signs ``bizContent={}``)::

    appId=…&bizContent={…}&nonce=…&signType=…&timestamp=…

* ``SM3`` / ``SHA256``: ``hex(hash(signString + "&key=" + secret))``
* ``HMAC-SHA256``: ``hex(HMAC-SHA256(key=secret, msg=signString))``

SM3 comes from the ``cryptography`` package (``hashes.SM3``): a maintained library, not a hand-written hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes

SIGN_TYPES: tuple[str, ...] = ("SM3", "SHA256", "HMAC-SHA256")
#: the signature parameters of the envelope (all required; ``bizContent`` is the payload, not one of them)
SIGN_FIELDS: tuple[str, ...] = ("appId", "timestamp", "nonce", "signType", "sign")
ENVELOPE_FIELDS: tuple[str, ...] = (*SIGN_FIELDS, "bizContent")


def canonical_json(value: Any) -> str:
    """Keys sorted at every level, no spaces, non-ASCII kept as is (the sign string is UTF-8 encoded later)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign_string(envelope: Mapping[str, Any]) -> str:
    """``appId=…&bizContent={…}&nonce=…&signType=…&timestamp=…`` (every field but ``sign``; null/"" left out)."""
    parts = []
    for key in sorted(envelope):
        value = envelope[key]
        if key == "sign" or value is None or value == "":
            continue
        parts.append(f"{key}={value if isinstance(value, str) else canonical_json(value)}")
    return "&".join(parts)


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


_HASHES: dict[str, Callable[[bytes], str]] = {
    "SM3": sm3_hex,
    "SHA256": lambda data: hashlib.sha256(data).hexdigest(),
}


def digest(text: str, secret: str, sign_type: str) -> str:
    """The lowercase hex signature of a sign string."""
    if sign_type == "HMAC-SHA256":
        return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()
    if sign_type not in _HASHES:
        raise ValueError(f"unknown sign type {sign_type!r}; expected one of {', '.join(SIGN_TYPES)}")
    return _HASHES[sign_type](f"{text}&key={secret}".encode())


def sign(envelope: Mapping[str, Any], secret: str, sign_type: str | None = None) -> str:
    """The signature of ``envelope`` with the algorithm it names (or ``sign_type``, to sign a lie)."""
    return digest(sign_string(envelope), secret, sign_type or str(envelope["signType"]))


def new_nonce() -> str:
    """32 random hex digits (within the 16–64 ``[A-Za-z0-9]`` the wire allows)."""
    return secrets.token_hex(16)


def timestamp_ms(clock: Callable[[], float] = time.time, *, skew_s: float = 0.0) -> str:
    return str(int((clock() + skew_s) * 1000))


def signed_envelope(app_id: str, secret: str, biz: Any, *, sign_type: str = "SM3", timestamp: str | None = None,
                    nonce: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A complete signed envelope carrying ``biz`` (fresh timestamp and nonce unless given)."""
    envelope: dict[str, Any] = {"appId": app_id, "timestamp": timestamp or timestamp_ms(),
                                "nonce": nonce or new_nonce(), "signType": sign_type, "bizContent": biz}  # fmt: skip
    envelope["sign"] = sign(envelope, secret)
    return envelope
