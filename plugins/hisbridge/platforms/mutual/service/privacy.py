"""What the workstation service shows or keeps of a person: a masked name on the page, masked identifiers in the
journal and in logs (design.md invariant 5). The page needs to show *whose* reports these are, so the doctor sees
the name with its middle replaced (张*三); the ID number never leaves the service unmasked except towards the
platform, which matches people by it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hisbridge.logging import mask_name

#: keys whose values are personal (the wire's and ours); their values are masked in journalled text
PII_KEYS = frozenset({"idCardValue", "IdCardValue", "patientName", "PatientName", "name", "id_card_value"})


def masked_name(name: str | None) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧**娜``; empty stays empty."""
    name = (name or "").strip()
    return mask_name(name) if name else ""


def masked_id(value: str | None) -> str:
    """An ID number with all but its first 3 and last 2 characters hidden (``360*************1X``)."""
    value = (value or "").strip()
    if len(value) < 6:
        return "***" if value else ""
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def masked(body: Any) -> Any:
    """``body`` (JSON data) with the values of personal keys masked, at any depth."""
    if isinstance(body, Mapping):
        out = {}
        for key, value in body.items():
            if key in PII_KEYS and isinstance(value, str):
                out[key] = masked_name(value) if "ame" in key else masked_id(value)
            else:
                out[key] = masked(value)
        return out
    if isinstance(body, list):
        return [masked(v) for v in body]
    return body
