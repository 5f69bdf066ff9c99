"""The 城市大脑 simulator's memory in a file (:mod:`simulators.persist`): ``python -m simulators.city_brain
--state FILE`` keeps what the receiver was pushed across restarts — the events (an eventId received before a
restart is still a duplicate after it, its ``late`` mark and counts as they were), the history records with
their receipts, versions and batchNos, the history batches in arrival order, the journal and the counters.

Derived, rebuilt on load: each visit's events in arrival order. Not kept: the lock, the nonces of the last
minutes (a replay window belongs to one process, as the clock does), the fault plan and the configuration
(the hospitals, from the command line).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from simulators.city_brain import state as _state
from simulators.persist import StateFormat, by_key, dataclasses_of, items_of, of_type, str_dict


def _dump(state: _state.SimState) -> dict[str, Any]:
    return {
        "events": list(state.events.values()),
        "history": list(state.history.values()),
        "batches": state.batches,
        "journal": list(state.journal),
        "counters": state.counters,
        "_seq": state._seq,
    }


def _restore(state: _state.SimState, memory: dict[str, Any]) -> None:
    events = by_key(sorted(items_of(memory["events"], _state.Event, "events"), key=lambda e: e.seq),
                    lambda e: e.event_id)  # fmt: skip
    visits: dict[tuple[str, str], list[str]] = {}
    for event in events.values():  # arrival order
        visits.setdefault((event.data["orgCode"], event.data["visitId"]), []).append(event.event_id)
    history = by_key(items_of(memory["history"], _state.HistoryRecord, "history"),
                     lambda r: (r.data_type, r.record_id))  # fmt: skip
    batches = items_of(memory["batches"], _state.Batch, "batches")
    journal = items_of(memory["journal"], dict, "journal")
    counters = str_dict(memory["counters"], "counters", int)
    seq = of_type(memory["_seq"], int, "_seq")
    # everything checked: now the state (the hospitals, the nonces and the faults stay as started)
    state.events, state.visits, state.history, state.batches = events, visits, history, batches
    state.journal = deque(journal, maxlen=state.journal_max)
    state.counters, state._seq = counters, seq


def _describe(state: _state.SimState) -> str:
    return f"{len(state.events)} events, {len(state.history)} history records, {len(state.batches)} batches"


CITY_BRAIN: StateFormat[_state.SimState] = StateFormat(
    simulator="city_brain", title="城市大脑", dataclasses=dataclasses_of(_state), dump=_dump, restore=_restore,
    describe=_describe,
)
