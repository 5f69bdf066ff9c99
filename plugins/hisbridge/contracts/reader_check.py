"""The reader part of the check: the account may read the contract's objects and do nothing else.

PostgreSQL, from the catalog: the role exists, has no special attributes, is a member of no role, holds no
privilege on anything outside the contract and no write privilege at all, cannot create in any schema or the
database. Oracle, logged in as the reader: only ``CREATE SESSION``, no role, only SELECT on the objects.
Both, logged in with the password: every object can be selected; every base table is refused; writes and
``CREATE TABLE`` are refused.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from hisbridge.contracts.findings import CheckReport, Code, Severity
from hisbridge.contracts.model import DbContract
from hisbridge.contracts.probing import db_message, probe
from hisbridge.contracts.sql import Dialect
from hisbridge.db import make_engine


def check_reader(
    engine: Engine,
    contract: DbContract,
    dialect: Dialect,
    owner: str | None,
    report: CheckReport,
    password: str | None,
    reader_url: str | None,
) -> None:
    """Add the reader's findings to ``report``; ``owner`` is the objects' schema as the catalog spells it."""
    _ReaderCheck(engine, contract, dialect, owner, report).run(password, reader_url)


class _ReaderCheck:
    def __init__(
        self, engine: Engine, contract: DbContract, dialect: Dialect, owner: str | None, report: CheckReport
    ) -> None:
        assert contract.reader is not None
        self.engine = engine
        self.contract = contract
        self.dialect = dialect
        self.owner = owner
        self.report = report
        self.name = contract.reader.name
        self.subject = f"reader {self.name}"
        self.noun = contract.objects_noun

    def q(self, name: str) -> str:
        return f"{self.owner}.{name}" if self.owner else name

    def add(self, code: Code, message: str, severity: Severity = Severity.ERROR) -> None:
        self.report.add(code, self.subject, message, severity)

    def run(self, password: str | None, reader_url: str | None) -> None:
        assert self.contract.reader is not None
        try:
            with probe(self.engine) as conn:
                if self.dialect == "postgresql":
                    exists = conn.execute(
                        text("SELECT COUNT(*) FROM pg_roles WHERE rolname = :n"), {"n": self.name}
                    ).scalar()
                else:
                    exists = conn.execute(
                        text("SELECT COUNT(*) FROM all_users WHERE username = :n"), {"n": self.name.upper()}
                    ).scalar()
                if not exists:
                    self.add(Code.READER_MISSING, f"只读账号不存在（{self.contract.install_hint} 会创建）")
                    return
                if self.dialect == "postgresql":
                    self._pg_catalog(conn)
        except DBAPIError as exc:
            self.add(Code.QUERY_FAILED, f"检查账号权限失败：{db_message(exc)}")
        if reader_url is None and password is None:
            self.add(
                Code.READER_NOT_TESTED,
                f"未提供只读账号口令（环境变量 {self.contract.reader.password_env} 或 reader 连接），未实际登录验证",
                Severity.WARNING,
            )
            return
        url = reader_url or self.engine.url.set(username=self.name, password=password).render_as_string(
            hide_password=False
        )
        reader = make_engine(url)
        before = len(self.report.findings)
        try:
            self._live(reader)
        finally:
            reader.dispose()
        if len(self.report.findings) == before:
            self.report.notes.append(
                f"只读账号 {self.name}：已登录验证，{len(self.contract.objects)} 个{self.noun}可查，"
                f"{len(self.contract.base_tables)} 张基表的查询、写入与建表均被拒绝"
            )

    # ----------------------------------------------------------------------------------- PostgreSQL

    def _pg_catalog(self, conn: Connection) -> None:
        name = self.name
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
            self.add(Code.READER_ATTRIBUTE, f"账号带有特权属性 {', '.join(bad)}")
        if not attrs[5]:
            self.add(Code.READER_ATTRIBUTE, "账号不能登录（NOLOGIN）")
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
            self.add(
                Code.READER_EXTRA_PRIVILEGE,
                f"账号是其他角色的成员：{', '.join(member_of)}（应只拥有{self.noun}查询权）",
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
        allowed = {(self.owner, o.lower()) for o in self.contract.object_names}
        for schema, rel, _kind, can_select, can_write, any_column in rels:
            where = f"{schema}.{rel}"
            if can_write:
                self.add(Code.READER_EXTRA_PRIVILEGE, f"对 {where} 有写权限")
            elif (schema, rel) not in allowed and (can_select or any_column):
                self.add(Code.READER_EXTRA_PRIVILEGE, f"对契约以外的 {where} 有查询权限")
        existing = {(s, r) for s, r, *_ in rels}
        for obj in self.contract.object_names:
            if (self.owner, obj.lower()) not in existing:
                continue  # a missing object is already a finding of the object check
            ok = conn.execute(
                text("SELECT has_table_privilege(:n, CAST(:rel AS regclass), 'SELECT')"),
                {"n": name, "rel": self.q(obj)},
            ).scalar()
            if not ok:
                self.add(Code.READER_CANNOT_SELECT, f"没有 {obj} 的 SELECT 权限")
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
            self.add(
                Code.READER_CAN_CREATE,
                f"可在模式 {', '.join(creatable)} 中建对象（PostgreSQL 14 及以前 PUBLIC 默认有 public 的 CREATE 权限："
                f"需 REVOKE CREATE ON SCHEMA public FROM PUBLIC）",
            )
        db_create = conn.execute(
            text("SELECT has_database_privilege(:n, current_database(), 'CREATE')"), {"n": name}
        ).scalar()
        if db_create:
            self.add(Code.READER_CAN_CREATE, "可在当前数据库中建模式（CREATE ON DATABASE）")

    # ------------------------------------------------------------------------------- logged in as it

    def _attempt(self, reader: Engine, sql: str) -> str | None:
        """Run ``sql`` as the reader and roll back; ``None`` if it was allowed, else the refusal."""
        try:
            with probe(reader) as conn:
                if self.dialect == "postgresql":
                    # The role defaults to read-only transactions; lift that so the privilege itself is tested.
                    conn.exec_driver_sql("SET TRANSACTION READ WRITE")
                conn.exec_driver_sql(sql)
            return None
        except DBAPIError as exc:
            return db_message(exc)

    def _live(self, reader: Engine) -> None:
        try:
            with reader.connect() as conn:
                conn.exec_driver_sql("SELECT 1" + (" FROM dual" if self.dialect == "oracle" else ""))
        except DBAPIError as exc:
            self.add(Code.READER_LOGIN_FAILED, f"以只读账号登录失败：{db_message(exc)}")
            return
        if self.dialect == "oracle":
            self._oracle_catalog(reader)
        for obj in self.contract.object_names:
            refused = self._attempt(reader, f"SELECT COUNT(*) FROM {self.q(obj)}")
            if refused is not None:
                self.add(Code.READER_CANNOT_SELECT, f"查询 {obj} 被拒绝：{refused}")
        for table in self.contract.base_tables:
            if self._attempt(reader, f"SELECT COUNT(*) FROM {self.q(table)} WHERE 1 = 0") is None:
                self.add(Code.READER_READS_BASE_TABLE, f"能直接查询基表 {table}（应只能查{self.noun}）")
        for obj in self.contract.objects:
            key = (obj.key_columns or obj.columns)[0].name
            for sql in (
                f"DELETE FROM {self.q(obj.name)} WHERE 1 = 0",
                f"UPDATE {self.q(obj.name)} SET {key} = {key} WHERE 1 = 0",
            ):
                if self._attempt(reader, sql) is None:
                    self.add(Code.READER_CAN_WRITE, f"能对 {obj.name} 执行 {sql.split()[0]}")
        for table in self.contract.base_tables:
            if self._attempt(reader, f"DELETE FROM {self.q(table)} WHERE 1 = 0") is None:
                self.add(Code.READER_CAN_WRITE, f"能对基表 {table} 执行 DELETE")
        probe_table = f"probe_{uuid.uuid4().hex[:8]}"
        target = self.q(probe_table) if self.dialect == "postgresql" else probe_table
        if self._attempt(reader, f"CREATE TABLE {target} (x INTEGER)") is None:
            self.add(Code.READER_CAN_CREATE, f"能建表（{target}）")
            if self.dialect == "oracle":  # Oracle DDL commits: remove the probe table again
                self._attempt(reader, f"DROP TABLE {target}")

    def _oracle_catalog(self, reader: Engine) -> None:  # pragma: no cover - needs Oracle
        try:
            with probe(reader) as conn:
                privs = conn.execute(text("SELECT privilege FROM session_privs")).scalars().all()
                roles = conn.execute(text("SELECT granted_role FROM user_role_privs")).scalars().all()
                grants = conn.execute(
                    text("SELECT owner, table_name, privilege FROM user_tab_privs WHERE grantee = USER")
                ).all()
        except DBAPIError as exc:
            self.add(Code.QUERY_FAILED, f"读取账号权限失败：{db_message(exc)}")
            return
        extra = sorted(set(privs) - {"CREATE SESSION"})
        if extra:
            self.add(Code.READER_EXTRA_PRIVILEGE, f"有系统权限 {', '.join(extra)}（应只有 CREATE SESSION）")
        if roles:
            self.add(Code.READER_EXTRA_PRIVILEGE, f"被授予角色 {', '.join(sorted(roles))}")
        allowed = {(self.owner, o.upper(), "SELECT") for o in self.contract.object_names}
        for owner, table, privilege in grants:
            if (owner, table, privilege) not in allowed:
                self.add(Code.READER_EXTRA_PRIVILEGE, f"有 {owner}.{table} 的 {privilege} 权限")
