"""Write 九龙湖 exports from the command line (a backfill without Airflow, a check of a folder)::

    python -m hisbridge.platforms.jiulonghu.export_cli write --his-url sqlite:///var/demo/his.db \\
        --out var/exports/jiulonghu --day 2026-11-24 [--to 2026-11-30] [--export inpatients] [--snapshot-hour 8]
    python -m hisbridge.platforms.jiulonghu.export_cli write --conn his_db --out … --day …   # an Airflow connection
    python -m hisbridge.platforms.jiulonghu.export_cli verify var/exports/jiulonghu/inpatients/2026-11-24

``write`` runs :func:`~hisbridge.platforms.jiulonghu.exports.export_day` for each day and export (all declared
exports unless ``--export`` names some) and prints one line per folder: rows and path. ``verify`` checks a day's
files against its manifest (exit 1 when something differs).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from hisbridge.platforms.jiulonghu.exports import export_day, export_names, verify

    p = argparse.ArgumentParser(prog="python -m hisbridge.platforms.jiulonghu.export_cli", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="生成导出文件（门诊挂号信息、在院患者信息）")
    source = w.add_mutually_exclusive_group(required=True)
    source.add_argument("--his-url", help="HIS 数据库的 SQLAlchemy URL")
    source.add_argument("--conn", help="HIS 的 Airflow 连接 id（如 his_db）")
    w.add_argument("--out", type=Path, required=True, help="导出目录（Variable jiulonghu_exports 的 dir）")
    w.add_argument("--day", type=date.fromisoformat, required=True)
    w.add_argument("--to", type=date.fromisoformat, help="最后一天（含），默认同 --day")
    w.add_argument("--export", action="append", help="只导出这些（可重复）；默认全部")
    w.add_argument("--snapshot-hour", type=int, default=8)
    v = sub.add_parser("verify", help="按 manifest.json 校验某天目录的文件")
    v.add_argument("folder", type=Path)
    args = p.parse_args(argv)

    if args.command == "verify":
        problems = verify(args.folder)
        for line in problems:
            print(line)
        print("一致" if not problems else f"{len(problems)} 处不一致")
        return 1 if problems else 0
    if args.his_url:
        from hisbridge.db import make_engine

        his, source_name = make_engine(args.his_url), "cli"
    else:
        from hisbridge.hooks import engine_for

        his, source_name = engine_for(args.conn), args.conn
    names = args.export or list(export_names())
    day, last = args.day, args.to or args.day
    while day <= last:
        for name in names:
            m = export_day(his, name, day, args.out, snapshot_hour=args.snapshot_hour, source=source_name)
            print(f"{m.title} {day}: {m.rows} 行 → {m.folder}")
        day += timedelta(days=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
