"""The 互认 simulator's memory in a file (:mod:`simulators.persist`): ``python -m simulators.mutual --state FILE``
keeps what the platform received across restarts — the uploaded rows (tombstones of withdrawn ones included,
with their version and duplicate counts), other hospitals' seeded reports, the record uploads (reminder,
recognition, retrieval, quote, revoke: a GUID received before a restart is still a duplicate after it), the
journal and the counters.

Derived, rebuilt on load: a person's reports, a lab report's children (in the order they were linked) and the
seeded reports per person. Not kept: the lock, the clock (real time unless ``--clock`` or the admin route fixes
it again), the fault plan and the configuration (the command line's).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from simulators.mutual import reports as _reports
from simulators.mutual import spec
from simulators.mutual import state as _state
from simulators.persist import StateFormat, by_key, dataclasses_of, items_of, of_type, str_dict

_COUNTS = ("_seq", "_revokes", "_links")


def _dump(state: _state.SimState) -> dict[str, Any]:
    return {
        "rows": [row for by_no in state.rows.values() for row in by_no.values()],
        "reports": list(state.reports.values()),
        "records": {kind: list(entries.values()) for kind, entries in state.records.items()},
        "journal": list(state.journal),
        "counters": state.counters,
        **{name: getattr(state, name) for name in _COUNTS},
    }


def _restore(state: _state.SimState, memory: dict[str, Any]) -> None:
    rows: dict[tuple[str, str], dict[str, _state.Row]] = {}
    for row in items_of(memory["rows"], _state.Row, "rows"):
        by_no = rows.setdefault((row.org, row.data_type), {})
        if row.business_no in by_no:
            raise ValueError(f"row {row.org}/{row.data_type}/{row.business_no} appears twice")
        by_no[row.business_no] = row
    seeded = by_key(items_of(memory["reports"], _reports.Report, "reports"), lambda r: r.report_id)
    kinds = str_dict(memory["records"], "records", list)
    unknown = set(kinds) - set(spec.RECORD_KINDS)
    if unknown:
        raise ValueError(f"unknown record kinds {sorted(unknown)}")
    records = {kind: by_key(items_of(kinds.get(kind, []), _state.RecordEntry, f"records[{kind}]"), lambda e: e.key)
               for kind in spec.RECORD_KINDS}  # fmt: skip
    journal = items_of(memory["journal"], dict, "journal")
    counters = str_dict(memory["counters"], "counters", int)
    counts = {name: of_type(memory[name], int, name) for name in _COUNTS}
    # everything checked: now the state (the configuration, the clock and the faults stay as started)
    state.rows, state.reports, state.records, state.counters = rows, seeded, records, counters
    state.journal = deque(journal, maxlen=state.journal_max)
    for name, value in counts.items():
        setattr(state, name, value)
    state.rebuild()


def _describe(state: _state.SimState) -> str:
    rows = sum(1 for by_no in state.rows.values() for r in by_no.values() if not r.deleted)
    records = sum(len(entries) for entries in state.records.values())
    return f"{rows} rows, {len(state.reports)} seeded reports, {records} records"


MUTUAL: StateFormat[_state.SimState] = StateFormat(
    simulator="mutual", title="互认", dataclasses=dataclasses_of(_state, _reports), dump=_dump, restore=_restore,
    describe=_describe,
)
