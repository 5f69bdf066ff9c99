"""``python -m hisbridge queue-views render|install|check`` — the 门诊候诊叫号 views from the command line.

Examples::

    # the reviewable scripts (what include/sql/queue_views/ holds), for one site
    python -m hisbridge queue-views render --dialect oracle --site example_site
    python -m hisbridge queue-views render --all            # rewrite include/sql/queue_views/*.sql

    # install views + reader on the Airflow connection his_db (reader password from $HX_READER_PASSWORD)
    python -m hisbridge queue-views install
    python -m hisbridge queue-views install --url postgresql+psycopg://his@db/his --views-only

    # check; exits 1 with a readable report when something is wrong
    python -m hisbridge queue-views check --reader-conn-id his_queue_reader

Exit codes: 0 passed / done, 1 check failed or install failed, 2 bad arguments or contract.
Airflow is imported only when a connection id is used (``--url`` works without an Airflow home).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from hisbridge import SQL_DIR
from hisbridge.contracts.errors import ContractError, InstallError
from hisbridge.contracts.findings import CheckReport
from hisbridge.contracts.sql import DIALECTS
from hisbridge.db import make_engine
from hisbridge.platforms.queue.declaration import CONTRACT_PATH, QueueContract, load_contract
from hisbridge.platforms.queue.docs import contract_markdown
from hisbridge.platforms.queue.views import check, install, render_script

SCRIPT_DIR = SQL_DIR / "queue_views"
DEFAULT_CONN_ID = "his_db"


# ------------------------------------------------------------------------------------ Airflow glue


def engine_for_conn(conn_id: str) -> Engine:
    """An engine for an Airflow connection (imported lazily: no Airflow needed with ``--url``)."""
    from hisbridge.hooks import engine_for

    return engine_for(conn_id)


def reader_password_from_conn(conn_id: str, expected_login: str) -> str | None:
    """The reader's password from an Airflow connection whose login is the reader account."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    if conn.login and conn.login.lower() != expected_login.lower():
        raise ContractError(
            f"connection {conn_id} logs in as {conn.login!r}, but the contract's reader is {expected_login!r}"
        )
    return conn.password or None


def reader_password(contract: QueueContract, reader_conn_id: str | None) -> str | None:
    """From the environment variable the contract names, else from the reader's Airflow connection."""
    password = os.environ.get(contract.reader.password_env) or None
    if password is None and reader_conn_id:
        password = reader_password_from_conn(reader_conn_id, contract.reader.name)
    return password


def run_check(
    conn_id: str = DEFAULT_CONN_ID,
    *,
    url: str | None = None,
    site: str | None = None,
    reader_conn_id: str | None = None,
    reader_url: str | None = None,
    contract_path: Path = CONTRACT_PATH,
) -> CheckReport:
    """Load the contract, connect, check; what the CLI and the DAG both call."""
    contract = load_contract(site, contract_path)
    engine = make_engine(url) if url else engine_for_conn(conn_id)
    try:
        return check(
            engine,
            contract,
            reader_password=reader_password(contract, reader_conn_id),
            reader_url=reader_url,
        )
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------- commands


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--contract", type=Path, default=CONTRACT_PATH, help="contract YAML (default: %(default)s)"
    )
    common.add_argument("--site", default=None, help="site overrides to apply (default: $HISBRIDGE_SITE)")

    target = argparse.ArgumentParser(add_help=False)
    where = target.add_mutually_exclusive_group()
    where.add_argument(
        "--conn-id", default=DEFAULT_CONN_ID, help="Airflow connection of the HIS (default: %(default)s)"
    )
    where.add_argument("--url", help="SQLAlchemy URL of the HIS database, bypassing Airflow")
    target.add_argument(
        "--reader-conn-id",
        default=None,
        help="Airflow connection holding the reader's login/password (else the env var named in the contract)",
    )

    parser = argparse.ArgumentParser(
        prog="python -m hisbridge queue-views",
        description="门诊候诊叫号 hx_* views: render the DDL, install it, check a database against the contract.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", parents=[common], help="print the install script for a dialect")
    what = render.add_mutually_exclusive_group(required=True)
    what.add_argument("--dialect", choices=DIALECTS)
    what.add_argument("--all", action="store_true", help=f"write every dialect's script into {SCRIPT_DIR}")
    what.add_argument(
        "--markdown", action="store_true", help="print the column tables of the contract document"
    )
    render.add_argument("--out", type=Path, help="write to this file instead of stdout (with --dialect)")

    inst = sub.add_parser("install", parents=[common, target], help="create the views and the reader account")
    part = inst.add_mutually_exclusive_group()
    part.add_argument("--views-only", action="store_true", help="only the views (reader account left alone)")
    part.add_argument("--reader-only", action="store_true", help="only the reader account and its grants")

    chk = sub.add_parser("check", parents=[common, target], help="check a database against the contract")
    chk.add_argument("--reader-url", help="SQLAlchemy URL to log in as the reader (overrides name/password)")
    chk.add_argument("--json", action="store_true", help="print the findings as JSON")
    return parser


def _render(args: argparse.Namespace, contract: QueueContract) -> int:
    if args.markdown:
        print(contract_markdown(contract))
        return 0
    if args.all:
        SCRIPT_DIR.mkdir(parents=True, exist_ok=True)
        for dialect in DIALECTS:
            path = SCRIPT_DIR / f"{dialect}.sql"
            path.write_text(render_script(contract, dialect), encoding="utf-8")
            print(f"wrote {path}")
        return 0
    script = render_script(contract, args.dialect)
    if args.out:
        args.out.write_text(script, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(script)
    return 0


def _install(args: argparse.Namespace, contract: QueueContract) -> int:
    engine = make_engine(args.url) if args.url else engine_for_conn(args.conn_id)
    try:
        result = install(
            engine,
            contract,
            password=reader_password(contract, args.reader_conn_id),
            views=not args.reader_only,
            reader=not args.views_only,
            log=lambda label: print(f"  {label}"),
        )
    except InstallError as exc:
        print(f"安装失败：{exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"installed on {result.dialect} ({len(result.executed)} statements), site {contract.site or 'default'}"
    )
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def _check(args: argparse.Namespace) -> int:
    report = run_check(
        args.conn_id,
        url=args.url,
        site=args.site,
        reader_conn_id=args.reader_conn_id,
        reader_url=args.reader_url,
        contract_path=args.contract,
    )
    if args.json:
        payload = {
            **report.summary(),
            "findings": [
                {"code": str(f.code), "severity": str(f.severity), "subject": f.subject, "message": f.message}
                for f in report.findings
            ],
            "notes": report.notes,
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(report.render())
    return 0 if report.passed else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point; the lead's ``python -m hisbridge`` dispatches ``queue-views`` here."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        contract = load_contract(args.site, args.contract)
        if args.command == "render":
            return _render(args, contract)
        return _install(args, contract)
    except ContractError as exc:
        print(f"契约错误：{exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"无法连接数据库：{str(exc.orig).strip().splitlines()[0]}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
