"""A simulator's memory in a file, so that a restart (``make airflow`` stopped and started again) finds what the
platform had received — a real platform does not forget its uploads, and a feed re-run against a simulator that
has forgotten would be told nothing is duplicated. Shared by the simulators; each one says in its own
``persist.py`` what its memory is (a :class:`StateFormat`), so none imports another's state.

``python -m simulators.<name> --state FILE`` loads the file at start (when it exists) and writes it after every
request that can change something (any method but GET/HEAD/OPTIONS), debounced (at most one write per
:data:`WRITE_INTERVAL_S`, or per four times the last write's duration when the state is big) and once more at
shutdown (SIGTERM, Ctrl-C, or ``stop()`` of the in-process server). A write is atomic: a temporary file in the
same folder, fsync, then ``os.replace`` — a crash leaves the old file or the new one, never half of one. A file
that cannot be read back is refused by name and left untouched (never silently replaced by an empty memory).

The format is JSON with tagged values, so the file stays readable and no pickle is ever loaded:
``{"__decimal__": "1.20"}``, ``{"__bytes__": "<base64>"}``, ``{"__set__": […]}``, a dataclass's dict field whose
keys are not strings as ``{"__items__": [[k, v], …]}`` (tuple keys as lists) and a dataclass as
``{"__dc__": "Class", …fields}`` — only the simulator's own dataclasses (``StateFormat.dataclasses``) are
rebuilt. The standard library's C encoder writes everything else (10,000 医保 uploads: ~0.5 s, under the state's
lock). What is derived (indexes, stock) is rebuilt from the memory on load; what belongs to one process (the
lock, a clock, the nonces of the last minutes, fault plans) and the configuration (the command line's) are not
kept.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import uvicorn
from fastapi import FastAPI

log = logging.getLogger("simulators.persist")

WRITE_INTERVAL_S = 0.5


class StateFileError(Exception):
    """The state file cannot be read back: say which file and why (it is left untouched)."""


class Locked(Protocol):
    """Every simulator's state: one re-entrant lock guards its memory."""

    lock: Any


S = TypeVar("S", bound=Locked)


def dataclasses_of(*modules: Any) -> tuple[type, ...]:
    """The dataclasses defined in ``modules`` (not imported into them): what a state file may rebuild."""
    return tuple(cls for module in modules for cls in vars(module).values()
                 if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__)  # fmt: skip


@dataclass(frozen=True)
class StateFormat(Generic[S]):
    """What one simulator keeps in its file.

    ``dump(state)`` returns the memory (called under ``state.lock``: a consistent snapshot) as JSON-able values,
    the simulator's dataclasses, Decimals, bytes and sets; ``restore(state, memory)`` puts it back (under the
    lock) and rebuilds what is derived. ``restore`` must check and build everything first and assign last, so a
    bad file leaves the state as it was; a ``KeyError``/``TypeError``/``ValueError``/``AttributeError`` it raises
    (or a bad Decimal's ``ArithmeticError``) is reported as :class:`StateFileError` naming the file.
    """

    simulator: str  # written in the file and checked on load: one simulator never loads another's file
    title: str  # how messages name it: "医保"
    dataclasses: tuple[type, ...]
    dump: Callable[[S], dict[str, Any]]
    restore: Callable[[S, dict[str, Any]], None]
    describe: Callable[[S], str] = lambda state: "its memory"  # what was loaded, for the start-up line
    format: int = 1

    # ------------------------------------------------------------------------------------------- the codec

    def _classes(self) -> dict[str, type]:
        return {cls.__name__: cls for cls in self.dataclasses}

    def dumps(self, state: S) -> str:
        """The memory of ``state`` as the file's text."""
        classes = self._classes()

        def default(value: Any) -> Any:  # what json cannot write itself (str, numbers, lists, str-keyed dicts)
            if isinstance(value, Decimal):
                return {"__decimal__": str(value)}
            if isinstance(value, bytes):
                return {"__bytes__": base64.b64encode(value).decode("ascii")}
            if isinstance(value, (set, frozenset)):
                return {"__set__": sorted(value, key=repr)}
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                name = type(value).__name__
                if classes.get(name) is not type(value):
                    raise TypeError(f"cannot keep a {type(value).__qualname__} in the state file")
                out: dict[str, Any] = {"__dc__": name}
                for f in dataclasses.fields(value):
                    v = getattr(value, f.name)
                    if isinstance(v, dict) and not all(isinstance(k, str) for k in v):
                        v = {"__items__": [[list(k) if isinstance(k, tuple) else k, item] for k, item in v.items()]}
                    out[f.name] = v
                return out
            raise TypeError(f"cannot keep a {type(value).__qualname__} in the state file")

        with state.lock:
            memory = self.dump(state)
            return json.dumps({"format": self.format, "simulator": self.simulator, "memory": memory},
                              ensure_ascii=False, default=default, check_circular=False)  # fmt: skip

    def _object_hook(self) -> Callable[[dict[str, Any]], Any]:
        classes = self._classes()

        def hook(value: dict[str, Any]) -> Any:  # inner dicts come first
            if len(value) == 1:  # a tag is alone in its object (a row that merely has such a key stays a dict)
                (tag, inner), = value.items()
                if tag == "__decimal__":
                    return Decimal(inner)
                if tag == "__bytes__":
                    return base64.b64decode(inner, validate=True)
                if tag == "__set__":
                    return {tuple(v) if isinstance(v, list) else v for v in inner}
                if tag == "__items__":
                    return {tuple(k) if isinstance(k, list) else k: v for k, v in inner}
            if "__dc__" in value:
                cls = classes.get(value["__dc__"])
                if cls is None:
                    raise StateFileError(f"unknown record type {value['__dc__']!r}")
                fields = {f.name: f for f in dataclasses.fields(cls)}
                obj = cls(**{k: v for k, v in value.items() if k in fields and fields[k].init})
                for k, v in value.items():  # fields outside __init__
                    if k in fields and not fields[k].init:
                        object.__setattr__(obj, k, v)
                return obj
            return value

        return hook

    def loads(self, state: S, text: str, *, source: str = "the state file") -> None:
        """Fill ``state``'s memory from the file's text (``source`` names it in errors)."""
        try:
            try:
                data = json.loads(text, object_hook=self._object_hook())
            except (ValueError, TypeError, StateFileError):
                self._check_header(json.loads(text))  # another simulator's records: say whose file it is
                raise
            self._check_header(data)
            with state.lock:
                self.restore(state, data["memory"])
        except (ValueError, ArithmeticError, KeyError, TypeError, AttributeError, StateFileError) as exc:
            raise StateFileError(f"{source}: cannot read the simulator's state ({exc}); move the file away to "
                                 "start empty") from exc

    def _check_header(self, data: Any) -> None:
        if not isinstance(data, dict) or data.get("simulator") != self.simulator \
                or data.get("format") != self.format or not isinstance(data.get("memory"), dict):
            found = f" (found {data.get('simulator')!r}, format {data.get('format')!r})" if isinstance(data, dict) else ""
            raise StateFileError(f"not a format-{self.format} {self.title} simulator state file{found}")

    def load(self, state: S, path: Path) -> bool:
        """Fill ``state``'s memory from ``path``; ``False`` (memory untouched) when the file does not exist yet."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return False
        except UnicodeDecodeError as exc:
            raise StateFileError(f"{path}: cannot read the simulator's state ({exc}); move the file away to "
                                 "start empty") from exc
        self.loads(state, text, source=str(path))
        return True

    def save(self, state: S, path: Path) -> None:
        """Write ``state``'s memory to ``path`` now (atomically), e.g. a demo handing its data to the next run."""
        write_atomically(path, self.dumps(state))


def write_atomically(path: Path, text: str) -> None:
    """``text`` in ``path`` or nothing changed: a temporary file in the same folder, fsync, then a rename."""
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


class StatePersister(Generic[S]):
    """Writes ``state`` to ``path`` after changes (:meth:`changed`), debounced, from one background thread;
    :meth:`close` writes what is left. Use :meth:`attach` to mark changes from an app's requests."""

    def __init__(self, fmt: StateFormat[S], state: S, path: Path, *, interval_s: float = WRITE_INTERVAL_S) -> None:
        self.format = fmt
        self.state = state
        self.path = Path(path)
        self.interval_s = interval_s
        self.writes = 0
        self.last_write_s = 0.0
        self._dirty = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()  # one write at a time (the thread's and close()'s)
        self._thread = threading.Thread(target=self._run, name=f"{fmt.simulator}-sim-state-writer", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        self._dirty.set()

    def flush(self) -> None:
        with self._lock:
            self._dirty.clear()
            started = time.monotonic()
            write_atomically(self.path, self.format.dumps(self.state))
            self.last_write_s = time.monotonic() - started
            self.writes += 1

    def close(self) -> None:
        self._closing.set()
        self._dirty.set()
        self._thread.join(timeout=5)
        self.flush()

    def attach(self, app: FastAPI) -> None:
        """Mark the state changed after every request that may change it (any method but GET/HEAD/OPTIONS)."""

        @app.middleware("http")
        async def mark_changed(request, call_next):  # noqa: ANN001, ANN202 - Starlette's middleware signature
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


def keep_state(fmt: StateFormat[S], state: S, path: Path | None, app: FastAPI) -> tuple[StatePersister[S] | None, str]:
    """``--state FILE``: load ``path`` into ``state`` and keep it written from ``app``'s requests. Returns the
    persister (``None`` without a file) and what to tell the operator. Raises :class:`StateFileError`."""
    if path is None:
        return None, "memory only"
    loaded = fmt.load(state, path)
    persister = StatePersister(fmt, state, path)
    persister.attach(app)
    return persister, f"state {path}: " + (f"loaded {fmt.describe(state)}" if loaded else "new")


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(app: FastAPI, persister: StatePersister[Any] | None, *, host: str, port: int, log_level: str) -> None:
    """``uvicorn.run`` with the last write of the state after the server stopped, however it stopped."""
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again with the handler it found: with the
    # default one the process would die before the last write, so that handler ends the process through Python
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    finally:
        if persister is not None:
            persister.close()  # the last changes, however the server ended


def by_key(items: Iterable[Any], key: Callable[[Any], Any]) -> dict[Any, Any]:
    """``{key(item): item}`` in the items' order; a repeated key is a corrupt file, not a silent overwrite."""
    out: dict[Any, Any] = {}
    for item in items:
        k = key(item)
        if k in out:
            raise ValueError(f"{k!r} appears twice")
        out[k] = item
    return out


def of_type(value: Any, cls: type | tuple[type, ...], what: str) -> Any:
    """``value`` when it is a ``cls`` (a record of the file where another type stands is a corrupt file)."""
    if not isinstance(value, cls):
        raise TypeError(f"{what}: expected {getattr(cls, '__name__', cls)}, found {type(value).__name__}")
    return value


def str_dict(value: Any, what: str, values: type | tuple[type, ...] = object) -> dict[str, Any]:
    """A JSON object of str keys (and ``values``), checked."""
    of_type(value, dict, what)
    for k, v in value.items():
        of_type(v, values, f"{what}[{k!r}]")
    return value


def items_of(value: Any, cls: type, what: str) -> list[Any]:
    """A JSON array of ``cls`` records, checked."""
    return [of_type(v, cls, f"{what}[{n}]") for n, v in enumerate(of_type(value, list, what))]


__all__ = ["StateFileError", "StateFormat", "StatePersister", "WRITE_INTERVAL_S", "by_key",
           "dataclasses_of", "items_of", "keep_state", "of_type", "serve", "str_dict", "write_atomically"]
