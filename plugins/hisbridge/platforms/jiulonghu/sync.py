"""The 九龙湖 dictionary sync: main campus HIS (``his_db``) → campus HIS (``jiulonghu_his``), one dictionary at a time.

For each dictionary, in dependency order (departments before the staff who name them):

1. select the dictionary from the main campus's HIS (its SQL file) and map each row to campus columns and codes
   (a row with an unmapped code is quarantined, the rest go on);
2. read the campus's rows and the ledger's memory of the last sync, and :func:`~.plan.plan` every row;
3. write only the rows that changed — inserts, updates, deactivations, in executemany batches — in **one campus
   transaction per dictionary** (a campus row edited between our read and our write makes the batch miss it: the
   transaction rolls back and the dictionary is planned again, once);
4. record in the ledger the rows' new state, the conflicts (both versions) and the run's counts.

A dry run does steps 1–2 and reports what 3 would do — counts and the first changed keys with the names of the
changed columns (never values: staff rows hold names) — and writes nothing anywhere.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from hisbridge.platforms.jiulonghu import campus as campus_db
from hisbridge.platforms.jiulonghu import state
from hisbridge.platforms.jiulonghu.catalogue import Dictionary, select
from hisbridge.platforms.jiulonghu.codes import Codes, load_codes, map_row
from hisbridge.platforms.jiulonghu.plan import COUNTER, WRITES, Action, Plan, plan

#: changed keys listed per dictionary in a report (dry run and task log)
FIRST = 20
FLAG_TITLE = "停用标志"


@dataclass
class DictionaryReport:
    name: str
    title: str
    dry_run: bool
    counts: dict[str, int]
    #: (business key, reason)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    #: (business key, disputed column titles)
    conflicts: list[tuple[str, list[str]]] = field(default_factory=list)
    #: the first changes: (action, business key, changed column titles)
    changes: list[tuple[str, str, list[str]]] = field(default_factory=list)
    campus_rows_written: int = 0
    ledger_rows_written: int = 0
    attempts: int = 1
    seconds: float = 0.0

    def lines(self) -> list[str]:
        c = self.counts
        head = (f"{self.title}（{self.name}）{'［试运行，未写入］' if self.dry_run else ''}：选取 {c['selected']}，"
                f"新增 {c['inserted']}，更新 {c['updated']}，停用 {c['deactivated']}，未变 {c['unchanged']}，"
                f"冲突 {c['conflicts']}，隔离 {c['quarantined']}；写入院区 {self.campus_rows_written} 行，"
                f"用时 {self.seconds:.2f} s")
        out = [head]
        for action, key, cols in self.changes:
            what = {"insert": "新增", "update": "更新", "deactivate": "停用"}[action]
            out.append(f"  {what} {key}" + (f"：{'、'.join(cols)}" if cols else ""))
        more = c["inserted"] + c["updated"] + c["deactivated"] - len(self.changes)
        if more > 0:
            out.append(f"  … 另有 {more} 行变更")
        for key, cols in self.conflicts:
            out.append(f"  冲突 {key}：院区侧自上次同步后被修改（{'、'.join(cols) or '整行'}），未覆盖；"
                       "见 python -m hisbridge jiulonghu conflicts")
        for _key, reason in self.quarantined:
            out.append(f"  隔离 {reason}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {**self.counts, "campus_rows_written": self.campus_rows_written,
                "ledger_rows_written": self.ledger_rows_written, "seconds": round(self.seconds, 3)}


@dataclass
class SyncReport:
    run_id: str
    dry_run: bool
    dictionaries: list[DictionaryReport] = field(default_factory=list)

    def by_name(self, name: str) -> DictionaryReport:
        return next(r for r in self.dictionaries if r.name == name)

    def lines(self) -> list[str]:
        return [line for r in self.dictionaries for line in r.lines()]

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "dry_run": self.dry_run,
                "dictionaries": {r.name: r.as_dict() for r in self.dictionaries}}


def _titles(d: Dictionary, columns: tuple[str, ...]) -> list[str]:
    titles = {c.campus: c.title for c in d.columns} | {d.active.campus: FLAG_TITLE}
    return [titles.get(c, c) for c in columns]


def wanted_rows(his: Engine, d: Dictionary, codes: Codes) -> list[tuple[str, dict[str, Any] | None, str | None]]:
    """The dictionary as the main campus's HIS has it, mapped to campus rows (or quarantine reasons)."""
    with his.connect() as conn:
        rows = conn.execute(text(d.sql())).mappings().all()
    out = []
    for row in rows:
        missing = d.source_columns - set(row.keys())
        if missing:
            raise ValueError(f"{d.sql_file}: columns {sorted(missing)} are missing from the SELECT")
        mapped, reason = map_row(d, row, codes)
        out.append((str(row[d.key]), mapped, reason))
    return out


def sync_dictionary(d: Dictionary, his: Engine, campus: Engine, ledger: Engine, *, dry_run: bool = False,
                    run_id: str, actor: str = "hisbridge", codes: Codes | None = None,
                    clock: Callable[[], datetime] = state.utcnow) -> DictionaryReport:
    started, t0 = clock(), time.perf_counter()
    codes = codes if codes is not None else load_codes()
    wanted = wanted_rows(his, d, codes)
    with ledger.connect() as conn:
        priors = state.priors(conn, d.name)
    attempts = 0
    while True:
        attempts += 1
        try:
            with campus.connect() as conn, conn.begin():  # one transaction per dictionary; a dry run reads only
                table = campus_db.campus_table(conn, d)
                the_plan = plan(d, wanted, campus_db.read_rows(conn, d, table), priors)
                written = 0 if dry_run else campus_db.write(
                    conn, d, the_plan.of(Action.INSERT), the_plan.of(Action.UPDATE), the_plan.of(Action.DEACTIVATE),
                    _local_now(), table)
            break
        except campus_db.CampusMoved:
            if attempts >= 2:
                raise
    report = _report(d, the_plan, dry_run, written)
    report.attempts = attempts
    if not dry_run:
        report.ledger_rows_written = state.record_run(
            ledger, the_plan.steps,
            state.RunRecord(run_id=run_id, dictionary=d.name, counts=report.counts, actor=actor, started_at=started,
                            finished_at=clock(), report={"quarantined": report.quarantined,
                                                         "conflicts": report.conflicts, "changes": report.changes}),
            the_plan.of(Action.CONFLICT))
    report.seconds = time.perf_counter() - t0
    return report


def _report(d: Dictionary, the_plan: Plan, dry_run: bool, written: int) -> DictionaryReport:
    report = DictionaryReport(d.name, d.title, dry_run, the_plan.counts, campus_rows_written=written)
    for st in the_plan.steps:
        if st.action is Action.QUARANTINE:
            report.quarantined.append((st.key, st.reason or ""))
        elif st.action is Action.CONFLICT:
            report.conflicts.append((st.key, _titles(d, st.changed)))
        elif st.action in WRITES and len(report.changes) < FIRST:
            report.changes.append((st.action.value, st.key, _titles(d, st.changed)))
    return report


def _local_now() -> datetime:
    """修改时间 as the campus HIS keeps time: Asia/Shanghai wall clock, without a zone."""
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)


def sync_all(his_engine: Engine, campus_engine: Engine, ledger: Any, *, dry_run: bool = False,
             only: str | list[str] | None = None, run_id: str | None = None, actor: str = "hisbridge",
             echo: Callable[[str], None] | None = None) -> SyncReport:
    """Sync the dictionaries (all, or ``only`` those named) in dependency order.

    :param ledger: a :class:`~hisbridge.ledger.store.Ledger` or the ledger's engine (its schema is brought to head).
    :param echo: called with each report line as each dictionary finishes.
    """
    from hisbridge.ledger.migrate import ensure_schema

    engine: Engine = getattr(ledger, "engine", ledger)
    ensure_schema(engine)
    codes = load_codes()
    report = SyncReport(run_id or f"jiulonghu-sync-{uuid.uuid4().hex[:12]}", dry_run)
    for d in select(only):
        one = sync_dictionary(d, his_engine, campus_engine, engine, dry_run=dry_run, run_id=report.run_id,
                              actor=actor, codes=codes)
        report.dictionaries.append(one)
        if echo:
            for line in one.lines():
                echo(line)
    return report


__all__ = ["COUNTER", "DictionaryReport", "SyncReport", "sync_all", "sync_dictionary"]
