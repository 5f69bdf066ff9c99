"""Signatures of the city brain's envelope, both ways (its calls to us, our pushes to it).

**The sign string** is built from the envelope's top-level fields except ``sign``: keys sorted, fields whose
value is missing, ``null`` or ``""`` omitted, ``key=value`` joined by ``&``. A string value is taken as it is;
any other value (``bizContent`` above all) as its canonical JSON — keys sorted, separators ``,`` and ``:``, no
ASCII escaping (Chinese stays Chinese), UTF-8::

    appId=cb01&bizContent={"endDate":"2026-11-24","patientId":"P0001"}&nonce=…&signType=SM3&timestamp=1764…

An empty ``bizContent`` object is not empty: it is signed as ``bizContent={}``. Numbers are signed as the JSON
parser read them and Python's ``json`` writes them (``1.0`` stays ``1.0``, ``1e2`` becomes ``100.0``): amounts travel as strings for that reason.

**The signature** is lowercase hex:

=================  ================================================================================
``SM3``            ``SM3(signString + "&key=" + secret)`` — GB/T 32905, through ``cryptography``
``SHA256``         ``SHA-256(signString + "&key=" + secret)``
``HMAC-SHA256``    ``HMAC-SHA256(key=secret, message=signString)``
=================  ================================================================================

Verification compares in constant time (:func:`hmac.compare_digest`) and accepts upper-case hex.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes

SignType = Literal["SM3", "SHA256", "HMAC-SHA256"]
SIGN_TYPES: tuple[SignType, ...] = ("SM3", "SHA256", "HMAC-SHA256")


def canonical_json(value: Any) -> str:
    """``value`` as the signature sees it: keys sorted, no spaces, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign_string(envelope: Mapping[str, Any]) -> str:
    """The text that is signed: every field but ``sign``, sorted, empty ones left out."""
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


def signature(text: str, secret: str, sign_type: SignType) -> str:
    """The lowercase hex signature of ``text`` (a sign string) with ``secret``."""
    if sign_type == "HMAC-SHA256":
        return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    salted = f"{text}&key={secret}".encode()
    if sign_type == "SM3":
        return sm3_hex(salted)
    if sign_type == "SHA256":
        return hashlib.sha256(salted).hexdigest()
    raise ValueError(f"unknown sign type {sign_type!r}; one of {', '.join(SIGN_TYPES)}")


def sign(envelope: Mapping[str, Any], secret: str, sign_type: SignType) -> str:
    """The signature of ``envelope`` (its ``sign`` field, if any, is ignored)."""
    return signature(sign_string(envelope), secret, sign_type)


def verify(envelope: Mapping[str, Any], secret: str, sign_type: SignType) -> bool:
    """Whether ``envelope["sign"]`` is the signature of the rest, compared in constant time."""
    given = envelope.get("sign")
    if not isinstance(given, str) or not given:
        return False
    expected = sign(envelope, secret, sign_type)
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())
