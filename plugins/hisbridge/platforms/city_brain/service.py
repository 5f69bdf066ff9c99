"""One call of the city brain, from the request's bytes to the answer's, with no web framework in it: the guard
(``guard.py``), the endpoint (``executor.py``) or the health check, the answer, the journal entry and the
process's metrics.

**Journal.** Every call — answered or refused — becomes one ``call_journal`` entry (platform ``city_brain``,
direction ``in``, caller the appId, operation the endpoint, outcome ``ok`` or the answer code, ``msgid`` the
answer's ``requestId``, the duration). Its request is the envelope without ``sign``, with the parameters the
models flag as personal masked (``idCardNo`` → ``360*************1X``) and the masking of ``hisbridge.logging``
over the whole text as a second net; its response is the code, the number of items, the total and the answer's
size — never the rows. The entry is queued after the answer has left (:meth:`CityBrainService.record`) and
written with others by the process's journal thread (``hisbridge.ledger.journal_writer``): a clean stop writes
them all; a hard kill loses the last few milliseconds' entries, never an answer.

**Metrics** are this process's: with ``--workers 4`` each worker counts its own calls (a scrape reaches one of
them); the HIS, ledger and push-queue figures are read at each scrape.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Engine, literal_column, select
from sqlalchemy.exc import SQLAlchemyError

from hisbridge.ledger.journal_writer import JournalWriter
from hisbridge.ledger.store import JournalEntry, Ledger
from hisbridge.logging import mask_text
from hisbridge.platforms.city_brain.answers import (
    INTERNAL,
    OK,
    REFUSALS,
    ApiError,
    load_answers,
)
from hisbridge.platforms.city_brain.catalogue import Endpoint
from hisbridge.platforms.city_brain.envelope import answer_bytes, new_request_id
from hisbridge.platforms.city_brain.executor import Executor, Result
from hisbridge.platforms.city_brain.guard import Guard, Refused
from hisbridge.platforms.city_brain.settings import CityBrainApiSettings

log = logging.getLogger("hisbridge.city_brain.api")

SERVICE = PLATFORM = "city_brain"
HEALTH = "health"
#: the push feeds whose unsent records the health check counts (feed ids starting with it)
PUSH_FEEDS = "city_brain_push"
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: parameters that say what a call is about, for looking calls up in the journal (the first one present)
REFERENCES = ("patientId", "regId", "admId", "billNo", "recordId")
MAX_JOURNALLED = 4000  # characters of a request kept when it could not be read as an envelope


@dataclass
class Reply:
    """What goes back: HTTP status, body, headers — and the journal entry to write once it has left."""

    status: int
    body: bytes
    headers: dict[str, str]
    code: str
    entry: JournalEntry | None = None


@dataclass
class Metrics:
    """This process's counters (thread-safe)."""

    requests: Counter = field(default_factory=Counter)  # (endpoint, code) → calls
    seconds: Counter = field(default_factory=Counter)  # endpoint → seconds spent answering
    refusals: Counter = field(default_factory=Counter)  # code → refusals by the guard
    started_at: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, endpoint: str, code: str, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, code)] += 1
            self.seconds[endpoint] += seconds
            if code in REFUSALS:
                self.refusals[code] += 1

    def snapshot(self) -> tuple[dict, dict, dict]:
        with self._lock:
            return dict(self.requests), dict(self.seconds), dict(self.refusals)


class CityBrainService:
    def __init__(self, *, settings: CityBrainApiSettings, his: Engine | Callable[[], Engine], ledger: Ledger,
                 endpoints: Mapping[str, Endpoint] | None = None, clock: Callable[[], float] = time.time) -> None:
        from hisbridge.platforms.city_brain import catalogue

        self.settings = settings
        self.ledger = ledger
        self.endpoints = dict(endpoints if endpoints is not None else catalogue.ENDPOINTS)
        self.executor = Executor(his, settings)
        self.guard = Guard(settings, self._remember_nonce, clock=clock)
        self.answers = load_answers()
        self.metrics = Metrics()
        self.journal = JournalWriter(ledger, name="city brain journal")

    def close(self) -> None:
        """Write the journal entries still queued. The engines belong to whoever made them (wiring disposes them
        with the process)."""
        self.journal.close()

    def flush(self) -> None:
        """Wait until the entries of the calls answered so far are in the journal."""
        self.journal.flush()

    # -- a call --------------------------------------------------------------------------------------------------
    def call(self, path: str, body: bytes, *, peer: str | None, forwarded_for: str | None = None) -> Reply:
        """Answer the call of endpoint ``path`` (or ``health``) whose request body is ``body``."""
        started, started_at = time.perf_counter(), datetime.now(UTC)
        request_id = new_request_id()
        app_id: str | None = None
        envelope = None
        result: Result | None = None
        retry_after: float | None = None
        try:
            admitted = self.guard.check(peer, body, forwarded_for)
            app_id, envelope = admitted.caller.app_id, admitted.envelope
            result = self.health() if path == HEALTH else self.executor.run(self.endpoints[path], envelope.biz)
            code, message, data = OK, self.answers.message(OK), result.data
        except ApiError as exc:
            code, message, data = exc.code, self.answers.message(exc.code, exc.detail), None
            retry_after = exc.retry_after_s
            if isinstance(exc, Refused):
                app_id, envelope = exc.app_id, exc.envelope
        except SQLAlchemyError as exc:  # the ledger (nonces) cannot be reached: no replay check, no answer
            log.error("city brain %s: the ledger could not be used (%s)", path, type(exc).__name__)
            code, message, data = INTERNAL, self.answers.message(INTERNAL, "台账数据库暂不可用，请稍后重试"), None
        except Exception:
            log.exception("city brain %s: unexpected failure (request %s)", path, request_id)
            code, message, data = INTERNAL, self.answers.message(INTERNAL), None
        answer = answer_bytes(code, message, request_id, data)
        status = self.answers.status(code)
        headers = {"X-Request-Id": request_id}
        if retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        elapsed = time.perf_counter() - started
        self.metrics.count(path, code, elapsed)
        if code != OK:
            log.info("city brain %s from %s (%s): %s %s", path, app_id or "-", peer or "-", code, message)
        entry = JournalEntry(
            platform=PLATFORM, operation=path, direction="in", outcome="ok" if code == OK else code,
            started_at=started_at, caller=(app_id or _claimed_app_id(body))[:100] or None, msgid=request_id,
            platform_code=code, err_msg=None if code == OK else message, http_status=status,
            request=_journalled_request(envelope, body, self.endpoints.get(path)),
            response=orjson.dumps({"code": code, "rows": result.rows if result else 0,
                                   "total": result.total if result else None, "bytes": len(answer)}).decode(),
            business_ref=_reference(envelope), duration_ms=int(elapsed * 1000))
        return Reply(status, answer, headers, code, entry)

    def record(self, entry: JournalEntry | None) -> None:
        """Queue a call's journal entry (after its answer left) for the journal thread; a ledger fault is logged
        there with the call's id, never raised."""
        if entry is not None:
            self.journal.put(entry)

    def _remember_nonce(self, app_id: str, nonce: str, keep_s: float) -> bool:
        return self.ledger.remember_nonce(SERVICE, app_id, nonce, keep_s)

    # -- health --------------------------------------------------------------------------------------------------
    def health(self) -> Result:
        """医院接口健康检查: the HIS (a trivial query and its time), the ledger, and the pushes not yet delivered."""
        figures = self.figures()
        his_up, ledger_up = figures["his_up"], figures["ledger_up"]
        oldest = figures["oldest_unsent_at"]
        data = {
            "status": "UP" if his_up and ledger_up else "DOWN",
            "his": {"status": "UP" if his_up else "DOWN", "latencyMs": _ms(figures["his_seconds"])},
            "ledger": {"status": "UP" if ledger_up else "DOWN", "latencyMs": _ms(figures["ledger_seconds"])},
            "pushes": {"unsent": figures["unsent"], "oldestAgeSeconds": figures["oldest_unsent_age_s"],
                       "oldestAt": _local(oldest) if oldest else None},
            "checkedAt": _local(datetime.now(UTC)),
        }
        return Result(data, rows=1)

    def figures(self) -> dict[str, Any]:
        """What the health check and the metrics report, read now."""
        out: dict[str, Any] = {"his_up": False, "his_seconds": None, "ledger_up": False, "ledger_seconds": None,
                               "unsent": None, "oldest_unsent_at": None, "oldest_unsent_age_s": None}
        try:
            out["his_seconds"] = self.executor.ping()
            out["his_up"] = True
        except Exception as exc:  # noqa: BLE001 - reporting it is the point
            log.warning("city brain health: HIS not reachable (%s)", type(exc).__name__)
        try:
            started = time.perf_counter()
            with self.ledger.engine.connect() as conn:
                conn.execute(select(literal_column("1"))).all()
            out["ledger_seconds"] = time.perf_counter() - started
            out["ledger_up"] = True
            count, oldest = self.ledger.unsent(PUSH_FEEDS)
            out["unsent"], out["oldest_unsent_at"] = count, oldest
            if oldest is not None:
                out["oldest_unsent_age_s"] = max(0, int((datetime.now(UTC) - oldest).total_seconds()))
        except Exception as exc:  # noqa: BLE001
            log.warning("city brain health: ledger not reachable (%s)", type(exc).__name__)
        return out

    def metrics_text(self) -> str:
        """The Prometheus text exposition (format 0.0.4) of this process's counters and of the figures now."""
        requests, seconds, refusals = self.metrics.snapshot()
        figures = self.figures()
        out: list[str] = []

        def family(name: str, kind: str, words: str, samples: list[tuple[dict[str, str], float]]) -> None:
            out.append(f"# HELP {name} {words}")
            out.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
                out.append(f"{name}{{{text}}} {_number(value)}" if text else f"{name} {_number(value)}")

        prefix = "hisbridge_city_brain"
        family(f"{prefix}_requests_total", "counter", "城市大脑接口调用次数（本进程），按接口与答复代码",
               [({"endpoint": e, "code": c}, n) for (e, c), n in sorted(requests.items())])
        family(f"{prefix}_refusals_total", "counter", "校验拒绝次数（本进程），按答复代码（1001–1007）",
               [({"code": c}, n) for c, n in sorted(refusals.items())])
        calls: Counter = Counter()
        for (endpoint, _), n in requests.items():
            calls[endpoint] += n
        out.append(f"# HELP {prefix}_request_seconds 答复用时（本进程），按接口")
        out.append(f"# TYPE {prefix}_request_seconds summary")
        for endpoint in sorted(seconds):
            out.append(f'{prefix}_request_seconds_sum{{endpoint="{_label(endpoint)}"}} {_number(seconds[endpoint])}')
            out.append(f'{prefix}_request_seconds_count{{endpoint="{_label(endpoint)}"}} {calls[endpoint]}')
        family(f"{prefix}_his_up", "gauge", "HIS 数据库可读（1 是 0 否）", [({}, 1 if figures["his_up"] else 0)])
        if figures["his_seconds"] is not None:
            family(f"{prefix}_his_ping_seconds", "gauge", "HIS 探测查询用时", [({}, figures["his_seconds"])])
        family(f"{prefix}_ledger_up", "gauge", "台账数据库可用（1 是 0 否）", [({}, 1 if figures["ledger_up"] else 0)])
        if figures["ledger_seconds"] is not None:
            family(f"{prefix}_ledger_ping_seconds", "gauge", "台账探测查询用时", [({}, figures["ledger_seconds"])])
        if figures["unsent"] is not None:
            family(f"{prefix}_unsent_pushes", "gauge", "未送达的推送记录数（pending、unknown、quarantined）",
                   [({}, figures["unsent"])])
            family(f"{prefix}_oldest_unsent_push_age_seconds", "gauge", "最早一条未送达推送记录的等待时间（无则为 0）",
                   [({}, figures["oldest_unsent_age_s"] or 0)])
        family(f"{prefix}_process_start_time_seconds", "gauge", "本进程开始计数的时间（Unix 秒）",
               [({"pid": str(os.getpid())}, self.metrics.started_at)])
        return "\n".join(out) + "\n"


# -- journal helpers ---------------------------------------------------------------------------------------------
def _journalled_request(envelope: Any, body: bytes, endpoint: Endpoint | None) -> str:
    """The request as kept in the journal: the envelope without ``sign``, personal parameters masked; a body that
    was not read as an envelope, masked and cut."""
    if envelope is None:
        return mask_text(body[:MAX_JOURNALLED].decode("utf-8", errors="replace"))
    kept = {k: v for k, v in envelope.raw.items() if k != "sign"}
    kept["bizContent"] = _masked(envelope.biz, _pii_names(endpoint))
    return mask_text(orjson.dumps(kept).decode())


def _pii_names(endpoint: Endpoint | None) -> frozenset[str]:
    if endpoint is None:
        return frozenset()
    names = set()
    for name, info in endpoint.params.model_fields.items():
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("pii"):
            names.update({name, info.alias or name})
    return frozenset(names)


def _masked(biz: dict[str, Any], pii: frozenset[str]) -> dict[str, Any]:
    out = {}
    for key, value in biz.items():
        if key in pii and value not in (None, ""):
            text = str(value)
            out[key] = text[:3] + "*" * max(0, len(text) - 5) + text[-2:] if len(text) > 5 else "***"
        else:
            out[key] = value
    return out


def _reference(envelope: Any) -> str | None:
    if envelope is None:
        return None
    for key in REFERENCES:
        value = envelope.biz.get(key)
        if isinstance(value, str | int) and str(value):
            return str(value)[:200]
    return None


def _claimed_app_id(body: bytes) -> str:
    """The appId a refused request claimed (for the journal), read without trusting anything else in it."""
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    claimed = raw.get("appId") if isinstance(raw, dict) else None
    return mask_text(claimed) if isinstance(claimed, str) else ""


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))
