"""``python -m hisbridge jiulonghu …``: the 九龙湖 dictionary sync by hand.

::

    python -m hisbridge jiulonghu sync [--dry-run] [--only dept,staff]      # all seven dictionaries by default
    python -m hisbridge jiulonghu conflicts [--dictionary staff]             # open conflicts, the disputed columns
    python -m hisbridge jiulonghu resolve ID --keep main|campus --by NAME [--note TEXT]
    python -m hisbridge jiulonghu export write|verify …                    # the exports (export_cli.py)

Databases are the Airflow connections ``his_db``, ``jiulonghu_his`` and ``hisbridge_db``, or SQLAlchemy URLs given
with ``--his-url`` / ``--campus-url`` / ``--ledger-url``. ``resolve --keep main``: the next sync writes the main
campus's version; ``--keep campus``: the campus's version stays until the main campus changes the row again.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine


def _engine(url: str | None, conn_id: str) -> Engine:
    if url:
        from hisbridge.db import make_engine

        return make_engine(url)
    from hisbridge.hooks import engine_for

    return engine_for(conn_id)


def _same(value: object) -> str | None:
    """A stored version's value as compared (prices are stored as text: ``"12.500000"`` equals ``"12.5"``)."""
    from decimal import Decimal, InvalidOperation

    from hisbridge.platforms.jiulonghu.plan import normalise

    if isinstance(value, str):
        try:
            return normalise(Decimal(value))
        except InvalidOperation:
            return value
    return normalise(value)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hisbridge jiulonghu", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--his-url", help="主院区 HIS 的 SQLAlchemy URL（默认连接 his_db）")
    p.add_argument("--campus-url", help="九龙湖 HIS 的 SQLAlchemy URL（默认连接 jiulonghu_his）")
    p.add_argument("--ledger-url", help="台账库的 SQLAlchemy URL（默认连接 hisbridge_db）")
    sub = p.add_subparsers(dest="command", required=True)
    q = sub.add_parser("sync", help="同步字典（默认全部七个）")
    q.add_argument("--dry-run", action="store_true", help="只列出差异，不写入")
    q.add_argument("--only", help="逗号分隔的字典名：dept,staff,doctor,nurse,pharmacist,drug,charge_item")
    q = sub.add_parser("conflicts", help="未处理的冲突")
    q.add_argument("--dictionary")
    q = sub.add_parser("resolve", help="处理一条冲突")
    q.add_argument("id", type=int)
    q.add_argument("--keep", choices=("main", "campus"), required=True)
    q.add_argument("--by", required=True, help="处理人")
    q.add_argument("--note")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["export"]:  # one ``jiulonghu`` command for the campus: the exports have their own parser
        from hisbridge.platforms.jiulonghu import export_cli

        return int(export_cli.main(argv[1:]) or 0)
    args = build_parser().parse_args(argv)
    from hisbridge.ledger.migrate import ensure_schema
    from hisbridge.platforms.jiulonghu import state

    ledger = _engine(args.ledger_url, "hisbridge_db")
    if args.command == "sync":
        from hisbridge.platforms.jiulonghu.sync import sync_all

        try:
            report = sync_all(_engine(args.his_url, "his_db"), _engine(args.campus_url, "jiulonghu_his"), ledger,
                              dry_run=args.dry_run, only=args.only, actor="cli", echo=print)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"run {report.run_id}")
        return 0
    ensure_schema(ledger)
    if args.command == "conflicts":
        from hisbridge.platforms.jiulonghu.catalogue import BY_NAME

        rows = state.open_conflicts(ledger, args.dictionary)
        if not rows:
            print("没有未处理的冲突")
        for r in rows:
            d = BY_NAME.get(r["dictionary"])
            wanted, held = r["source_version"] or {}, r["campus_version"] or {}
            cols = [c.title for c in d.columns if _same(wanted.get(c.campus)) != _same(held.get(c.campus))] if d else []
            print(f"{r['id']:>6d}  {r['dictionary']:12s} {r['business_key']:14s} 院区 {r['campus_key']:10s} "
                  f"发现于 {r['detected_at']:%Y-%m-%d %H:%M}  {'主院区已删除' if not wanted else '、'.join(cols)}")
        return 0
    keep = state.KEEP_MAIN if args.keep == "main" else state.KEEP_CAMPUS
    try:
        row = state.resolve(ledger, args.id, keep, by=args.by, note=args.note)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"冲突 {args.id}（{row['dictionary']} {row['business_key']}）已处理：" +
          ("下次同步写入主院区版本" if keep == state.KEEP_MAIN else "保留院区版本，直到主院区再次修改该行"))
    return 0
