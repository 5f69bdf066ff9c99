"""``python -m simulators.regional``: the 市区卫平台 前置库 simulator from the command line.

    python -m simulators.regional install --url postgresql+psycopg://postgres@127.0.0.1/qzk [--schema qzk]
    python -m simulators.regional pull --url … [--skip-share 0.1] [--fail-share 0.05] [--seed 7] [--now …]
    python -m simulators.regional status --url …

``--url`` may also come from ``REGIONAL_SIM_URL``. ``pull`` prints what it took, failed and left (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import create_engine

from simulators.regional.faults import PullFailed, PullFaults
from simulators.regional.frontdb import counts, install, pull


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m simulators.regional", description="市区卫平台前置库模拟器")
    sub = p.add_subparsers(dest="command", required=True)
    for name, words in (("install", "建表"), ("pull", "模拟平台抽取（设置上传标志）"), ("status", "各表各标志的行数")):
        cmd = sub.add_parser(name, help=words)
        cmd.add_argument("--url", default=os.environ.get("REGIONAL_SIM_URL"), help="SQLAlchemy URL of the 前置库")
        cmd.add_argument("--schema", default=None)
        if name == "pull":
            cmd.add_argument("--skip-share", type=float, default=0.0, help="share of pending rows left untouched")
            cmd.add_argument("--fail-share", type=float, default=0.0, help="share of pending rows failed (fault)")
            cmd.add_argument("--seed", type=int, default=0)
            cmd.add_argument("--now", type=datetime.fromisoformat, default=None, help="the pull time (local)")
            cmd.add_argument("--down", action="store_true", help="the pull fails as a whole")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.url:
        print("--url (or REGIONAL_SIM_URL) is required", file=sys.stderr)
        return 2
    engine = create_engine(args.url)
    try:
        if args.command == "install":
            print(json.dumps({"created": install(engine, schema=args.schema)}, ensure_ascii=False))
        elif args.command == "status":
            print(json.dumps(counts(engine, schema=args.schema), ensure_ascii=False))
        else:
            faults = PullFaults(skip_share=args.skip_share, fail_share=args.fail_share, seed=args.seed,
                                down=args.down)
            try:
                report = pull(engine, now=args.now, faults=faults, schema=args.schema)
            except PullFailed as exc:
                print(str(exc), file=sys.stderr)
                return 1
            print(json.dumps(report.as_dict(), ensure_ascii=False))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
