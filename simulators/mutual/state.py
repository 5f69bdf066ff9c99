"""What the simulated platform remembers: uploaded rows per org, seeded reports, records, a clock, a journal.

One :class:`SimState` holds the configuration (largest batch, largest record array, journal size) and:

* ``rows[(orgCode, dataType)][BusinessNo]`` — the latest accepted version of each uploaded row (upsert by the
  three), with version and duplicate counts; a withdrawn row (``deleteData``) stays as a tombstone marked
  deleted (a later upload revives it) but counts as absent everywhere else;
* ``children[(orgCode, reportBusinessNo)]`` — the live child rows (indicators, bacteria, susceptibility) of a
  lab report, in upload order, so that a report's detail and a delete's "存在下级数据" need no scan;
* ``persons[(idCardTypeCode, idCardValue)]`` — the live report rows (labReport, examReport) of a person, so a
  reminder search does not scan every upload;
* ``reports[reportId]`` — the other hospitals' reports seeded by the admin route or :mod:`samples`;
* ``records[kind][key]`` — the record uploads (reminder, recognition, retrieval, quote: keyed by their GUID;
  revoke: by arrival number) with their state (a 不互认 is ``live`` until revoked);
* the **clock** — real time (Asia/Shanghai) unless an admin fixed it (``set_clock``) or shifted it: reminder
  look-back is counted from it, so tests and demos see the same reports on any day;
* ``journal`` — every platform call and its answer (bounded: the oldest entries go first).

Every method takes ``lock`` (re-entrant); the app holds it for the processing of a whole request.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from simulators.mutual import reports, spec
from simulators.mutual.reports import Report

#: The platform and the hospitals work in Asia/Shanghai (UTC+8, no DST).
CST = timezone(timedelta(hours=8), "Asia/Shanghai")

RowKey = tuple[str, str, str]  # (orgCode, dataType, BusinessNo)
REPORT_TYPES = {"labReport": "LIS", "examReport": "PACS"}


@dataclass
class Row:
    """One uploaded row as the platform keeps it."""

    org: str
    data_type: str
    business_no: str
    data: dict[str, Any]
    versions: int
    duplicates: int  # accepted uploads identical to the version they replaced
    first_received_at: str
    received_at: str
    updated_at: str  # last change of content (or revival after a withdrawal)
    deleted: bool = False
    deleted_at: str | None = None
    linked: int = 0  # when it was last (re)linked into the indexes: the order of a report's children

    def to_json(self) -> dict[str, Any]:
        return {"orgCode": self.org, "dataType": self.data_type, "BusinessNo": self.business_no,
                "versions": self.versions, "duplicates": self.duplicates,
                "first_received_at": self.first_received_at, "received_at": self.received_at,
                "updated_at": self.updated_at, "deleted": self.deleted, "deleted_at": self.deleted_at,
                "data": self.data}  # fmt: skip


@dataclass
class RecordEntry:
    """One record upload (one element of an array body), as the platform keeps it."""

    kind: str  # reminder | recognition | retrieval | quote | revoke
    key: str  # the GUID (revoke: "revoke-<n>")
    data: dict[str, Any]
    received_at: str
    duplicates: int = 0  # the same GUID received again (idempotent: not stored twice)
    status: str = "received"  # recognition: live | revoked
    revoked_at: str | None = None
    report_known: bool = False  # whether the platform held the report (reportId/ReportId) when it arrived

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "status": self.status, "received_at": self.received_at,
                "duplicates": self.duplicates, "revoked_at": self.revoked_at, "report_known": self.report_known,
                "data": self.data}  # fmt: skip


@dataclass
class SimState:
    """Configuration and memory of one simulated platform. Safe to share between threads."""

    max_batch: int = 50  # rows per data upload, keys per deleteData
    max_records: int = 200  # elements of a record array
    journal_max: int = 10_000
    wall: Callable[[], float] = time.time  # the real clock; the simulator's clock is derived from it

    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    rows: dict[tuple[str, str], dict[str, Row]] = field(default_factory=dict, repr=False)
    children: dict[tuple[str, str], dict[tuple[str, str], None]] = field(default_factory=dict, repr=False)
    persons: dict[tuple[str, str], dict[RowKey, None]] = field(default_factory=dict, repr=False)
    reports: dict[str, Report] = field(default_factory=dict, repr=False)
    #: seeded report ids per person (idCardTypeCode, idCardValue): a reminder search reads one person's reports
    seeded_by_person: dict[tuple[str, str], dict[str, None]] = field(default_factory=dict, repr=False)
    records: dict[str, dict[str, RecordEntry]] = field(default_factory=dict, repr=False)
    journal: deque[dict[str, Any]] = field(init=False, repr=False)
    counters: dict[str, int] = field(default_factory=dict, repr=False)
    _fixed: float | None = field(default=None, repr=False)
    _offset_s: float = field(default=0.0, repr=False)
    _seq: int = field(default=0, repr=False)
    _revokes: int = field(default=0, repr=False)
    _links: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.journal = deque(maxlen=self.journal_max)
        for kind in spec.RECORD_KINDS:
            self.records.setdefault(kind, {})

    # ---------------------------------------------------------------------------------------------- clock

    def timestamp(self) -> float:
        with self.lock:
            return self._fixed if self._fixed is not None else self.wall() + self._offset_s

    def now(self) -> datetime:
        """The simulator's time, naive, Asia/Shanghai."""
        return datetime.fromtimestamp(self.timestamp(), CST).replace(tzinfo=None)

    def now_text(self) -> str:
        return self.now().strftime(spec.TIME_FORMAT)

    def set_clock(self, now: datetime | str | None = None, *, offset_s: float = 0.0) -> None:
        """Fix the clock at ``now`` (naive = Asia/Shanghai; it then stands still), or run it ``offset_s`` off
        real time; ``set_clock()`` goes back to real time."""
        with self.lock:
            if isinstance(now, str):
                now = datetime.strptime(now, spec.TIME_FORMAT)
            if now is not None:
                self._fixed = (now if now.tzinfo else now.replace(tzinfo=CST)).timestamp()
                self._offset_s = 0.0
            else:
                self._fixed, self._offset_s = None, float(offset_s)

    def clock_json(self) -> dict[str, Any]:
        with self.lock:
            mode = "fixed" if self._fixed is not None else ("offset" if self._offset_s else "real")
            return {"now": self.now_text(), "mode": mode, "offset_s": self._offset_s, "timezone": "Asia/Shanghai"}

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + n

    # ---------------------------------------------------------------------------------------------- rows

    def get_row(self, org: str, data_type: str, business_no: str) -> Row | None:
        """The row (live or withdrawn) or ``None`` if it was never received."""
        with self.lock:
            return self.rows.get((org, data_type), {}).get(business_no)

    def live_row(self, org: str, data_type: str, business_no: str) -> Row | None:
        row = self.get_row(org, data_type, business_no)
        return row if row is not None and not row.deleted else None

    def live_children(self, org: str, report_business_no: str) -> list[tuple[str, str]]:
        """``(dataType, BusinessNo)`` of the live children of a lab report, in upload order."""
        with self.lock:
            return list(self.children.get((org, report_business_no), {}))

    def upsert_row(self, table: spec.Table, data: dict[str, Any]) -> tuple[Row, bool]:
        """Keep an accepted row; returns it and whether it was new (never received, or withdrawn before)."""
        assert table.data_type is not None
        with self.lock:
            org, dt, bno, now = data["OrgCode"], table.data_type, data["BusinessNo"], self.now_text()
            by_no = self.rows.setdefault((org, dt), {})
            old = by_no.get(bno)
            if old is not None and not old.deleted:
                self._unlink(old)
            if old is None:
                row = Row(org, dt, bno, data, 1, 0, now, now, now)
                created = True
            else:
                created = old.deleted
                same = not old.deleted and old.data == data
                row = old
                row.versions += 1
                row.duplicates += int(same)
                row.received_at = now
                if not same:
                    row.updated_at = now
                row.data = data
                row.deleted, row.deleted_at = False, None
            by_no[bno] = row
            self._links += 1
            row.linked = self._links
            self._link(row)
            return row, created

    def delete_row(self, org: str, data_type: str, business_no: str) -> Row:
        """Withdraw a live row (the caller checked it has no live children)."""
        with self.lock:
            row = self.rows[(org, data_type)][business_no]
            assert not row.deleted
            self._unlink(row)
            row.deleted, row.deleted_at = True, self.now_text()
            return row

    def _link(self, row: Row) -> None:
        if row.data_type in REPORT_TYPES:
            person = (row.data["IdCardTypeCode"], row.data["IdCardValue"])
            self.persons.setdefault(person, {})[(row.org, row.data_type, row.business_no)] = None
        if "ReportBusinessNo" in row.data:
            kids = self.children.setdefault((row.org, row.data["ReportBusinessNo"]), {})
            kids[(row.data_type, row.business_no)] = None

    def _unlink(self, row: Row) -> None:
        if row.data_type in REPORT_TYPES:
            person = (row.data["IdCardTypeCode"], row.data["IdCardValue"])
            keys = self.persons.get(person)
            if keys is not None:
                keys.pop((row.org, row.data_type, row.business_no), None)
                if not keys:
                    del self.persons[person]
        if "ReportBusinessNo" in row.data:
            parent = (row.org, row.data["ReportBusinessNo"])
            kids = self.children.get(parent)
            if kids is not None:
                kids.pop((row.data_type, row.business_no), None)
                if not kids:
                    del self.children[parent]

    # ---------------------------------------------------------------------------------------------- reports

    def _uploaded_report(self, org: str, data_type: str, business_no: str) -> Report | None:
        row = self.live_row(org, data_type, business_no)
        if row is None:
            return None
        if data_type == "examReport":
            return reports.from_exam_row(row.data)
        kids = []
        for child_type, child_no in self.live_children(org, business_no):
            child = self.live_row(org, child_type, child_no)
            if child is not None:
                kids.append((child_type, child.data))
        return reports.from_lab_rows(row.data, kids)

    def add_reports(self, items: Iterable[Report | dict[str, Any]]) -> list[str]:
        """Seed other hospitals' reports (a :class:`Report` or its admin JSON); all or none. Returns their ids."""
        with self.lock:
            batch: list[Report] = []
            for n, item in enumerate(items):
                default_id = f"SEED-{len(self.reports) + n + 1:06d}"
                try:
                    report = item if isinstance(item, Report) else reports.from_admin_json(item, default_id=default_id)
                except reports.ReportError as exc:
                    raise reports.ReportError(f"第{n + 1}份报告: {exc}") from exc
                batch.append(report)
            for report in batch:
                old = self.reports.get(report.report_id)
                if old is not None:
                    self.seeded_by_person.get(old.person, {}).pop(report.report_id, None)
                self.reports[report.report_id] = report
                self.seeded_by_person.setdefault(report.person, {})[report.report_id] = None
            return [r.report_id for r in batch]

    def get_report(self, report_id: str) -> Report | None:
        """A seeded report, or the live uploaded report ``<itemType>-<org>-<BusinessNo>``."""
        with self.lock:
            if report_id in self.reports:
                return self.reports[report_id]
            item_type, _, rest = report_id.partition("-")
            org, _, business_no = rest.partition("-")
            data_type = {"LIS": "labReport", "PACS": "examReport"}.get(item_type)
            if data_type is None or not business_no:
                return None
            return self._uploaded_report(org, data_type, business_no)

    def reports_of(self, id_card_type: str, id_card_value: str) -> list[Report]:
        """Every report of a person, seeded and uploaded (unfiltered, unordered)."""
        with self.lock:
            found = [self.reports[i] for i in self.seeded_by_person.get((id_card_type, id_card_value), {})]
            for org, data_type, bno in self.persons.get((id_card_type, id_card_value), {}):
                report = self._uploaded_report(org, data_type, bno)
                if report is not None:
                    found.append(report)
            return found

    def all_reports(self) -> list[Report]:
        """Every searchable report, seeded first, then uploaded."""
        with self.lock:
            found = list(self.reports.values())
            for keys in self.persons.values():
                for org, data_type, bno in keys:
                    report = self._uploaded_report(org, data_type, bno)
                    if report is not None:
                        found.append(report)
            return found

    def clear_reports(self) -> int:
        with self.lock:
            n = len(self.reports)
            self.reports.clear()
            self.seeded_by_person.clear()
            return n

    # ---------------------------------------------------------------------------------------------- records

    def put_record(self, kind: str, key: str | None, data: dict[str, Any], *,
                   report_known: bool) -> tuple[RecordEntry, bool]:  # fmt: skip
        """Keep a record, or count a duplicate of its GUID (the platform dedupes by GUID: the first one stays);
        returns the kept entry and whether it is new."""
        with self.lock:
            if key is None:
                self._revokes += 1
                key = f"revoke-{self._revokes}"
            by_key = self.records[kind]
            if key in by_key:
                by_key[key].duplicates += 1
                return by_key[key], False
            status = "live" if kind == "recognition" else "received"
            entry = RecordEntry(kind, key, data, self.now_text(), status=status, report_known=report_known)
            by_key[key] = entry
            return entry, True

    def live_non_recognitions(self, gh_id: str, report_id: str) -> list[RecordEntry]:
        with self.lock:
            return [e for e in self.records["recognition"].values()
                    if e.status == "live" and e.data.get("GHId") == gh_id and e.data.get("reportId") == report_id]  # fmt: skip

    def revoke(self, entries: Iterable[RecordEntry]) -> None:
        with self.lock:
            for e in entries:
                e.status, e.revoked_at = "revoked", self.now_text()

    def record_list(self, kind: str | None = None, **match: str) -> list[RecordEntry]:
        """Records of ``kind`` (all kinds when ``None``) whose data has every ``match`` field equal, in arrival
        order per kind."""
        with self.lock:
            kinds = [kind] if kind else list(spec.RECORD_KINDS)
            return [e for k in kinds for e in self.records[k].values()
                    if all(str(e.data.get(f)) == v for f, v in match.items())]  # fmt: skip

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
        """Forget rows, seeded reports, records, the journal and the counters; keep the configuration and the
        clock."""
        with self.lock:
            self.rows.clear()
            self.children.clear()
            self.persons.clear()
            self.reports.clear()
            self.seeded_by_person.clear()
            for by_key in self.records.values():
                by_key.clear()
            self.journal.clear()
            self.counters.clear()
            self._seq = self._revokes = self._links = 0

    def rebuild(self) -> None:
        """The indexes (a person's reports, a report's children, seeded reports per person) again from the rows
        and reports, in the order they were linked (a state file keeps the memory, not the indexes)."""
        with self.lock:
            self.children.clear()
            self.persons.clear()
            self.seeded_by_person.clear()
            live = [r for by_no in self.rows.values() for r in by_no.values() if not r.deleted]
            for row in sorted(live, key=lambda r: r.linked):
                self._link(row)
            for report in self.reports.values():
                self.seeded_by_person.setdefault(report.person, {})[report.report_id] = None

    def summary(self) -> dict[str, Any]:
        """Counts per org and dataType, per record kind, seeded reports per org; counters; clock; config."""
        with self.lock:
            data: dict[str, dict[str, dict[str, int]]] = {}
            for (org, dt), by_no in sorted(self.rows.items()):
                rs = by_no.values()
                data.setdefault(org, {})[dt] = {
                    "live": sum(1 for r in rs if not r.deleted),
                    "deleted": sum(1 for r in rs if r.deleted),
                    "versions": sum(r.versions for r in rs),
                    "duplicates": sum(r.duplicates for r in rs),
                }
            records: dict[str, dict[str, int]] = {}
            for kind, by_key in self.records.items():
                es = by_key.values()
                records[kind] = {"count": len(by_key), "duplicates": sum(e.duplicates for e in es)}
                if kind == "recognition":
                    records[kind]["live"] = sum(1 for e in es if e.status == "live")
                    records[kind]["revoked"] = sum(1 for e in es if e.status == "revoked")
            seeded: dict[str, int] = {}
            for r in self.reports.values():
                seeded[r.org_code] = seeded.get(r.org_code, 0) + 1
            return {
                "data": data,
                "records": records,
                "seeded_reports": dict(sorted(seeded.items())),
                "counters": dict(sorted(self.counters.items())),
                "journal_size": len(self.journal),
                "clock": self.clock_json(),
                "config": {"max_batch": self.max_batch, "max_records": self.max_records,
                           "journal_max": self.journal_max},  # fmt: skip
            }
