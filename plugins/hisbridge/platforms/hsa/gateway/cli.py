"""``python -m hisbridge gateway``: the callers' tokens, the resolution of calls left in flight, and serving.

    python -m hisbridge gateway token add CALLER [--note TEXT]     # prints the token once
    python -m hisbridge gateway token list
    python -m hisbridge gateway token revoke ID
    python -m hisbridge gateway resolve [--older-than 120]        # 2601 for calls a dead process left in flight
    python -m hisbridge gateway serve [--host 0.0.0.0] [--port 8096] [--workers 4]

Tokens and the journal live in the ledger (connection ``hisbridge_db``, or ``--url``); the platform is the connection
``hsa_platform`` — as for the traceability feeds.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from hisbridge.platforms.hsa.gateway.service import HsaGateway
from hisbridge.platforms.hsa.gateway.tokens import new_token, token_hash

FACTORY = "hisbridge.platforms.hsa.gateway.wiring:app_from_airflow"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hisbridge gateway", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="SQLAlchemy URL of the ledger (default: the Airflow connection hisbridge_db)")
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="网关令牌").add_subparsers(dest="action", required=True)
    add = token.add_parser("add", help="新建令牌（只显示这一次）")
    add.add_argument("caller", help="持有者，如 HIS 门诊收费")
    add.add_argument("--note")
    token.add_parser("list", help="列出令牌（不含令牌本身）")
    revoke = token.add_parser("revoke", help="吊销令牌")
    revoke.add_argument("id", type=int)
    resolve = sub.add_parser("resolve", help="冲正进程中断时未得到应答的交易")
    resolve.add_argument("--older-than", type=float, default=120,
                         help="only calls started this many seconds ago or earlier (a running worker's are younger)")
    serve = sub.add_parser("serve", help="用 uvicorn 独立运行网关")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a service the HIS reaches over the network
    serve.add_argument("--port", type=int, default=8096)
    serve.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)

    if args.command == "serve":
        import uvicorn

        uvicorn.run(FACTORY, factory=True, host=args.host, port=args.port, workers=args.workers)
        return 0
    from hisbridge.platforms.hsa.gateway.wiring import gateway_from_airflow, ledger_from_airflow

    if args.command == "resolve":
        print(f"resolved {gateway_from_airflow().resolve_in_flight(older_than_s=args.older_than)} call(s)")
        return 0
    ledger = _ledger(args.url) if args.url else ledger_from_airflow()
    if args.action == "add":
        secret = new_token()
        ident = ledger.add_token(HsaGateway.SERVICE, args.caller, token_hash(secret), getpass.getuser(), args.note)
        print(f"token #{ident} for {args.caller} (shown once, keep it in the HIS configuration):\n{secret}")
    elif args.action == "list":
        for row in ledger.tokens(HsaGateway.SERVICE):
            state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "live"
            print(f"#{row['id']:<4} {row['caller']:<24} {state:<24} by {row['created_by'] or '-'}  {row['note'] or ''}")
    elif args.action == "revoke":
        if not ledger.revoke_token(HsaGateway.SERVICE, args.id):
            print(f"no live token #{args.id}", file=sys.stderr)
            return 1
        print(f"token #{args.id} revoked")
    return 0


def _ledger(url: str):
    from hisbridge.db import make_engine
    from hisbridge.ledger.store import Ledger

    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    return ledger
