"""Check a database against the queue-views contract; the answer is a list of typed findings.

What is checked, in order (each step reports and carries on, so one run shows everything that is wrong):

1. **Definition** — the contract's SELECT for each view still runs on the base tables (a renamed or dropped
   base column shows here before the next install fails).
2. **Views** — each contract view exists as a view (Oracle: and is VALID), with exactly the contract's columns
   and, on PostgreSQL and Oracle, the contract's types.
3. **Data** — ``ADD_STATE`` only 0 or 2; ``hx_queue`` holds only today's rows (the database's own date);
   no NULL in a not-null column; the key is unique; patient names are masked.
4. **Reader** (PostgreSQL, Oracle) — the account exists with no special attributes, holds SELECT on the views
   and nothing else (catalog), and, logged in with its password, can select every view and is refused on
   every base table, on writes and on CREATE.

Findings carry a stable ``code`` (for tests and alert routing), a severity, the subject and a message in
Chinese for the operator. Messages carry counts and names of objects, never row contents.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from hisbridge.db import make_engine
from hisbridge.queue_views.contract import (
    ADD_STATE_INVALID,
    ADD_STATE_VALID,
    Contract,
    Dialect,
    oracle_type,
    pg_type,
)
from hisbridge.queue_views.ddl import dialect_of, select_sql, view_schema
from hisbridge.queue_views.sources import is_today


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    DEFINITION_BROKEN = "definition_broken"
    VIEW_MISSING = "view_missing"
    VIEW_INVALID = "view_invalid"
    COLUMN_MISSING = "column_missing"
    COLUMN_UNEXPECTED = "column_unexpected"
    COLUMN_TYPE = "column_type"
    QUERY_FAILED = "query_failed"
    ROWS_NOT_TODAY = "rows_not_today"
    ADD_STATE_VALUE = "add_state_value"
    NULL_VALUE = "null_value"
    DUPLICATE_KEY = "duplicate_key"
    NAME_NOT_MASKED = "name_not_masked"
    READER_MISSING = "reader_missing"
    READER_ATTRIBUTE = "reader_attribute"
    READER_EXTRA_PRIVILEGE = "reader_extra_privilege"
    READER_NOT_TESTED = "reader_not_tested"
    READER_LOGIN_FAILED = "reader_login_failed"
    READER_CANNOT_SELECT = "reader_cannot_select"
    READER_READS_BASE_TABLE = "reader_reads_base_table"
    READER_CAN_WRITE = "reader_can_write"
    READER_CAN_CREATE = "reader_can_create"


@dataclass(frozen=True)
class Finding:
    code: Code
    severity: Severity
    subject: str
    message: str

    def __str__(self) -> str:
        mark = "ERROR" if self.severity is Severity.ERROR else "WARN "
        return f"{mark} [{self.code}] {self.subject}: {self.message}"


@dataclass
class CheckReport:
    dialect: str
    site: str | None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def passed(self) -> bool:
        return not self.errors

    def codes(self) -> set[str]:
        return {str(f.code) for f in self.findings}

    def add(self, code: Code, subject: str, message: str, severity: Severity = Severity.ERROR) -> None:
        self.findings.append(Finding(code, severity, subject, message))

    def render(self) -> str:
        verdict = "通过" if self.passed else "不通过"
        head = (
            f"门诊候诊叫号视图契约检查：{verdict}（错误 {len(self.errors)}，警告 {len(self.warnings)}）"
            f" — {self.dialect}，站点 {self.site or '默认'}"
        )
        lines = [head, *(f"  {f}" for f in self.findings)]
        if self.notes:
            lines.append("已检查：")
            lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    def summary(self) -> dict[str, object]:
        """Counts for XCom or a log line (never row contents)."""
        return {
            "passed": self.passed,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "codes": sorted(self.codes()),
        }


def _db_message(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


@contextmanager
def _probe(engine: Engine) -> Iterator[Connection]:
    """A connection whose work is always rolled back."""
    with engine.connect() as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def check(
    engine: Engine,
    contract: Contract,
    *,
    reader_password: str | None = None,
    reader_url: str | None = None,
) -> CheckReport:
    """Check the database behind ``engine`` (the installer's / HIS owner's connection) against ``contract``.

    :param reader_password: the reader account's password, to log in as it; without it (and without
        ``reader_url``) only the catalog side of the reader is checked and a warning says so.
    :param reader_url: a complete SQLAlchemy URL to log in as the reader, instead of the installer's URL with
        the reader's name and password.
    :raises sqlalchemy.exc.OperationalError: the database cannot be reached at all.
    """
    dialect = dialect_of(engine)
    with engine.connect():  # unreachable database: raise (a transport fault, retried), not a finding
        pass
    report = CheckReport(dialect=dialect, site=contract.site)
    ctx = _Ctx(engine, contract, dialect, report)
    ctx.check_definitions()
    present = ctx.check_views()
    for view in present:
        ctx.check_data(view)
    if dialect == "sqlite":
        report.notes.append("SQLite 没有账号：未检查只读账号")
    else:
        ctx.check_reader(reader_password, reader_url)
    return report


class _Ctx:
    def __init__(self, engine: Engine, contract: Contract, dialect: Dialect, report: CheckReport) -> None:
        self.engine = engine
        self.contract = contract
        self.dialect = dialect
        self.report = report
        self.columns: dict[str, set[str]] = {}
        self.owner = self._owner()

    # --------------------------------------------------------------------------------------- names

    def _owner(self) -> str | None:
        if self.dialect == "sqlite":
            return None
        schema = view_schema(self.contract, self.dialect)
        if schema:
            return schema.upper() if self.dialect == "oracle" else schema
        try:
            with _probe(self.engine) as conn:
                return conn.execute(
                    text("SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM dual")
                ).scalar()
        except SQLAlchemyError:  # pragma: no cover - Oracle only
            return None

    def q(self, name: str) -> str:
        return f"{self.owner}.{name}" if self.owner else name

    # --------------------------------------------------------------------------------- definitions

    def check_definitions(self) -> None:
        for view in self.contract.view_names:
            sql = f"SELECT COUNT(*) FROM (\n{select_sql(self.contract, view, self.dialect)}\n) q WHERE 1 = 0"
            try:
                with _probe(self.engine) as conn:
                    conn.exec_driver_sql(sql)
            except DBAPIError as exc:
                self.report.add(
                    Code.DEFINITION_BROKEN,
                    view,
                    f"按契约生成的视图定义在当前基表上执行失败（基表结构已变，重新安装会失败）：{_db_message(exc)}",
                )

    # -------------------------------------------------------------------------------------- views

    def _catalog(self) -> dict[str, tuple[str, str | None, list[tuple[str, str | None]]]]:
        """view name → (kind, status, [(column, type)]); types None where the dialect has none to compare."""
        views = list(self.contract.view_names)
        out: dict[str, tuple[str, str | None, list[tuple[str, str | None]]]] = {}
        with _probe(self.engine) as conn:
            if self.dialect == "postgresql":
                rows = conn.execute(
                    text(
                        "SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) "
                        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                        "WHERE n.nspname = :schema AND c.relname IN :views ORDER BY c.relname, a.attnum"
                    ).bindparams(bindparam("views", expanding=True)),
                    {"schema": self.owner, "views": views},
                ).all()
                for rel, kind, col, typ in rows:
                    entry = out.setdefault(rel, ("view" if kind == "v" else f"relkind {kind}", None, []))
                    if col is not None:
                        entry[2].append((col.upper(), _pg_norm(typ)))
            elif self.dialect == "oracle":
                upper = [v.upper() for v in views]
                objs = conn.execute(
                    text(
                        "SELECT object_name, object_type, status FROM all_objects "
                        "WHERE owner = :o AND object_name IN :views AND object_type IN ('VIEW', 'TABLE', 'SYNONYM')"
                    ).bindparams(bindparam("views", expanding=True)),
                    {"o": self.owner, "views": upper},
                ).all()
                for name, typ, status in objs:
                    out[name.lower()] = ("view" if typ == "VIEW" else typ.lower(), status, [])
                cols = conn.execute(
                    text(
                        "SELECT table_name, column_name, data_type, char_length, char_used, data_length, "
                        "data_precision, data_scale FROM all_tab_columns "
                        "WHERE owner = :o AND table_name IN :views ORDER BY table_name, column_id"
                    ).bindparams(bindparam("views", expanding=True)),
                    {"o": self.owner, "views": upper},
                ).all()
                for tname, cname, dtype, clen, cused, dlen, prec, scale in cols:
                    if tname.lower() in out:
                        out[tname.lower()][2].append(
                            (cname.upper(), _oracle_norm(dtype, clen, cused, dlen, prec, scale))
                        )
            else:
                rows = conn.execute(
                    text("SELECT name, type FROM sqlite_master WHERE name IN :views").bindparams(
                        bindparam("views", expanding=True)
                    ),
                    {"views": views},
                ).all()
                for name, typ in rows:
                    out[name] = (typ, None, [])
                    for info in conn.exec_driver_sql(f'PRAGMA table_info("{name}")').all():
                        out[name][2].append((info[1].upper(), None))
        return out

    def check_views(self) -> list[str]:
        try:
            catalog = self._catalog()
        except DBAPIError as exc:
            self.report.add(Code.QUERY_FAILED, "catalog", f"读取数据字典失败：{_db_message(exc)}")
            return []
        present: list[str] = []
        for view in self.contract.view_names:
            spec = self.contract.views[view]
            need = "必须提供" if spec.required else "一般需要提供（本站点契约已启用）"
            if view not in catalog:
                self.report.add(Code.VIEW_MISSING, view, f"视图不存在（{spec.title}，{need}）")
                continue
            kind, status, cols = catalog[view]
            if kind != "view":
                self.report.add(Code.VIEW_MISSING, view, f"同名对象存在但不是视图（{kind}）")
                continue
            if status is not None and status != "VALID":
                self.report.add(Code.VIEW_INVALID, view, f"视图状态为 {status}（基表变更后失效，需重新安装）")
            if not cols:
                self.report.add(Code.QUERY_FAILED, view, "读不到视图的列（视图定义可能已失效）")
                continue
            actual = dict(cols)
            self.columns[view] = set(actual)
            for col in spec.columns:
                want = {"postgresql": pg_type, "oracle": oracle_type}.get(self.dialect)
                if col.name not in actual:
                    self.report.add(
                        Code.COLUMN_MISSING,
                        f"{view}.{col.name}",
                        f"视图缺少契约列（{col.type}：{col.description}）",
                    )
                elif want is not None and actual[col.name] != want(col.type):
                    self.report.add(
                        Code.COLUMN_TYPE,
                        f"{view}.{col.name}",
                        f"类型为 {actual[col.name]}，契约为 {want(col.type)}",
                    )
            extra = sorted(set(actual) - {c.name for c in spec.columns})
            for name in extra:
                self.report.add(
                    Code.COLUMN_UNEXPECTED,
                    f"{view}.{name}",
                    "视图有契约以外的列（可能泄露字段；请在 YAML 中声明或删除）",
                )
            present.append(view)
        return present

    # --------------------------------------------------------------------------------------- data

    def check_data(self, view: str) -> None:
        spec = self.contract.views[view]  # type: ignore[index]
        have = self.columns.get(view, set())
        qv = self.q(view)
        state = spec.add_state_column.name

        def count(sql: str, params: dict | None = None) -> int:
            with _probe(self.engine) as conn:
                return int(conn.execute(text(sql), params or {}).scalar() or 0)

        try:
            if state in have:
                total, valid, invalid = self._counts(qv, state)
                self.report.notes.append(f"{view}：{total} 行（ADD_STATE=2 有效 {valid}，=0 无效 {invalid}）")
                bad = total - valid - invalid
                if bad:
                    self.report.add(
                        Code.ADD_STATE_VALUE,
                        f"{view}.{state}",
                        f"{bad} 行的 ADD_STATE 不是 0 或 2（含 NULL）",
                    )
            date_col = spec.by_source("visit_date")
            if date_col is not None and date_col.name in have:
                n = count(
                    f"SELECT COUNT(*) FROM {qv} WHERE {date_col.name} IS NULL "
                    f"OR NOT ({is_today(self.dialect, self.contract.settings, date_col.name)})"
                )
                if n:
                    self.report.add(
                        Code.ROWS_NOT_TODAY,
                        f"{view}.{date_col.name}",
                        f"{n} 行的就诊日期不是数据库当天（契约只提供当天数据）",
                    )
            not_null = [c.name for c in spec.columns if not c.nullable and c.name in have and c.name != state]
            if not_null:
                sums = ", ".join(f"SUM(CASE WHEN {c} IS NULL THEN 1 ELSE 0 END)" for c in not_null)
                with _probe(self.engine) as conn:
                    row = conn.execute(text(f"SELECT {sums} FROM {qv}")).one()
                for name, n in zip(not_null, row, strict=True):
                    if n:
                        self.report.add(
                            Code.NULL_VALUE, f"{view}.{name}", f"{int(n)} 行为空，契约规定不可为空"
                        )
            key = spec.key_column.name
            if key in have:
                n = count(
                    f"SELECT COUNT(*) FROM (SELECT {key} FROM {qv} GROUP BY {key} HAVING COUNT(*) > 1) q"
                )
                if n:
                    self.report.add(Code.DUPLICATE_KEY, f"{view}.{key}", f"{n} 个键值重复（契约要求唯一）")
            masked = spec.by_source("patient_name_masked")
            if masked is not None and masked.name in have and self.contract.settings.mask_rule != "none":
                length = "char_length" if self.dialect == "postgresql" else "LENGTH"
                n = count(
                    f"SELECT COUNT(*) FROM {qv} WHERE {length}({masked.name}) >= 2 AND {masked.name} NOT LIKE :p",
                    {"p": "%*%"},
                )
                if n:
                    self.report.add(
                        Code.NAME_NOT_MASKED,
                        f"{view}.{masked.name}",
                        f"{n} 行姓名未脱敏（规则 {self.contract.settings.mask_rule}）",
                    )
        except DBAPIError as exc:
            self.report.add(Code.QUERY_FAILED, view, f"查询视图失败：{_db_message(exc)}")

    def _counts(self, qv: str, state: str) -> tuple[int, int, int]:
        sql = (
            f"SELECT COUNT(*), SUM(CASE WHEN {state} = {ADD_STATE_VALID} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {state} = {ADD_STATE_INVALID} THEN 1 ELSE 0 END) FROM {qv}"
        )
        with _probe(self.engine) as conn:
            total, valid, invalid = conn.execute(text(sql)).one()
        return int(total or 0), int(valid or 0), int(invalid or 0)

    # ------------------------------------------------------------------------------------- reader

    def check_reader(self, password: str | None, reader_url: str | None) -> None:
        name = self.contract.reader.name
        subject = f"reader {name}"
        try:
            with _probe(self.engine) as conn:
                if self.dialect == "postgresql":
                    exists = conn.execute(
                        text("SELECT COUNT(*) FROM pg_roles WHERE rolname = :n"), {"n": name}
                    ).scalar()
                else:
                    exists = conn.execute(
                        text("SELECT COUNT(*) FROM all_users WHERE username = :n"), {"n": name.upper()}
                    ).scalar()
                if not exists:
                    self.report.add(
                        Code.READER_MISSING, subject, "只读账号不存在（queue-views install 会创建）"
                    )
                    return
                if self.dialect == "postgresql":
                    self._pg_reader_catalog(conn, subject)
        except DBAPIError as exc:
            self.report.add(Code.QUERY_FAILED, subject, f"检查账号权限失败：{_db_message(exc)}")
        if reader_url is None and password is None:
            self.report.add(
                Code.READER_NOT_TESTED,
                subject,
                f"未提供只读账号口令（环境变量 {self.contract.reader.password_env} 或 reader 连接），未实际登录验证",
                Severity.WARNING,
            )
            return
        url = reader_url or self.engine.url.set(username=name, password=password).render_as_string(
            hide_password=False
        )
        reader = make_engine(url)
        before = len(self.report.findings)
        try:
            self._reader_live(reader, subject)
        finally:
            reader.dispose()
        if len(self.report.findings) == before:
            self.report.notes.append(
                f"只读账号 {name}：已登录验证，{len(self.contract.view_names)} 个视图可查，"
                f"{len(self.contract.base_tables)} 张基表的查询、写入与建表均被拒绝"
            )

    def _pg_reader_catalog(self, conn: Connection, subject: str) -> None:
        name = self.contract.reader.name
        attrs = conn.execute(
            text(
                "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin "
                "FROM pg_roles WHERE rolname = :n"
            ),
            {"n": name},
        ).one()
        labels = ("SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS")
        bad = [label for label, on in zip(labels, attrs[:5], strict=True) if on]
        if bad:
            self.report.add(Code.READER_ATTRIBUTE, subject, f"账号带有特权属性 {', '.join(bad)}")
        if not attrs[5]:
            self.report.add(Code.READER_ATTRIBUTE, subject, "账号不能登录（NOLOGIN）")
        member_of = (
            conn.execute(
                text(
                    "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                    "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :n ORDER BY 1"
                ),
                {"n": name},
            )
            .scalars()
            .all()
        )
        if member_of:
            self.report.add(
                Code.READER_EXTRA_PRIVILEGE,
                subject,
                f"账号是其他角色的成员：{', '.join(member_of)}（应只拥有视图查询权）",
            )
        rels = conn.execute(
            text(
                "SELECT n.nspname, c.relname, c.relkind, "
                "has_table_privilege(:n, c.oid, 'SELECT'), "
                "has_table_privilege(:n, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'), "
                "has_any_column_privilege(:n, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES') "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
                "ORDER BY 1, 2"
            ),
            {"n": name},
        ).all()
        allowed = {(self.owner, v) for v in self.contract.view_names}
        for schema, rel, _kind, can_select, can_write, any_column in rels:
            where = f"{schema}.{rel}"
            if can_write:
                self.report.add(Code.READER_EXTRA_PRIVILEGE, subject, f"对 {where} 有写权限")
            elif (schema, rel) not in allowed and (can_select or any_column):
                self.report.add(Code.READER_EXTRA_PRIVILEGE, subject, f"对契约以外的 {where} 有查询权限")
        for view in self.contract.view_names:
            if (self.owner, view) not in {(s, r) for s, r, *_ in rels}:
                continue
            ok = conn.execute(
                text("SELECT has_table_privilege(:n, CAST(:rel AS regclass), 'SELECT')"),
                {"n": name, "rel": self.q(view)},
            ).scalar()
            if not ok:
                self.report.add(Code.READER_CANNOT_SELECT, subject, f"没有 {view} 的 SELECT 权限")
        creatable = (
            conn.execute(
                text(
                    "SELECT nspname FROM pg_namespace WHERE has_schema_privilege(:n, oid, 'CREATE') "
                    "AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1"
                ),
                {"n": name},
            )
            .scalars()
            .all()
        )
        if creatable:
            self.report.add(
                Code.READER_CAN_CREATE,
                subject,
                f"可在模式 {', '.join(creatable)} 中建对象（PostgreSQL 14 及以前 PUBLIC 默认有 public 的 CREATE 权限："
                f"需 REVOKE CREATE ON SCHEMA public FROM PUBLIC）",
            )
        db_create = conn.execute(
            text("SELECT has_database_privilege(:n, current_database(), 'CREATE')"), {"n": name}
        ).scalar()
        if db_create:
            self.report.add(Code.READER_CAN_CREATE, subject, "可在当前数据库中建模式（CREATE ON DATABASE）")

    def _attempt(self, reader: Engine, sql: str) -> str | None:
        """Run ``sql`` as the reader and roll back; ``None`` if it was allowed, else the refusal."""
        try:
            with _probe(reader) as conn:
                if self.dialect == "postgresql":
                    # The role defaults to read-only transactions; lift that so the privilege itself is tested.
                    conn.exec_driver_sql("SET TRANSACTION READ WRITE")
                conn.exec_driver_sql(sql)
            return None
        except DBAPIError as exc:
            return _db_message(exc)

    def _reader_live(self, reader: Engine, subject: str) -> None:
        try:
            with reader.connect() as conn:
                conn.exec_driver_sql("SELECT 1" + (" FROM dual" if self.dialect == "oracle" else ""))
        except DBAPIError as exc:
            self.report.add(Code.READER_LOGIN_FAILED, subject, f"以只读账号登录失败：{_db_message(exc)}")
            return
        if self.dialect == "oracle":
            self._oracle_reader_catalog(reader, subject)
        for view in self.contract.view_names:
            refused = self._attempt(reader, f"SELECT COUNT(*) FROM {self.q(view)}")
            if refused is not None:
                self.report.add(Code.READER_CANNOT_SELECT, subject, f"查询 {view} 被拒绝：{refused}")
        for table in self.contract.base_tables:
            if self._attempt(reader, f"SELECT COUNT(*) FROM {self.q(table)} WHERE 1 = 0") is None:
                self.report.add(
                    Code.READER_READS_BASE_TABLE, subject, f"能直接查询基表 {table}（应只能查视图）"
                )
        for view in self.contract.view_names:
            key = self.contract.views[view].key_column.name
            for sql in (
                f"DELETE FROM {self.q(view)} WHERE 1 = 0",
                f"UPDATE {self.q(view)} SET {key} = {key} WHERE 1 = 0",
            ):
                if self._attempt(reader, sql) is None:
                    self.report.add(Code.READER_CAN_WRITE, subject, f"能对 {view} 执行 {sql.split()[0]}")
        for table in self.contract.base_tables:
            if self._attempt(reader, f"DELETE FROM {self.q(table)} WHERE 1 = 0") is None:
                self.report.add(Code.READER_CAN_WRITE, subject, f"能对基表 {table} 执行 DELETE")
        probe = f"hx_probe_{uuid.uuid4().hex[:8]}"
        target = self.q(probe) if self.dialect == "postgresql" else probe
        if self._attempt(reader, f"CREATE TABLE {target} (x INTEGER)") is None:
            self.report.add(Code.READER_CAN_CREATE, subject, f"能建表（{target}）")
            if self.dialect == "oracle":  # Oracle DDL commits: remove the probe table again
                self._attempt(reader, f"DROP TABLE {target}")

    def _oracle_reader_catalog(self, reader: Engine, subject: str) -> None:  # pragma: no cover - needs Oracle
        try:
            with _probe(reader) as conn:
                privs = conn.execute(text("SELECT privilege FROM session_privs")).scalars().all()
                roles = conn.execute(text("SELECT granted_role FROM user_role_privs")).scalars().all()
                grants = conn.execute(
                    text("SELECT owner, table_name, privilege FROM user_tab_privs WHERE grantee = USER")
                ).all()
        except DBAPIError as exc:
            self.report.add(Code.QUERY_FAILED, subject, f"读取账号权限失败：{_db_message(exc)}")
            return
        extra = sorted(set(privs) - {"CREATE SESSION"})
        if extra:
            self.report.add(
                Code.READER_EXTRA_PRIVILEGE,
                subject,
                f"有系统权限 {', '.join(extra)}（应只有 CREATE SESSION）",
            )
        if roles:
            self.report.add(Code.READER_EXTRA_PRIVILEGE, subject, f"被授予角色 {', '.join(sorted(roles))}")
        allowed = {(self.owner, v.upper(), "SELECT") for v in self.contract.view_names}
        for owner, table, privilege in grants:
            if (owner, table, privilege) not in allowed:
                self.report.add(
                    Code.READER_EXTRA_PRIVILEGE, subject, f"有 {owner}.{table} 的 {privilege} 权限"
                )


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
