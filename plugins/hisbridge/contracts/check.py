"""Check a live database against a contract; the answer is a :class:`~hisbridge.contracts.findings.CheckReport`.

What is checked, in order (each step reports and carries on, so one run shows everything that is wrong):

1. **Definition** — each view's SELECT still runs on the base tables (a renamed or dropped base column shows
   here before the next install fails).
2. **Objects** — each view and table exists as such (Oracle: and is VALID), with exactly the contract's
   columns and, on PostgreSQL and Oracle, the contract's types.
3. **Rows** — the platform's :class:`RowRule` objects, then: no NULL in a not-null column, the key unique.
4. **Reader** (PostgreSQL, Oracle) — see :mod:`hisbridge.contracts.reader_check`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, Row, bindparam, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from hisbridge.contracts.column_types import oracle_type, pg_type
from hisbridge.contracts.ddl import select_sql
from hisbridge.contracts.findings import CheckReport, Code
from hisbridge.contracts.model import DbContract, Table, View
from hisbridge.contracts.probing import db_message, probe
from hisbridge.contracts.reader_check import check_reader
from hisbridge.contracts.sql import Dialect, dialect_of, schema_for


@dataclass(frozen=True)
class Rows:
    """The rows of one contract object as a :class:`RowRule` sees them (every query is rolled back)."""

    obj: View | Table
    qualified: str
    present: frozenset[str]
    dialect: Dialect
    report: CheckReport
    engine: Engine = field(repr=False)

    def count(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        with probe(self.engine) as conn:
            return int(conn.execute(text(sql), dict(params or {})).scalar() or 0)

    def one(self, sql: str) -> Row[Any]:
        with probe(self.engine) as conn:
            return conn.execute(text(sql)).one()


class RowRule(Protocol):
    """A platform's own rule on the rows of a contract object (a state column's codes, "today only", …).

    A query that fails inside :meth:`check` becomes a ``query_failed`` finding for the object.
    """

    def nulls_reported(self, obj: View | Table) -> frozenset[str]:
        """Columns of ``obj`` whose NULLs this rule reports itself (the generic not-null check skips them)."""
        ...

    def check(self, rows: Rows) -> None:
        """Add findings about ``rows`` (counts and names only, never values)."""
        ...


def check(
    engine: Engine,
    contract: DbContract,
    *,
    rules: Sequence[RowRule] = (),
    reader_password: str | None = None,
    reader_url: str | None = None,
) -> CheckReport:
    """Check the database behind ``engine`` (the installer's / owner's connection) against ``contract``.

    :param rules: the platform's rules on the objects' rows.
    :param reader_password: the reader account's password, to log in as it; without it (and without
        ``reader_url``) only the catalog side of the reader is checked and a warning says so.
    :param reader_url: a complete SQLAlchemy URL to log in as the reader, instead of the installer's URL with
        the reader's name and password.
    :raises sqlalchemy.exc.OperationalError: the database cannot be reached at all.
    """
    dialect = dialect_of(engine)
    with engine.connect():  # unreachable database: raise (a transport fault, retried), not a finding
        pass
    report = CheckReport(dialect=dialect, site=contract.site, title=contract.title)
    checker = _Checker(engine, contract, dialect, report, tuple(rules))
    checker.check_definitions()
    for obj in checker.check_objects():
        checker.check_rows(obj)
    if dialect == "sqlite":
        report.notes.append("SQLite 没有账号：未检查只读账号")
    elif contract.reader is not None:
        check_reader(engine, contract, dialect, checker.owner, report, reader_password, reader_url)
    return report


#: object name → (kind: "view"/"table"/other, how the catalog names it, Oracle status, [(column, type)]).
_Catalog = dict[str, tuple[str, str, str | None, list[tuple[str, str | None]]]]


class _Checker:
    def __init__(
        self,
        engine: Engine,
        contract: DbContract,
        dialect: Dialect,
        report: CheckReport,
        rules: tuple[RowRule, ...],
    ) -> None:
        self.engine = engine
        self.contract = contract
        self.dialect = dialect
        self.report = report
        self.rules = rules
        self.columns: dict[str, frozenset[str]] = {}
        self.owner = self._owner()

    def _owner(self) -> str | None:
        """The schema (PG) / owner (Oracle) the objects live in, as the catalog spells it."""
        if self.dialect == "sqlite":
            return None
        schema = schema_for(self.contract.schema_name, self.dialect)
        if schema:
            return schema.upper() if self.dialect == "oracle" else schema
        try:
            with probe(self.engine) as conn:
                return conn.execute(
                    text("SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM dual")
                ).scalar()
        except SQLAlchemyError:  # pragma: no cover - Oracle only
            return None

    def q(self, name: str) -> str:
        return f"{self.owner}.{name}" if self.owner else name

    # ------------------------------------------------------------------------------------- definitions

    def check_definitions(self) -> None:
        for view in self.contract.views:
            sql = f"SELECT COUNT(*) FROM (\n{select_sql(view, self.dialect)}\n) q WHERE 1 = 0"
            try:
                with probe(self.engine) as conn:
                    conn.exec_driver_sql(sql)
            except DBAPIError as exc:
                self.report.add(
                    Code.DEFINITION_BROKEN,
                    view.name,
                    f"按契约生成的视图定义在当前基表上执行失败（基表结构已变，重新安装会失败）：{db_message(exc)}",
                )

    # ----------------------------------------------------------------------------------------- objects

    def _catalog(self) -> _Catalog:
        names = list(self.contract.object_names)
        out: _Catalog = {}
        with probe(self.engine) as conn:
            if self.dialect == "postgresql":
                rows = conn.execute(
                    text(
                        "SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) "
                        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                        "WHERE n.nspname = :schema AND c.relname IN :names ORDER BY c.relname, a.attnum"
                    ).bindparams(bindparam("names", expanding=True)),
                    {"schema": self.owner, "names": [n.lower() for n in names]},
                ).all()
                for rel, relkind, col, typ in rows:
                    kind = {"v": "view", "r": "table", "p": "table"}.get(relkind, relkind)
                    entry = out.setdefault(
                        rel, (kind, "view" if relkind == "v" else f"relkind {relkind}", None, [])
                    )
                    if col is not None:
                        entry[3].append((col.upper(), _pg_norm(typ)))
            elif self.dialect == "oracle":
                upper = [n.upper() for n in names]
                objs = conn.execute(
                    text(
                        "SELECT object_name, object_type, status FROM all_objects "
                        "WHERE owner = :o AND object_name IN :names AND object_type IN ('VIEW', 'TABLE', 'SYNONYM')"
                    ).bindparams(bindparam("names", expanding=True)),
                    {"o": self.owner, "names": upper},
                ).all()
                for name, typ, status in objs:
                    out[name.lower()] = (typ.lower(), typ.lower(), status, [])
                cols = conn.execute(
                    text(
                        "SELECT table_name, column_name, data_type, char_length, char_used, data_length, "
                        "data_precision, data_scale FROM all_tab_columns "
                        "WHERE owner = :o AND table_name IN :names ORDER BY table_name, column_id"
                    ).bindparams(bindparam("names", expanding=True)),
                    {"o": self.owner, "names": upper},
                ).all()
                for tname, cname, dtype, clen, cused, dlen, prec, scale in cols:
                    if tname.lower() in out:
                        out[tname.lower()][3].append(
                            (cname.upper(), _oracle_norm(dtype, clen, cused, dlen, prec, scale))
                        )
            else:
                rows = conn.execute(
                    text("SELECT name, type FROM sqlite_master WHERE name IN :names").bindparams(
                        bindparam("names", expanding=True)
                    ),
                    {"names": names},
                ).all()
                for name, typ in rows:
                    out[name] = (typ, typ, None, [])
                    for info in conn.exec_driver_sql(f'PRAGMA table_info("{name}")').all():
                        out[name][3].append((info[1].upper(), None))
        # The catalog answers in its own case; the contract's names are matched case-insensitively.
        return {name: out[found] for name in names for found in (name, name.lower()) if found in out}

    def check_objects(self) -> list[View | Table]:
        """Existence, kind, status and columns of every object; returns the objects whose rows can be read."""
        try:
            catalog = self._catalog()
        except DBAPIError as exc:
            self.report.add(Code.QUERY_FAILED, "catalog", f"读取数据字典失败：{db_message(exc)}")
            return []
        want_type = {"postgresql": pg_type, "oracle": oracle_type}.get(self.dialect)
        present: list[View | Table] = []
        for obj in self.contract.objects:
            noun = obj.noun
            missing = Code.VIEW_MISSING if obj.kind == "view" else Code.TABLE_MISSING
            if obj.name not in catalog:
                self.report.add(
                    missing, obj.name, f"{noun}不存在" + (f"（{obj.label}）" if obj.label else "")
                )
                continue
            kind, shown, status, cols = catalog[obj.name]
            if kind != obj.kind:
                self.report.add(missing, obj.name, f"同名对象存在但不是{noun}（{shown}）")
                continue
            if status is not None and status != "VALID":
                self.report.add(
                    Code.VIEW_INVALID, obj.name, f"{noun}状态为 {status}（基表变更后失效，需重新安装）"
                )
            if not cols:
                self.report.add(Code.QUERY_FAILED, obj.name, f"读不到{noun}的列（{noun}定义可能已失效）")
                continue
            actual = dict(cols)
            self.columns[obj.name] = frozenset(actual)
            for col in obj.columns:
                if col.name not in actual:
                    self.report.add(
                        Code.COLUMN_MISSING,
                        f"{obj.name}.{col.name}",
                        f"{noun}缺少契约列（{col.type}：{col.description}）",
                    )
                elif want_type is not None and actual[col.name] != want_type(col.type):
                    self.report.add(
                        Code.COLUMN_TYPE,
                        f"{obj.name}.{col.name}",
                        f"类型为 {actual[col.name]}，契约为 {want_type(col.type)}",
                    )
            for name in sorted(set(actual) - {c.name for c in obj.columns}):
                self.report.add(
                    Code.COLUMN_UNEXPECTED,
                    f"{obj.name}.{name}",
                    f"{noun}有契约以外的列（可能泄露字段；请在 YAML 中声明或删除）",
                )
            present.append(obj)
        return present

    # -------------------------------------------------------------------------------------------- rows

    def check_rows(self, obj: View | Table) -> None:
        have = self.columns.get(obj.name, frozenset())
        rows = Rows(obj, self.q(obj.name), have, self.dialect, self.report, self.engine)
        try:
            reported: set[str] = set()
            for rule in self.rules:
                reported |= rule.nulls_reported(obj)
                rule.check(rows)
            not_null = [
                c.name for c in obj.columns if not c.nullable and c.name in have and c.name not in reported
            ]
            if not_null:
                sums = ", ".join(f"SUM(CASE WHEN {c} IS NULL THEN 1 ELSE 0 END)" for c in not_null)
                for name, n in zip(not_null, rows.one(f"SELECT {sums} FROM {rows.qualified}"), strict=True):
                    if n:
                        self.report.add(
                            Code.NULL_VALUE, f"{obj.name}.{name}", f"{int(n)} 行为空，契约规定不可为空"
                        )
            keys = [c.name for c in obj.key_columns]
            if keys and set(keys) <= have:
                key = ", ".join(keys)
                n = rows.count(
                    f"SELECT COUNT(*) FROM (SELECT {key} FROM {rows.qualified} GROUP BY {key} HAVING COUNT(*) > 1) q"
                )
                if n:
                    self.report.add(
                        Code.DUPLICATE_KEY, f"{obj.name}.{','.join(keys)}", f"{n} 个键值重复（契约要求唯一）"
                    )
        except DBAPIError as exc:
            self.report.add(Code.QUERY_FAILED, obj.name, f"查询{obj.noun}失败：{db_message(exc)}")


# ---------------------------------------------------------------------------------------- type names


def _pg_norm(typ: str | None) -> str | None:
    if typ is None:
        return None
    t = typ.replace("character varying", "varchar")
    t = re.sub(r"^timestamp(\(\d+\))? without time zone$", lambda m: f"timestamp{m.group(1) or ''}", t)
    return t


def _oracle_norm(dtype: str, clen, cused, dlen, prec, scale) -> str:  # pragma: no cover - needs Oracle
    if dtype in ("VARCHAR2", "NVARCHAR2", "CHAR"):
        return f"{dtype}({clen} CHAR)" if cused == "C" else f"{dtype}({dlen})"
    if dtype == "NUMBER":
        if prec is None:
            return "NUMBER"
        return f"NUMBER({prec})" if not scale else f"NUMBER({prec},{scale})"
    return dtype
