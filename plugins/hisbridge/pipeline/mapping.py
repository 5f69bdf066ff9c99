"""HIS record → wire row, as the feed's YAML declares: columns, constants, code-value maps, lists.

Type formatting (dates, times, decimals) belongs to the platform's typed models, not here. An unmapped code
value is not guessed: it becomes a :class:`MappingError` and the record is quarantined with that reason.
"""

from __future__ import annotations

from typing import Any

from hisbridge.pipeline.extract import SourceRecord
from hisbridge.pipeline.spec import ColumnSource, ConstSource, FeedSpec


class MappingError(ValueError):
    pass


def map_record(spec: FeedSpec, record: SourceRecord) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    for name, src in spec.fields.items():
        if isinstance(src, ConstSource):
            wire[name] = src.const
            continue
        assert isinstance(src, ColumnSource)
        value = record.values.get(src.column)
        if value is None or value == "":
            value = src.default
        elif src.codes:
            table = spec.codes[src.codes]
            code = str(value)
            if code not in table:
                raise MappingError(f"{name}: HIS code {code!r} has no mapping in {src.codes}")
            value = table[code]
        wire[name] = value
    for name, src in spec.lists.items():
        wire[name] = [{src.item_field: str(v)} for v in record.lists.get(name, [])]
    return wire
