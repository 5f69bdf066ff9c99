"""The hx_* views as a neutral :class:`~hisbridge.contracts.model.DbContract`, and the queue's render, install
and check on top of :mod:`hisbridge.contracts` (what the command line and the DAG call)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from hisbridge.contracts import check as contract_check
from hisbridge.contracts import ddl
from hisbridge.contracts.findings import CheckReport
from hisbridge.contracts.model import Column, DbContract, View
from hisbridge.contracts.sql import DIALECTS, Dialect, qualifier
from hisbridge.platforms.queue.declaration import VIEW_NAMES, ColumnSpec, QueueContract, ViewName
from hisbridge.platforms.queue.rules import queue_rules
from hisbridge.platforms.queue.sources import LIBRARY, expression

TITLE = "门诊候诊叫号视图契约"
INSTALL_HINT = "queue-views install"
#: The psql / SQL*Plus variable the scripts ask for, whatever a site calls its reader.
PASSWORD_VARIABLE = "hx_reader_password"


def db_contract(contract: QueueContract) -> DbContract:
    """The resolved hx_* contract as the neutral contract: SQL per dialect from the expression library."""
    reader = contract.reader
    if reader.password_variable is None:
        reader = reader.model_copy(update={"password_variable": PASSWORD_VARIABLE})
    return DbContract(
        title=TITLE,
        install_hint=INSTALL_HINT,
        site=contract.site,
        schema_name=contract.settings.view_schema,
        objects=tuple(_view(contract, name) for name in contract.view_names),
        retired_views=tuple(v for v in VIEW_NAMES if v not in contract.views),
        base_tables=contract.base_tables,
        reader=reader,
        session_timezone=contract.settings.timezone,
    )


def _view(contract: QueueContract, name: ViewName) -> View:
    spec = contract.views[name]
    need = "必须提供" if spec.required else "一般需要提供（本站点契约已启用）"
    site = f"，站点 {contract.site}" if contract.site else ""
    schema = contract.settings.view_schema
    return View(
        name=name,
        label=f"{spec.title}，{need}",
        comment=f"{spec.title}（hisbridge 门诊候诊叫号视图契约 v1{site}）：{spec.description}",
        columns=tuple(_column(contract, name, c) for c in spec.columns),
        from_where={
            d: LIBRARY[name].from_where(d, contract.settings, qualifier(schema, d)) for d in DIALECTS
        },
    )


def _column(contract: QueueContract, view: ViewName, col: ColumnSpec) -> Column:
    # A site's own expr may leave out a dialect: rendering for that dialect then fails, naming the column.
    expr = (
        col.expr
        if col.expr is not None
        else {d: expression(view, col.source, d, contract.settings) for d in DIALECTS}
    )
    return Column(
        name=col.name,
        type=col.type,
        description=col.description,
        nullable=col.nullable,
        key=col.key,
        expr=expr,
    )


def script_header(contract: QueueContract, dialect: Dialect) -> str:
    """The comment lines on top of a rendered script: what it is, how it was made, how to run it."""
    site = contract.site or "(default contract)"
    variable = contract.reader.password_variable or PASSWORD_VARIABLE
    lines = [
        f"-- 门诊候诊叫号 hx_* views — {dialect}, site: {site}",
        "-- GENERATED from include/mappings/queue_views.yaml by",
        f"--   python -m hisbridge queue-views render --dialect {dialect}"
        + (f" --site {contract.site}" if contract.site else ""),
        "-- Do not edit: change the YAML (or a site's overrides) and render again.",
        "-- The contract: docs/queue_views_contract.md",
    ]
    if dialect == "postgresql":
        lines += [
            "--",
            "-- Run as the owner of the HIS tables (the reader part needs CREATEROLE):",
            f"--   psql -v ON_ERROR_STOP=1 -v {variable}=… -d <his database> -f postgresql.sql",
            "-- The views are dropped and created again, so run the whole file: it also re-grants SELECT.",
        ]
    elif dialect == "oracle":
        lines += [
            "--",
            "-- Run in SQL*Plus/SQLcl as the owner of the HIS tables; the reader part needs CREATE USER and is",
            f"-- usually run by the DBA. SQL*Plus asks for &&{variable} once. CREATE USER fails with",
            "-- ORA-01920 when the user exists: that line may then be skipped.",
            "-- Views run with the owner's rights, so the reader needs no grant on the base tables.",
        ]
    else:
        lines += ["--", "-- SQLite (demo): views only; SQLite has no accounts."]
    return "\n".join(lines) + "\n"


def render_script(contract: QueueContract, dialect: Dialect) -> str:
    """The install script for ``dialect``: what ``include/sql/queue_views/<dialect>.sql`` holds."""
    return ddl.render_script(db_contract(contract), dialect, header=script_header(contract, dialect))


def install(
    engine: Engine,
    contract: QueueContract,
    *,
    password: str | None = None,
    views: bool = True,
    reader: bool = True,
    log: Callable[[str], None] | None = None,
) -> ddl.InstallResult:
    """Create (or re-create) the hx_* views and the reader account; see :func:`hisbridge.contracts.ddl.install`."""
    return ddl.install(
        engine, db_contract(contract), password=password, objects=views, reader=reader, log=log
    )


def check(
    engine: Engine,
    contract: QueueContract,
    *,
    reader_password: str | None = None,
    reader_url: str | None = None,
) -> CheckReport:
    """Check the database against the hx_* contract, with the queue's row rules (:mod:`.rules`)."""
    return contract_check.check(
        engine,
        db_contract(contract),
        rules=queue_rules(contract),
        reader_password=reader_password,
        reader_url=reader_url,
    )
