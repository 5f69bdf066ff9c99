"""The 城市大脑 API exactly as ``python -m hisbridge city-brain serve`` builds it (``wiring.standalone_app_from_airflow``
from the same Airflow connections), with time accounting around its parts — for ``bench_city_brain_api.py
--timings DIR`` only; the plain bench serves through ``serve`` itself.

Each worker adds up, per part, the CPU of the thread that ran it (``time.thread_time``) and its wall time:

==================  ===========================================================================================
``call``            ``CityBrainService.call`` in a request thread: guard, endpoint, answer, journal entry built
``guard``           ``Guard.check`` (IP, envelope, appId, rate, timestamp, signature and the nonce)
``nonce``           ``Ledger.remember_nonce`` (INSERT … ON CONFLICT DO NOTHING RETURNING, its own commit)
``endpoint``        ``Executor.run`` (parameters, the SQL, the answer's models)
``his_sql``         statements on the HIS (SQLAlchemy's ``before/after_cursor_execute``: compile excluded, the
                    driver's execute included, rows not yet fetched)
``pydantic``        the list endpoints' answer models (``TypeAdapter.validate_python`` and ``dump_python``)
``journal``         ``Ledger.journal_many`` in the journal thread (one INSERT per batch of entries, its commit)
``ledger_sql``      statements on the ledger, as ``his_sql``
==================  ===========================================================================================

and the process's own CPU (``os.times``) from the end of its start-up to its shut-down: what the parts do not cover is the event loop, uvicorn,
Starlette/FastAPI, the thread-pool hand-offs and the GIL's switching. It writes ``<pid>.json`` in
``HB_BENCH_TIMINGS``. With ``HB_BENCH_PROFILE=1`` it also profiles (``cProfile`` on ``thread_time``) every request
thread around ``call`` and ``record``, and the event loop's thread from start-up, into ``<pid>-threads.prof`` and
``<pid>-loop.prof``.

    HB_BENCH_TIMINGS=/tmp/t AIRFLOW_CONN_…=… python -m uvicorn city_brain_child:app --factory --workers 2
"""

from __future__ import annotations

import cProfile
import functools
import json
import os
import pstats
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from common import add_project_paths

add_project_paths()

PROFILE = os.environ.get("HB_BENCH_PROFILE") == "1"


class Parts:
    """Thread-safe sums: part → [count, CPU seconds, wall seconds]."""

    def __init__(self) -> None:
        self.sums: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self.lock = threading.Lock()

    def add(self, part: str, cpu: float, wall: float) -> None:
        with self.lock:
            entry = self.sums[part]
            entry[0] += 1
            entry[1] += cpu
            entry[2] += wall


PARTS = Parts()
_local = threading.local()
_thread_profiles: list[cProfile.Profile] = []
_profiles_lock = threading.Lock()


def _thread_profile() -> cProfile.Profile:
    profile = getattr(_local, "profile", None)
    if profile is None:
        profile = _local.profile = cProfile.Profile(time.thread_time)
        with _profiles_lock:
            _thread_profiles.append(profile)
    return profile


def timed(owner: type, name: str, part: str, *, profiled: bool = False) -> None:
    """Wrap ``owner.name`` so that each call adds its thread CPU and wall time to ``part``."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        profile = _thread_profile() if profiled and PROFILE else None
        cpu, wall = time.thread_time(), time.perf_counter()
        if profile is not None:
            profile.enable()
        try:
            return original(*args, **kwargs)
        finally:
            if profile is not None:
                profile.disable()
            PARTS.add(part, time.thread_time() - cpu, time.perf_counter() - wall)

    setattr(owner, name, wrapper)


class _TimedAdapter:
    """A ``TypeAdapter`` whose validation and dumping count as ``pydantic``."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter

    def _timed(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            PARTS.add("pydantic", time.thread_time() - cpu, time.perf_counter() - wall)

    def validate_python(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed(self.adapter.validate_python, *args, **kwargs)

    def dump_python(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed(self.adapter.dump_python, *args, **kwargs)


def _instrument() -> None:
    from sqlalchemy import Engine, event

    from hisbridge.ledger.store import Ledger
    from hisbridge.platforms.city_brain import executor
    from hisbridge.platforms.city_brain.guard import Guard
    from hisbridge.platforms.city_brain.service import CityBrainService

    timed(CityBrainService, "call", "call", profiled=True)
    timed(Ledger, "journal_many", "journal")
    timed(Guard, "check", "guard")
    timed(Ledger, "remember_nonce", "nonce")
    timed(executor.Executor, "run", "endpoint")
    original_items = executor._items
    executor._items = functools.cache(lambda model: _TimedAdapter(original_items(model)))

    ledger_db = os.environ.get("HB_BENCH_LEDGER_DB", "")

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["hb_bench_t"] = (time.thread_time(), time.perf_counter())

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany) -> None:
        started = conn.info.pop("hb_bench_t", None)
        if started is not None:
            part = "ledger_sql" if conn.engine.url.database == ledger_db else "his_sql"
            PARTS.add(part, time.thread_time() - started[0], time.perf_counter() - started[1])


def _cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def _report(started_cpu: float, loop_profile: cProfile.Profile | None) -> None:
    out = Path(os.environ["HB_BENCH_TIMINGS"])
    out.mkdir(parents=True, exist_ok=True)
    with PARTS.lock:
        parts = {k: list(v) for k, v in PARTS.sums.items()}
    report = {"pid": os.getpid(), "cpu_s": _cpu() - started_cpu, "parts": parts}
    (out / f"{os.getpid()}.json").write_text(json.dumps(report), encoding="utf-8")
    if loop_profile is not None:
        loop_profile.disable()
        loop_profile.dump_stats(out / f"{os.getpid()}-loop.prof")
    with _profiles_lock:
        profiles = list(_thread_profiles)
    if profiles:
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(out / f"{os.getpid()}-threads.prof")


def app():
    """The factory ``uvicorn --factory`` calls in each worker."""
    from hisbridge.platforms.city_brain.wiring import standalone_app_from_airflow

    _instrument()
    made = standalone_app_from_airflow()
    inner = made.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: Any):
        # uvicorn's workers leave by os._exit (no atexit): the report is written when the app shuts down
        loop_profile = cProfile.Profile(time.thread_time) if PROFILE else None
        async with inner(app_) as state:
            started_cpu = _cpu()  # after the imports and the start-up: what serving costs
            if loop_profile is not None:
                loop_profile.enable()
            yield state
        _report(started_cpu, loop_profile)

    made.router.lifespan_context = lifespan
    return made
