"""The simulated 前置库: its tables on PostgreSQL (or SQLite for the demo), the platform's pull, admin helpers.

:func:`install` creates the tables of :mod:`simulators.regional.spec` that are missing. :func:`pull` is one run
of the platform's ETL: every row flagged 待上传 is checked against the platform's rules and flagged 已上传 with
the pull time, or 失败 with the platform's words (naming the field and the rule, never its value); faults
(:mod:`simulators.regional.faults`) leave rows untouched or fail them. Each table is pulled in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    func,
    inspect,
    select,
    update,
)

from simulators.regional.faults import FAULT_WORDS, PullFailed, PullFaults
from simulators.regional.spec import (
    BOOKKEEPING,
    FAILED,
    ID_CARD_TYPE,
    PENDING,
    TABLES,
    UPLOADED,
    TableSpec,
    id_card_ok,
)


def _column(c) -> Column:
    kind = {"timestamp": DateTime(), "date": Date(), "integer": Integer()}.get(c.kind) or String(c.length)
    return Column(c.name, kind, primary_key=c.key, nullable=c.nullable)


def metadata(schema: str | None = None) -> MetaData:
    md = MetaData(schema=schema)
    for spec in TABLES.values():
        Table(spec.name, md, *(_column(c) for c in (*spec.columns, *BOOKKEEPING)))
    return md


def install(engine: Engine, *, schema: str | None = None) -> list[str]:
    """Create the missing tables (and the PostgreSQL schema); returns the tables created."""
    if schema and engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    existing = set(inspect(engine).get_table_names(schema=schema))
    md = metadata(schema)
    md.create_all(engine)
    return [t for t in TABLES if t not in existing]


def table(name: str, schema: str | None = None) -> Table:
    md = metadata(schema)
    return md.tables[f"{schema}.{name}" if schema else name]


# -- the platform's rules -------------------------------------------------------------------------------------------


def refusal(spec: TableSpec, row: dict[str, Any], now: datetime) -> str | None:
    """Why the platform refuses ``row`` (its words, naming fields only), or None."""
    problems = [f"{c}为空" for c in spec.required if row.get(c) in (None, "")]
    kind, number = row.get("id_card_type"), row.get("id_card_no")
    if not number:
        problems.append("证件号码为空")
    elif kind == ID_CARD_TYPE and not id_card_ok(str(number)):
        problems.append("证件号码格式或校验位错误")
    for earlier, later, words in spec.time_order:
        a, b = _moment(row.get(earlier)), _moment(row.get(later))
        if a is not None and b is not None and a > b:
            problems.append(words)
    day = _moment(row.get(spec.day_column))
    if day is not None and day > now:
        problems.append(f"{spec.day_column}晚于抽取时间")
    return "；".join(problems) or None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return None


# -- the pull ---------------------------------------------------------------------------------------------------------


@dataclass
class PullReport:
    taken: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"taken": dict(self.taken), "failed": dict(self.failed), "skipped": dict(self.skipped),
                "reasons": dict(self.reasons)}


def pull(engine: Engine, *, now: datetime | None = None, faults: PullFaults | None = None,
         schema: str | None = None, tables: Sequence[str] | None = None) -> PullReport:
    """One run of the platform's ETL over every pending row of ``tables`` (default: all)."""
    faults = faults or PullFaults()
    if faults.down:
        raise PullFailed("平台抽取任务未运行（模拟故障）")
    now = now or datetime.now().replace(microsecond=0)
    report = PullReport()
    for name in tables or TABLES:
        spec, t = TABLES[name], table(name, schema)
        with engine.begin() as conn:
            rows = [dict(r) for r in conn.execute(select(t).where(t.c.upload_flag == PENDING)).mappings()]
            taken, failed = [], []
            for row in rows:
                key = str(row[spec.key])
                if faults.skips(name, key):
                    report.skipped[name] += 1
                    continue
                words = FAULT_WORDS if faults.fails(name, key) else refusal(spec, row, now)
                if words:
                    failed.append({"k": row[spec.key], "err": words})
                    report.failed[name] += 1
                    report.reasons[words] += 1
                else:
                    taken.append({"k": row[spec.key]})
                    report.taken[name] += 1
            key_col = t.c[spec.key]
            if taken:
                conn.execute(update(t).where(key_col == bindparam("k")).values(
                    upload_flag=UPLOADED, upload_time=now, upload_error=None), taken)
            if failed:
                conn.execute(update(t).where(key_col == bindparam("k")).values(
                    upload_flag=FAILED, upload_time=now, upload_error=bindparam("err")), failed)
    return report


# -- admin (tests, the demo, the CLI) ---------------------------------------------------------------------------------


def counts(engine: Engine, *, schema: str | None = None) -> dict[str, dict[str, int]]:
    """Rows per table and upload flag."""
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for name in TABLES:
            t = table(name, schema)
            out[name] = {str(flag): n for flag, n in conn.execute(
                select(t.c.upload_flag, func.count()).group_by(t.c.upload_flag))}
    return out


def delete_rows(engine: Engine, name: str, keys: Iterable[str], *, schema: str | None = None) -> int:
    """Rows lost on the platform's side (a purge, a restore from an old backup): the gap a health check finds."""
    t, spec = table(name, schema), TABLES[name]
    wanted = list(keys)
    with engine.begin() as conn:
        return conn.execute(delete(t).where(t.c[spec.key].in_(wanted))).rowcount if wanted else 0


def rows(engine: Engine, name: str, *, schema: str | None = None) -> list[dict[str, Any]]:
    t, spec = table(name, schema), TABLES[name]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t).order_by(t.c[spec.key])).mappings()]
