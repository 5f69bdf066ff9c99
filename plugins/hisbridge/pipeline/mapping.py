"""HIS record → wire row, as the feed's YAML declares: columns, constants, code-value maps, lists.

Type formatting (dates, times, decimals) belongs to the platform's typed models, not here. An unmapped code
value is not guessed: it becomes a :class:`MappingError` and the record is quarantined with that reason.
"""

from __future__ import annotations

from typing import Any

from hisbridge.pipeline.extract import SourceRecord
from hisbridge.pipeline.spec import ColumnSource, ConstSource, FeedSpec


class MappingError(ValueError):
    """Codes without a mapping; ``wire`` is the record with those fields left empty (the rest is checked too)."""

    def __init__(self, problems: list[str], wire: dict[str, Any]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.wire = wire


def map_record(spec: FeedSpec, record: SourceRecord) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    problems: list[str] = []
    values = record.values
    for name, column, default, table, codes in _plan(spec):
        if column is None:
            wire[name] = default
            continue
        value = values.get(column)
        if value is None or value == "":
            value = default
        elif table is not None:
            code = str(value)
            if code not in table:
                problems.append(f"代码未对照：{name} 的 HIS 代码 {code!r} 不在对照表 {codes} 中"
                                "（在 include/mappings 中补充对照后重新排队）")
                value = None
            else:
                value = table[code]
        wire[name] = value
    for name, src in spec.lists.items():
        if src.items is None:
            item = src.item_field
            wire[name] = [{item: str(v)} for v in record.lists.get(name, [])]
            continue
        items = []
        for values in record.lists.get(name, []):  # one tuple of SQL values per item, in the items' order
            obj: dict[str, Any] = {}
            for (field, source), value in zip(src.items.items(), values, strict=True):
                obj[field] = _item_value(spec, f"{name}[].{field}", source, value, problems)
            items.append(obj)
        wire[name] = items
    if problems:
        raise MappingError(problems, wire)
    return wire


def _item_value(spec: FeedSpec, name: str, source: ColumnSource, value: Any, problems: list[str]) -> Any:
    """A list item's field: its default for NULL, its code map (an unmapped code is a problem, not a guess)."""
    if value is None or value == "":
        return source.default
    if source.codes is None:
        return value
    table = spec.codes[source.codes]
    code = str(value)
    if code not in table:
        problem = (f"代码未对照：{name} 的 HIS 代码 {code!r} 不在对照表 {source.codes} 中"
                   "（在 include/mappings 中补充对照后重新排队）")
        if problem not in problems:
            problems.append(problem)
        return None
    return table[code]


_Plan = tuple[tuple[str, str | None, Any, dict[str, str] | None, str | None], ...]
#: id(spec) → (the spec, kept alive so its id is not reused, and its plan)
_plans: dict[int, tuple[FeedSpec, _Plan]] = {}


def _plan(spec: FeedSpec) -> _Plan:
    """The spec's fields as (wire name, column or None for a constant, default/constant, code table, its name),
    worked out once per spec rather than once per row."""
    cached = _plans.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    plan = tuple(
        (name, None, src.const, None, None) if isinstance(src, ConstSource)
        else (name, src.column, src.default, spec.codes[src.codes] if src.codes else None, src.codes)
        for name, src in spec.fields.items()
    )
    _plans[id(spec)] = (spec, plan)
    return plan
