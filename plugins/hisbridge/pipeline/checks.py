"""A feed's row checks (``checks`` in its YAML) compiled into plain Python predicates for the hot path.

The same checks run nightly as a Great Expectations suite over the day's extract (``hisbridge.quality``), with
results and Data Docs for ops and auditors; inside a feed run they cost microseconds instead of a GX import and
a DataFrame per chunk. Semantics follow GX's: a missing value (``None`` or ``""``) fails only ``not_null`` and
``min_items`` (a blank list item is a value);
``regex`` is a search (the YAML's patterns are anchored); list-item checks fail the record when
any item fails; a check with ``when`` applies to the rows whose SQL values match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hisbridge.pipeline.spec import Check, FeedSpec

Predicate = Callable[[Any], bool]


@dataclass(frozen=True)
class CompiledCheck:
    check: Check
    applies: Callable[[Mapping[str, Any]], bool]
    passes: Callable[[Mapping[str, Any]], bool]

    @property
    def field(self) -> str:
        return self.check.list_field or self.check.column


def compile_checks(spec: FeedSpec) -> list[CompiledCheck]:
    return [CompiledCheck(c, _condition(c.when), _row_predicate(c)) for c in spec.checks]


def failed_checks(checks: Sequence[CompiledCheck], wire: Mapping[str, Any], source: Mapping[str, Any]) -> list[Check]:
    return [c.check for c in checks if c.applies(source) and not c.passes(wire)]


def _condition(when: dict[str, str] | None) -> Callable[[Mapping[str, Any]], bool]:
    if not when:
        return lambda source: True
    items = tuple(when.items())
    return lambda source: all(str(source.get(k)) == v for k, v in items)


def _missing(value: Any) -> bool:
    return value is None or value == ""


def _value_predicate(check: Check, missing: Callable[[Any], bool]) -> Predicate:
    """Whether one value passes (missing values pass all but not_null, as in GX; in_set compares the value
    itself, so the number 1 is not the text "1")."""
    if check.expect == "not_null":
        return lambda v: not missing(v)
    if check.expect == "regex":
        search = re.compile(check.regex or "").search
        return lambda v: missing(v) or search(str(v)) is not None
    if check.expect == "in_set":
        allowed = frozenset(check.values or ())
        return lambda v: missing(v) or v in allowed
    raise ValueError(f"check on {check.column}: {check.expect} is not a value check")


def _row_predicate(check: Check) -> Callable[[Mapping[str, Any]], bool]:
    if check.expect == "min_items":
        least = check.min or 0
        return lambda row: len(row.get(check.column) or ()) >= least
    if check.item_field is None:  # a row's blank field counts as missing, as the nightly suite reads it
        ok = _value_predicate(check, _missing)
        column = check.column
        return lambda row: ok(row.get(column))
    item_ok = _value_predicate(check, lambda v: v is None)  # a blank list item is a value, and a bad one
    list_field, item_field = check.list_field, check.item_field
    return lambda row: all(item_ok(item.get(item_field)) for item in row.get(list_field) or ())
