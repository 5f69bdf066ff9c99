"""The simulator's memory in a file, so that a restart (``make airflow`` stopped and started again) finds the
uploads, sign-ins, msgids and settlements it had — a real platform does not forget them, and a feed re-run
against a simulator that has forgotten would be told nothing is duplicated.

``python -m simulators.hsa --state var/airflow/hsa_simulator_state.json`` loads the file at start (when it
exists) and writes it after every request that can change something (any method but GET/HEAD/OPTIONS),
debounced (at most one write per :data:`WRITE_INTERVAL_S`, or per four times the last write's duration when
the state is big) and once more at shutdown (SIGTERM, Ctrl-C, or :meth:`SimServer.stop` in-process). A write is atomic: a
temporary file in the same folder, fsync, then ``os.replace`` — a crash leaves the old file or the new one,
never half of one.

The format is JSON with tagged values, so the file stays readable and no pickle is ever loaded:
``{"__decimal__": "1.20"}``, ``{"__bytes__": "<base64>"}``, ``{"__set__": […]}``, a dataclass's dict field whose
keys are not strings as ``{"__items__": [[k, v], …]}`` (tuple keys as lists) and a dataclass as
``{"__dc__": "Class", …fields}`` — only the simulator's own dataclasses (:data:`DATACLASSES`) are rebuilt. The
standard library's C encoder writes everything else (10,000 uploads: ~0.5 s, under the state's lock). What is derived (stock, sold and
returned codes) is rebuilt from the records on load; what belongs to one process (the lock, the clock, the tif
nonces of the last minutes) and the configuration (the command line's) are not kept.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import os
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulators.hsa import settlement as _settlement
from simulators.hsa import state as _state

log = logging.getLogger("simulators.hsa.persist")

FORMAT = 1
WRITE_INTERVAL_S = 0.5
#: SimState's memory, as kept in the file (derived and per-process fields are left out)
MEMORY_FIELDS = ("records", "msgids", "journal", "sign_ins", "counters", "settlement", "_seq", "_serial")
DATACLASSES: dict[str, type] = {
    cls.__name__: cls
    for module in (_state, _settlement)
    for cls in vars(module).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
}


class StateFileError(Exception):
    """The state file cannot be read back: say which file and why (it is left untouched)."""


def _default(value: Any) -> Any:
    """What ``json`` cannot write itself (it writes str, numbers, lists and str-keyed dicts in C, fast)."""
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted(value, key=repr)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if DATACLASSES.get(name) is not type(value):
            raise TypeError(f"cannot keep a {type(value).__qualname__} in the state file")
        out: dict[str, Any] = {"__dc__": name}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if isinstance(v, dict) and not all(isinstance(k, str) for k in v):
                v = {"__items__": [[list(k) if isinstance(k, tuple) else k, item] for k, item in v.items()]}
            out[f.name] = v
        return out
    raise TypeError(f"cannot keep a {type(value).__qualname__} in the state file")


def _object(value: dict[str, Any]) -> Any:
    """``json.loads``'s ``object_hook``: the tagged values back (inner dicts come first)."""
    if "__decimal__" in value:
        return Decimal(value["__decimal__"])
    if "__bytes__" in value:
        return base64.b64decode(value["__bytes__"])
    if "__set__" in value:
        return {tuple(v) if isinstance(v, list) else v for v in value["__set__"]}
    if "__items__" in value:
        return {tuple(k) if isinstance(k, list) else k: v for k, v in value["__items__"]}
    if "__dc__" in value:
        cls = DATACLASSES.get(value["__dc__"])
        if cls is None:
            raise StateFileError(f"unknown record type {value['__dc__']!r}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        obj = cls(**{k: v for k, v in value.items() if k in fields and fields[k].init})
        for k, v in value.items():  # fields outside __init__
            if k in fields and not fields[k].init:
                object.__setattr__(obj, k, v)
        return obj
    return value


def dump_state(state: _state.SimState) -> str:
    """The memory of ``state`` as the file's text (taken under its lock: a consistent snapshot). Records are
    kept as one list (their key is in each), msgids as ``[fixmedins_code, msgid]`` pairs."""
    with state.lock:
        memory = {name: getattr(state, name) for name in MEMORY_FIELDS}
        memory["records"] = sorted((r for rs in state.records.values() for r in rs), key=lambda r: r.seq)
        return json.dumps({"format": FORMAT, "simulator": "hsa", "memory": memory}, ensure_ascii=False,
                          default=_default, check_circular=False)


def load_state(state: _state.SimState, path: Path) -> bool:
    """Fill ``state``'s memory from ``path``; ``False`` (memory untouched) when the file does not exist yet."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    try:
        data = json.loads(text, object_hook=_object)
        if not isinstance(data, dict) or data.get("simulator") != "hsa" or data.get("format") != FORMAT:
            raise StateFileError(f"not a format-{FORMAT} 医保 simulator state file")
        memory = {name: data["memory"][name] for name in MEMORY_FIELDS}
        records: dict[tuple[str, str, str], list[_state.Record]] = {}
        for r in memory["records"]:
            records.setdefault((r.fixmedins_code, r.inv_data_type, r.fixmedins_bchno), []).append(r)
        memory["records"] = records
        memory["msgids"] = set(memory["msgids"])
    except (ValueError, KeyError, TypeError, AttributeError, StateFileError) as exc:
        raise StateFileError(f"{path}: cannot read the simulator's state ({exc}); move the file away to start "
                             "empty") from exc
    with state.lock:
        for name, value in memory.items():
            setattr(state, name, value)
        state._rebuild()  # stock, sold and returned codes follow from the records
    return True


def write_atomically(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StatePersister:
    """Writes ``state`` to ``path`` after changes (:meth:`changed`), debounced, from one background thread;
    :meth:`close` writes what is left. Use :meth:`attach` to mark changes from an app's requests."""

    def __init__(self, state: _state.SimState, path: Path, *, interval_s: float = WRITE_INTERVAL_S) -> None:
        self.state = state
        self.path = Path(path)
        self.interval_s = interval_s
        self.writes = 0
        self.last_write_s = 0.0
        self._dirty = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()  # one write at a time (the thread's and close()'s)
        self._thread = threading.Thread(target=self._run, name="hsa-sim-state-writer", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        self._dirty.set()

    def flush(self) -> None:
        with self._lock:
            self._dirty.clear()
            started = time.monotonic()
            write_atomically(self.path, dump_state(self.state))
            self.last_write_s = time.monotonic() - started
            self.writes += 1

    def close(self) -> None:
        self._closing.set()
        self._dirty.set()
        self._thread.join(timeout=5)
        self.flush()

    def attach(self, app) -> None:
        """Mark the state changed after every request that may change it (any method but GET/HEAD/OPTIONS)."""

        @app.middleware("http")
        async def mark_changed(request, call_next):
            try:
                return await call_next(request)
            finally:
                if request.method not in ("GET", "HEAD", "OPTIONS"):
                    self.changed()

    def _run(self) -> None:
        while not self._closing.is_set():
            self._dirty.wait()
            if self._closing.is_set():
                return
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - a full disk must not stop the simulator; the next change retries
                log.exception("writing the simulator's state to %s failed", self.path)
            # a big state takes a while to dump under the state's lock: keep that under a fifth of the time
            self._closing.wait(max(self.interval_s, 4 * self.last_write_s))
