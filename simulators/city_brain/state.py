"""What the simulated city brain remembers of the pushes it received.

* ``events[eventId]`` — each 医院数据推送通知 event, kept once: a re-send with the same eventId is accepted and
  counted (``duplicates``; ``conflicts`` when its content differs from the kept one — a pusher bug: the first
  version stays);
* ``visits[(orgCode, visitId)]`` — the eventIds of a visit in **arrival** order; an event whose ``occurredAt``
  is earlier than one already received for that visit is marked ``late`` (the ordering a pusher must keep);
* ``history[(dataType, recordId)]`` — the latest version of each 历史数据 record (upsert), with ``receipts``
  (how many times it arrived), ``versions`` (changes of content), the batchNos it came in;
* ``batches`` — one entry per accepted history call, in arrival order: batchNo, dataType, the recordIds
  accepted and the failures, so a test can prove a resumed capture sent no page twice
  (:meth:`SimState.repeated_batches`, :meth:`SimState.repeated_records`);
* ``journal`` — every call and its answer (bounded: the oldest go first); ``counters``.

Every method takes ``lock`` (re-entrant); the app holds it for the processing of a whole request. Times are the
real clock in Asia/Shanghai (``wall``, injectable).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from simulators.city_brain import spec

CST = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass
class Event:
    event_id: str
    data: dict[str, Any]
    seq: int  # arrival number among kept events
    received_at: str
    late: bool = False  # occurredAt earlier than an event of the same visit received before it
    duplicates: int = 0
    conflicts: int = 0  # duplicates whose content differed
    last_duplicate_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"eventId": self.event_id, "seq": self.seq, "eventType": self.data["eventType"],
                "orgCode": self.data["orgCode"], "visitId": self.data["visitId"],
                "occurredAt": self.data["occurredAt"], "received_at": self.received_at, "late": self.late,
                "duplicates": self.duplicates, "conflicts": self.conflicts,
                "last_duplicate_at": self.last_duplicate_at, "data": self.data}  # fmt: skip


@dataclass
class HistoryRecord:
    data_type: str
    record_id: str
    data: dict[str, Any]
    first_received_at: str
    received_at: str
    receipts: int = 1  # every arrival, identical or not
    versions: int = 1  # arrivals that changed the content (the first included)
    batches: list[str] = field(default_factory=list)  # batchNo of every arrival, in order

    def to_json(self) -> dict[str, Any]:
        return {"dataType": self.data_type, "recordId": self.record_id, "receipts": self.receipts,
                "versions": self.versions, "batches": list(self.batches),
                "first_received_at": self.first_received_at, "received_at": self.received_at,
                "data": self.data}  # fmt: skip


@dataclass
class Batch:
    seq: int
    batch_no: str
    data_type: str
    org_code: str
    received_at: str
    accepted: list[str]  # recordIds, in the order of the batch
    failed: list[dict[str, Any]]  # {"recordId", "code", "message"}

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "batchNo": self.batch_no, "dataType": self.data_type, "orgCode": self.org_code,
                "received_at": self.received_at, "accepted": list(self.accepted),
                "failed": list(self.failed)}  # fmt: skip


@dataclass
class SimState:
    """Memory of one simulated city brain. Safe to share between threads."""

    journal_max: int = 10_000
    wall: Callable[[], float] = time.time

    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    events: dict[str, Event] = field(default_factory=dict, repr=False)
    visits: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)
    history: dict[tuple[str, str], HistoryRecord] = field(default_factory=dict, repr=False)
    batches: list[Batch] = field(default_factory=list, repr=False)
    journal: deque[dict[str, Any]] = field(init=False, repr=False)
    counters: dict[str, int] = field(default_factory=dict, repr=False)
    _seq: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.journal = deque(maxlen=self.journal_max)

    def now_text(self) -> str:
        return datetime.fromtimestamp(self.wall(), CST).strftime(spec.TIME_FORMAT)

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + n

    # ---------------------------------------------------------------------------------------------- events

    def receive_event(self, data: dict[str, Any]) -> tuple[Event, bool]:
        """Keep a checked event, or count a re-send of its eventId; returns the kept event and whether it is new."""
        with self.lock:
            now = self.now_text()
            kept = self.events.get(data["eventId"])
            if kept is not None:
                kept.duplicates += 1
                kept.conflicts += int(kept.data != data)
                kept.last_duplicate_at = now
                self.count("events_duplicate")
                if kept.data != data:
                    self.count("events_conflicting")
                return kept, False
            visit = self.visits.setdefault((data["orgCode"], data["visitId"]), [])
            late = any(self.events[e].data["occurredAt"] > data["occurredAt"] for e in visit)
            event = Event(data["eventId"], data, len(self.events) + 1, now, late=late)
            self.events[event.event_id] = event
            visit.append(event.event_id)
            self.count("events_accepted")
            if late:
                self.count("events_late")
            return event, True

    def event_list(self, **match: str) -> list[Event]:
        """Kept events in arrival order whose data has every ``match`` field equal."""
        with self.lock:
            return [e for e in self.events.values() if all(str(e.data.get(k)) == v for k, v in match.items())]

    def visit_order(self, org_code: str | None = None, visit_id: str | None = None) -> list[dict[str, Any]]:
        """Per visit, its events in arrival order: ``[{"orgCode", "visitId", "events": [...], "late": n}]``."""
        with self.lock:
            found = []
            for (org, visit), ids in self.visits.items():
                if (org_code and org != org_code) or (visit_id and visit != visit_id):
                    continue
                events = [self.events[i] for i in ids]
                found.append({"orgCode": org, "visitId": visit,
                              "eventTypes": [e.data["eventType"] for e in events],
                              "events": [{"eventId": e.event_id, "eventType": e.data["eventType"],
                                          "occurredAt": e.data["occurredAt"], "late": e.late} for e in events],
                              "late": sum(e.late for e in events)})  # fmt: skip
            return found

    # ---------------------------------------------------------------------------------------------- history

    def receive_batch(self, org_code: str, data_type: str, batch_no: str, records: Iterable[dict[str, Any]],
                      failed: list[dict[str, Any]]) -> Batch:  # fmt: skip
        """Upsert the checked records of one history call (in order) and journal the batch."""
        with self.lock:
            now = self.now_text()
            accepted = []
            for data in records:
                key = (data_type, data["recordId"])
                kept = self.history.get(key)
                if kept is None:
                    self.history[key] = HistoryRecord(data_type, data["recordId"], data, now, now, batches=[batch_no])
                else:
                    kept.receipts += 1
                    kept.versions += int(kept.data != data)
                    kept.data, kept.received_at = data, now
                    kept.batches.append(batch_no)
                    self.count("records_received_again")
                accepted.append(data["recordId"])
            batch = Batch(len(self.batches) + 1, batch_no, data_type, org_code, now, accepted, failed)
            self.batches.append(batch)
            self.count("records_accepted", len(accepted))
            self.count("records_failed", len(failed))
            return batch

    def history_list(self, data_type: str | None = None, record_id: str | None = None,
                     batch_no: str | None = None) -> list[HistoryRecord]:  # fmt: skip
        with self.lock:
            return [r for r in self.history.values()
                    if (not data_type or r.data_type == data_type) and (not record_id or r.record_id == record_id)
                    and (not batch_no or batch_no in r.batches)]  # fmt: skip

    def batch_list(self, data_type: str | None = None, batch_no: str | None = None) -> list[Batch]:
        with self.lock:
            return [b for b in self.batches
                    if (not data_type or b.data_type == data_type) and (not batch_no or b.batch_no == batch_no)]

    def repeated_batches(self) -> dict[str, int]:
        """batchNos received more than once (per dataType: ``"<dataType>/<batchNo>"``) and how often."""
        with self.lock:
            seen: dict[str, int] = {}
            for b in self.batches:
                key = f"{b.data_type}/{b.batch_no}"
                seen[key] = seen.get(key, 0) + 1
            return {k: n for k, n in seen.items() if n > 1}

    def repeated_records(self) -> dict[str, int]:
        """Records received more than once (``"<dataType>/<recordId>"``) and how often."""
        with self.lock:
            return {f"{r.data_type}/{r.record_id}": r.receipts for r in self.history.values() if r.receipts > 1}

    # ---------------------------------------------------------------------------------------------- journal

    def journal_add(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._seq += 1
            entry = {"seq": self._seq, "at": self.now_text(), **entry}
            self.journal.append(entry)
            self.count("requests")
            return entry

    def journal_entries(self, op: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.journal if e["seq"] > since and (op is None or e["op"] == op)]

    # ---------------------------------------------------------------------------------------------- admin

    def reset(self) -> None:
        """Forget events, visits, history, batches, the journal and the counters."""
        with self.lock:
            self.events.clear()
            self.visits.clear()
            self.history.clear()
            self.batches.clear()
            self.journal.clear()
            self.counters.clear()
            self._seq = 0

    def summary(self) -> dict[str, Any]:
        with self.lock:
            by_type: dict[str, int] = {}
            for e in self.events.values():
                by_type[e.data["eventType"]] = by_type.get(e.data["eventType"], 0) + 1
            records: dict[str, int] = {}
            for r in self.history.values():
                records[r.data_type] = records.get(r.data_type, 0) + 1
            return {
                "events": {"count": len(self.events), "by_type": dict(sorted(by_type.items())),
                           "duplicates": sum(e.duplicates for e in self.events.values()),
                           "conflicts": sum(e.conflicts for e in self.events.values()),
                           "late": sum(e.late for e in self.events.values()), "visits": len(self.visits)},
                "history": {"records": dict(sorted(records.items())), "batches": len(self.batches),
                            "repeated_batches": self.repeated_batches(),
                            "repeated_records": len(self.repeated_records())},
                "counters": dict(sorted(self.counters.items())),
                "journal_size": len(self.journal),
                "now": self.now_text(),
            }  # fmt: skip
