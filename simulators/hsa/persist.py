"""The 医保 simulator's memory in a file (:mod:`simulators.persist`): uploads, msgids, the message journal,
sign-ins, counters and the 两定 settlement store survive a restart of ``python -m simulators.hsa --state FILE``.

Records are kept as one list in arrival order (their key is in each), msgids as ``[fixmedins_code, msgid]``
pairs. Stock and the sold and returned traceability codes are derived: rebuilt from the records on load. The
lock, the clock, the tif nonces of the last minutes and the configuration (the command line's) are not kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulators.hsa import settlement as _settlement
from simulators.hsa import state as _state
from simulators.persist import (
    StateFileError,
    StateFormat,
    StatePersister,
    dataclasses_of,
    items_of,
    of_type,
    str_dict,
    write_atomically,
)

#: SimState's memory, as kept in the file (derived and per-process fields are left out)
MEMORY_FIELDS = ("records", "msgids", "journal", "sign_ins", "counters", "settlement", "_seq", "_serial")
DATACLASSES: dict[str, type] = {cls.__name__: cls for cls in dataclasses_of(_state, _settlement)}


def _dump(state: _state.SimState) -> dict[str, Any]:
    memory = {name: getattr(state, name) for name in MEMORY_FIELDS}
    memory["records"] = sorted((r for rs in state.records.values() for r in rs), key=lambda r: r.seq)
    return memory


def _restore(state: _state.SimState, memory: dict[str, Any]) -> None:
    kept = {name: memory[name] for name in MEMORY_FIELDS}
    records: dict[tuple[str, str, str], list[_state.Record]] = {}
    for r in items_of(kept["records"], _state.Record, "records"):
        records.setdefault((r.fixmedins_code, r.inv_data_type, r.fixmedins_bchno), []).append(r)
    kept["records"] = records
    kept["msgids"] = {tuple(of_type(m, (list, tuple), "msgids")) for m in of_type(kept["msgids"], (set, list), "msgids")}
    str_dict(kept["sign_ins"], "sign_ins", _state.SignIn)
    str_dict(kept["journal"], "journal", dict)
    str_dict(kept["counters"], "counters", int)
    of_type(kept["settlement"], _settlement.SettlementStore, "settlement")
    for name in ("_seq", "_serial"):
        of_type(kept[name], int, name)
    for name, value in kept.items():
        setattr(state, name, value)
    state._rebuild()  # stock, sold and returned codes follow from the records


def _describe(state: _state.SimState) -> str:
    records = sum(len(rs) for rs in state.records.values())
    return f"{records} records, {len(state.sign_ins)} sign-ins, {len(state.msgids)} msgids"


HSA: StateFormat[_state.SimState] = StateFormat(
    simulator="hsa", title="医保", dataclasses=tuple(DATACLASSES.values()), dump=_dump, restore=_restore,
    describe=_describe,
)
FORMAT = HSA.format


def dump_state(state: _state.SimState) -> str:
    """The memory of ``state`` as the file's text (taken under its lock: a consistent snapshot)."""
    return HSA.dumps(state)


def load_state(state: _state.SimState, path: Path) -> bool:
    """Fill ``state``'s memory from ``path``; ``False`` (memory untouched) when the file does not exist yet."""
    return HSA.load(state, path)


def persister(state: _state.SimState, path: Path) -> StatePersister[_state.SimState]:
    return StatePersister(HSA, state, path)


__all__ = ["FORMAT", "HSA", "MEMORY_FIELDS", "StateFileError", "dump_state", "load_state", "persister",
           "write_atomically"]
