"""The workstation service's command line: serving, the HIS-side tables of quoted reports, the callers' tokens.

    python -m hisbridge mutual serve [--host 0.0.0.0] [--port 8094] [--workers 4]   # under uvicorn, at /mutual
    python -m hisbridge mutual ddl --dialect oracle|postgresql [--schema NAME]      # mutual_quoted_report/_result
    python -m hisbridge mutual token add CALLER [--note TEXT]                        # prints the token once
    python -m hisbridge mutual token list
    python -m hisbridge mutual token revoke ID

``main(argv)`` takes the command and its options; options alone (``--port 8094``) mean ``serve``. Tokens live in
the ledger (connection ``hisbridge_db``, or ``--url``) as service ``mutual``; the HIS sends one per caller as
``Authorization: Bearer …``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

FACTORY = "hisbridge.platforms.mutual.service.wiring:standalone_app_from_airflow"
COMMANDS = ("serve", "ddl", "token")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["serve", *argv]
    parser = argparse.ArgumentParser(prog="python -m hisbridge mutual", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="用 uvicorn 独立运行工作站服务（地址前缀 /mutual）")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - workstations reach it over the network
    serve.add_argument("--port", type=int, default=8094)
    serve.add_argument("--workers", type=int, default=4)
    ddl = sub.add_parser("ddl", help="引用检验报告的 HIS 侧建表脚本")
    ddl.add_argument("--dialect", choices=("postgresql", "oracle"), required=True)
    ddl.add_argument("--schema", default=None, help="PostgreSQL schema / Oracle owner of the tables")
    token = sub.add_parser("token", help="工作站调用令牌")
    token.add_argument("--url", help="SQLAlchemy URL of the ledger (default: the Airflow connection hisbridge_db)")
    actions = token.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="新建令牌（只显示这一次）")
    add.add_argument("caller", help="持有者，如 门诊医生工作站")
    add.add_argument("--note")
    actions.add_parser("list", help="列出令牌（不含令牌本身）")
    revoke = actions.add_parser("revoke", help="吊销令牌")
    revoke.add_argument("id", type=int)
    args = parser.parse_args(argv)

    if args.command == "serve":
        import uvicorn

        uvicorn.run(FACTORY, factory=True, host=args.host, port=args.port, workers=args.workers)
        return 0
    if args.command == "ddl":
        from hisbridge.platforms.mutual.service.quote_tables import render_script

        print(render_script(args.dialect, schema=args.schema), end="")
        return 0
    return _tokens(args)


def _tokens(args: argparse.Namespace) -> int:
    from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash
    from hisbridge.platforms.mutual.service.service import WorkstationService

    ledger = _ledger(args.url)
    service = WorkstationService.SERVICE
    if args.action == "add":
        secret = new_token()
        ident = ledger.add_token(service, args.caller, token_hash(secret), getpass.getuser(), args.note)
        print(f"token #{ident} for {args.caller} (shown once, keep it in the workstation's configuration):\n{secret}")
    elif args.action == "list":
        for row in ledger.tokens(service):
            state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "live"
            print(f"#{row['id']:<4} {row['caller']:<24} {state:<24} by {row['created_by'] or '-'}  {row['note'] or ''}")
    elif not ledger.revoke_token(service, args.id):
        print(f"no live token #{args.id}", file=sys.stderr)
        return 1
    else:
        print(f"token #{args.id} revoked")
    return 0


def _ledger(url: str | None):
    from hisbridge.ledger.store import Ledger

    if url is None:
        from hisbridge.platforms.mutual.service.wiring import ledger_from_airflow

        ledger = ledger_from_airflow()
    else:
        from hisbridge.db import make_engine

        ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    return ledger
