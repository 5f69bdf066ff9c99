"""Row validation before anything is sent: the platform's typed model, then the feed's row checks.

Two layers, both row-level so a bad row is quarantined with its reason while the rest of the chunk goes on:

1. pydantic: the transaction's model (required fields, lengths, formats, code values).
2. the feed's ``checks`` (e.g. 20-digit traceability codes, a national code present), compiled to plain
   predicates (:mod:`hisbridge.pipeline.checks`). Great Expectations runs the same checks nightly, out of the
   hot path (:mod:`hisbridge.quality`).

A valid record is serialised once: its JSON text is hashed, stored in the ledger and sent as the wire body.
Reasons name fields and rules, never values, so no patient data reaches a log through them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from hisbridge.pipeline.checks import CompiledCheck, failed_checks
from hisbridge.pipeline.extract import SourceRecord


@dataclass(slots=True)
class Checked:
    record: SourceRecord
    wire: dict[str, Any]
    #: the validated wire body (the model's JSON dump), its stored text and the text's hash
    payload: dict[str, Any] | None = None
    text: str | None = None
    digest: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.payload is not None and not self.reasons


def model_errors(exc: ValidationError) -> list[str]:
    """Field and rule only: pydantic's own str() would echo the input value."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"]) or "row"
        out.append(f"{loc}: {err['msg']}")
    return out


def serialise(payload: dict[str, Any]) -> tuple[str, str]:
    """The stored text of a wire body and its content hash (key order is the model's: deterministic)."""
    raw = orjson.dumps(payload)
    return raw.decode(), hashlib.sha256(raw).hexdigest()


def validate_rows(model_cls: type[BaseModel], checks: Sequence[CompiledCheck],
                  items: Sequence[Checked]) -> list[Checked]:
    for item in items:
        if not item.reasons:  # a mapping error already says what is wrong
            try:
                item.payload = model_cls.model_validate(item.wire).model_dump(mode="json", exclude_none=True)
            except ValidationError as exc:
                item.reasons.extend(model_errors(exc))
        if checks:
            for check in failed_checks(checks, item.wire, item.record.values):
                # the check's reason says it for ops; drop the model's generic words about the same field
                name = check.list_field or check.column
                item.reasons = [r for r in item.reasons if not r.startswith(f"{name}:")]
                if check.reason not in item.reasons:
                    item.reasons.append(check.reason)
        item.text, item.digest = serialise(item.payload if item.payload is not None else _jsonable(item.wire))
    return list(items)


def _jsonable(wire: dict[str, Any]) -> dict[str, Any]:
    return orjson.loads(orjson.dumps(wire, default=str))
