"""What the simulated front-end remembers: records per entity, the links between them, and a journal.

One :class:`SimState` holds the configuration (how a parent with children is deleted, whether the
data-quality fields are required, the journal size) and the in-memory data:

* ``records[entity][id]`` — the latest accepted version of each record, its version count, when it was first
  and last received and last changed; a deleted record stays, marked deleted (a later upsert revives it);
* ``children[(entity, id)]`` — the live records that point at a record (``patientId`` → ``emrPatientInfo``,
  ``exLabId`` → ``emrExLab`` …), kept up to date on every upsert and delete so that a delete can see them
  without scanning 100k lab items;
* ``journal`` — every push and its answer (bounded: the oldest entries go first).

Every method takes ``lock`` (re-entrant); the app holds it for a whole request.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from simulators.cdc import spec

#: The hospital and the front-end work in Asia/Shanghai (UTC+8, no DST).
CST = timezone(timedelta(hours=8), "Asia/Shanghai")

DeleteParent = Literal["refuse", "cascade"]
Key = tuple[str, str]  # (entity, id)


@dataclass
class Record:
    """One record as the front-end keeps it (``data`` is the last accepted JSON object, camelCase keys)."""

    entity: str
    id: str
    data: dict[str, Any]
    versions: int  # accepted upserts of this id
    duplicates: int  # accepted upserts identical to the version they replaced
    first_received_at: str
    received_at: str  # last accepted upsert
    updated_at: str  # last change of content (or revival after a delete)
    deleted: bool = False
    deleted_at: str | None = None

    @property
    def voided(self) -> bool:
        return self.data.get("invalidFlag") == "1"

    def to_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "id": self.id,
            "versions": self.versions,
            "duplicates": self.duplicates,
            "first_received_at": self.first_received_at,
            "received_at": self.received_at,
            "updated_at": self.updated_at,
            "deleted": self.deleted,
            "deleted_at": self.deleted_at,
            "voided": self.voided,
            "data": self.data,
        }


def references(table: spec.Table, data: dict[str, Any]) -> list[Key]:
    """The records ``data`` points at: its patient, and its parent for the three child tables."""
    refs: list[Key] = []
    if table.has_patient and isinstance(data.get("patientId"), str):
        refs.append((spec.BY_NAME[spec.PATIENT_TABLE].entity, data["patientId"]))
    if table.parent is not None:
        column, parent = table.parent
        value = data.get(spec.camel(column))
        if isinstance(value, str):
            refs.append((spec.BY_NAME[parent].entity, value))
    return refs


@dataclass
class SimState:
    """Configuration and memory of one simulated front-end. Safe to share between threads."""

    delete_parent: DeleteParent = "refuse"  # a DELETE of a record with live children: refuse, or cascade
    require_quality_fields: bool = False  # enforce the req="Q" fields of spec (patient name, ID card, org …)
    journal_max: int = 100_000
    clock: Callable[[], float] = time.time

    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    records: dict[str, dict[str, Record]] = field(default_factory=dict, repr=False)
    children: dict[Key, set[Key]] = field(default_factory=dict, repr=False)
    journal: deque[dict[str, Any]] = field(init=False, repr=False)
    counters: dict[str, int] = field(default_factory=dict, repr=False)
    _seq: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        if self.delete_parent not in ("refuse", "cascade"):
            raise ValueError(f"delete_parent must be 'refuse' or 'cascade', got {self.delete_parent!r}")
        self.journal = deque(maxlen=self.journal_max)
        for table in spec.TABLES:
            self.records.setdefault(table.entity, {})

    # ---------------------------------------------------------------------------------------------- time

    def now(self) -> str:
        """``yyyy-MM-dd HH:mm:ss`` in Asia/Shanghai."""
        return datetime.fromtimestamp(self.clock(), CST).strftime(spec.TIMESTAMP_FORMAT)

    def count(self, name: str) -> None:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + 1

    # ---------------------------------------------------------------------------------------------- records

    def get(self, entity: str, rid: str) -> Record | None:
        """The record (live or deleted) or ``None`` if it was never received."""
        with self.lock:
            return self.records.get(entity, {}).get(rid)

    def live(self, entity: str) -> dict[str, dict[str, Any]]:
        """``id -> data`` of the records of ``entity`` that are not deleted."""
        with self.lock:
            return {rid: r.data for rid, r in self.records.get(entity, {}).items() if not r.deleted}

    def live_children(self, entity: str, rid: str) -> list[Key]:
        with self.lock:
            return sorted(self.children.get((entity, rid), ()))

    def upsert(self, table: spec.Table, data: dict[str, Any]) -> tuple[Record, bool]:
        """Keep an accepted record; returns it and whether it was new (never received, or deleted before)."""
        with self.lock:
            entity, rid, now = table.entity, data["id"], self.now()
            old = self.records[entity].get(rid)
            if old is not None and not old.deleted:
                self._unlink(table, old)
            if old is None:
                record = Record(entity, rid, data, 1, 0, now, now, now)
                created = True
            else:
                created = old.deleted
                same = not old.deleted and old.data == data
                record = old
                record.versions += 1
                record.duplicates += int(same)
                record.received_at = now
                if not same:
                    record.updated_at = now
                record.data = data
                record.deleted, record.deleted_at = False, None
            self.records[entity][rid] = record
            for ref in references(table, data):
                self.children.setdefault(ref, set()).add((entity, rid))
            return record, created

    def delete(self, table: spec.Table, rid: str) -> list[Key]:
        """Mark the record deleted, with its live descendants (children first); returns what was deleted.

        The caller decides whether a record with live children may be deleted (``delete_parent``).
        """
        with self.lock:
            done: list[Key] = []
            self._delete((table.entity, rid), done)
            return done

    def _delete(self, key: Key, done: list[Key]) -> None:
        for child in self.live_children(*key):
            self._delete(child, done)
        entity, rid = key
        record = self.records[entity][rid]
        if record.deleted:
            return
        self._unlink(spec.BY_ENTITY[entity], record)
        record.deleted, record.deleted_at = True, self.now()
        done.append(key)

    def _unlink(self, table: spec.Table, record: Record) -> None:
        for ref in references(table, record.data):
            kids = self.children.get(ref)
            if kids is not None:
                kids.discard((record.entity, record.id))
                if not kids:
                    del self.children[ref]

    # ---------------------------------------------------------------------------------------------- journal

    def journal_add(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._seq += 1
            entry = {"seq": self._seq, "at": self.now(), **entry}
            self.journal.append(entry)
            self.count("requests")
            return entry

    def journal_entries(
        self, entity: str | None = None, rid: str | None = None, since: int = 0
    ) -> list[dict[str, Any]]:
        with self.lock:
            return [
                e
                for e in self.journal
                if e["seq"] > since
                and (entity is None or e["entity"] == entity)
                and (rid is None or e["id"] == rid)
            ]

    # ---------------------------------------------------------------------------------------------- admin

    def reset(self) -> None:
        """Forget all records, links, the journal and the counters; keep the configuration."""
        with self.lock:
            for by_id in self.records.values():
                by_id.clear()
            self.children.clear()
            self.journal.clear()
            self.counters.clear()
            self._seq = 0

    def summary(self) -> dict[str, Any]:
        with self.lock:
            counts = {}
            for table in spec.TABLES:
                rs = self.records[table.entity].values()
                counts[table.entity] = {
                    "live": sum(1 for r in rs if not r.deleted),
                    "deleted": sum(1 for r in rs if r.deleted),
                    "voided": sum(1 for r in rs if r.voided and not r.deleted),
                    "versions": sum(r.versions for r in rs),
                    "duplicates": sum(r.duplicates for r in rs),
                }
            return {
                "counts": counts,
                "counters": dict(self.counters),
                "journal_size": len(self.journal),
                "config": {
                    "delete_parent": self.delete_parent,
                    "require_quality_fields": self.require_quality_fields,
                    "journal_max": self.journal_max,
                },
            }
