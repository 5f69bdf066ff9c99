"""The CDC front-end simulator's memory in a file (:mod:`simulators.persist`): ``python -m simulators.cdc
--state FILE`` keeps what the front-end received across restarts — every record's latest version with its
version and duplicate counts (deleted ones as tombstones: a second DELETE is still answered 记录已删除 with
the time of the first, a child pointing at one is still PARENT_DELETED, an upsert revives it), the journal and
the counters.

Derived, rebuilt on load: the live children of each record (what a DELETE of a parent checks). Not kept: the
lock, the clock, the fault plan and the configuration (the command line's: how a parent is deleted, whether the
quality fields are required, the journal size).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from simulators.cdc import spec
from simulators.cdc import state as _state
from simulators.persist import StateFormat, by_key, dataclasses_of, items_of, of_type, str_dict


def _dump(state: _state.SimState) -> dict[str, Any]:
    return {
        "records": {entity: list(by_id.values()) for entity, by_id in state.records.items()},
        "journal": list(state.journal),
        "counters": state.counters,
        "_seq": state._seq,
    }


def _restore(state: _state.SimState, memory: dict[str, Any]) -> None:
    entities = str_dict(memory["records"], "records", list)
    unknown = set(entities) - set(spec.BY_ENTITY)
    if unknown:
        raise ValueError(f"unknown entities {sorted(unknown)}")
    records: dict[str, dict[str, _state.Record]] = {}
    for table in spec.TABLES:
        kept = items_of(entities.get(table.entity, []), _state.Record, f"records[{table.entity}]")
        if any(r.entity != table.entity for r in kept):
            raise ValueError(f"records[{table.entity}] holds a record of another entity")
        records[table.entity] = by_key(kept, lambda r: r.id)
    children: dict[_state.Key, set[_state.Key]] = {}
    for entity, by_id in records.items():
        for record in by_id.values():
            if not record.deleted:
                for ref in _state.references(spec.BY_ENTITY[entity], record.data):
                    children.setdefault(ref, set()).add((entity, record.id))
    journal = items_of(memory["journal"], dict, "journal")
    counters = str_dict(memory["counters"], "counters", int)
    seq = of_type(memory["_seq"], int, "_seq")
    # everything checked: now the state (the configuration and the faults stay as started)
    state.records, state.children, state.counters, state._seq = records, children, counters, seq
    state.journal = deque(journal, maxlen=state.journal_max)


def _describe(state: _state.SimState) -> str:
    live = sum(1 for by_id in state.records.values() for r in by_id.values() if not r.deleted)
    return f"{live} records, {len(state.journal)} journal entries"


CDC: StateFormat[_state.SimState] = StateFormat(
    simulator="cdc", title="传染病前置软件", dataclasses=dataclasses_of(_state), dump=_dump, restore=_restore,
    describe=_describe,
)
