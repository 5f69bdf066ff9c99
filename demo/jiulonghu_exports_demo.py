"""The demo's 九龙湖 exports: what ``dags/jiulonghu_exports.py`` writes just after midnight following the demo day
— 门诊挂号信息 of the day and 在院患者信息 at 08:00 of the day — into the demo folder's ``exports/``.

``python -m demo.jiulonghu_exports_demo [--his var/demo/his.db] [--day 2026-11-24] [--out var/demo]`` runs the
step alone on a demo HIS that ``make demo`` built.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

SNAPSHOT_HOUR = 8  # the Variable's default inpatient_snapshot_hour


def exports_step(his: Engine, day: date, out_dir: Path, echo: Callable[[str], object] = print) -> dict:
    """Write both exports of ``day`` into ``out_dir/exports/`` and say where they are; returns export → manifest."""
    from hisbridge.platforms.jiulonghu.exports import export_day, export_names

    base = Path(out_dir) / "exports"
    manifests = {}
    for name in export_names():
        m = export_day(his, name, day, base, snapshot_hour=SNAPSHOT_HOUR, source="his_db（演示 SQLite）")
        manifests[name] = m
        when = f"{day} {SNAPSHOT_HOUR:02d}:00 在院" if m.snapshot_at else f"{day} 全天挂号"
        echo(f"   {m.title}（{when}）：{m.rows} 条，CSV + Excel + manifest.json → {m.folder}")
    return manifests


def main(argv: list[str] | None = None) -> int:
    import argparse

    from hisbridge import PROJECT_DIR
    from hisbridge.db import make_engine, sqlite_url

    p = argparse.ArgumentParser(prog="python -m demo.jiulonghu_exports_demo", description=__doc__)
    p.add_argument("--his", default=str(PROJECT_DIR / "var" / "demo" / "his.db"))
    p.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 24))
    p.add_argument("--out", type=Path, default=PROJECT_DIR / "var" / "demo")
    args = p.parse_args(argv)
    exports_step(make_engine(sqlite_url(args.his)), args.day, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
