"""Row validation before anything is sent: the platform's typed model, then the feed's row checks.

Two layers, both row-level so a bad row is quarantined with its reason while the rest of the chunk goes on:

1. pydantic: the transaction's model (required fields, lengths, formats, code values).
2. the feed's ``checks`` (e.g. 20-digit traceability codes, a national code present), compiled to plain
   predicates (:mod:`hisbridge.pipeline.checks`). Great Expectations runs the same checks nightly, out of the
   hot path (:mod:`hisbridge.quality`).

A valid record is serialised once: its JSON text is hashed, stored in the ledger and sent as the wire body.
Reasons name fields and rules, never values, so no patient data reaches a log through them. They are Chinese,
for the operators who read them on the ledger pages: the field's Chinese name and wire name, what was wrong and
what to do (:mod:`hisbridge.ops.reasons`); records quarantined before this keep the words they were given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from hisbridge.ops.reasons import problems
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
    #: the top-level field each of the model's reasons is about (a row check replaces the model's words on it);
    #: only rows the model refused have one
    reason_fields: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return self.payload is not None and not self.reasons


def model_errors(exc: ValidationError, model: type[BaseModel] | None = None) -> list[str]:
    """One Chinese reason per error: field (its ``description`` in ``model`` and its wire name), what was wrong,
    what to fix. Field and rule only: pydantic's own str() would echo the input value."""
    return [p.for_operator() for p in problems(exc, model)]


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
                item.reason_fields = {}
                for problem in problems(exc, model_cls):
                    reason = problem.for_operator()
                    item.reasons.append(reason)
                    item.reason_fields[reason] = problem.field
        if checks:
            for check in failed_checks(checks, item.wire, item.record.values):
                # the check's reason says it for ops; drop the model's generic words about the same field
                name = check.list_field or check.column
                about = item.reason_fields or {}
                item.reasons = [r for r in item.reasons if about.get(r) != name]
                if check.reason not in item.reasons:
                    item.reasons.append(check.reason)
        item.text, item.digest = serialise(item.payload if item.payload is not None else _jsonable(item.wire))
    return list(items)


def _jsonable(wire: dict[str, Any]) -> dict[str, Any]:
    return orjson.loads(orjson.dumps(wire, default=str))
