"""Callers' tokens: random, shown once when made, kept only as their SHA-256 (a random 256-bit token needs no
slow hash: there is nothing to guess)."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return "hb_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
