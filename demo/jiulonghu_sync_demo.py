"""Demo step for the 九龙湖 dictionary sync: a campus HIS (SQLite) is filled from the demo HIS, then a day's worth of
changes on both sides shows what a nightly run does — a main-campus change written, a deactivation, and a row the
campus edited itself reported as a conflict and left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

CAMPUS_DB = "jiulonghu_his.db"


def sync_all(his: Engine, campus: Engine, ledger, *, run_id: str, clock: Callable[[], datetime] | None = None):
    """``hisbridge.platforms.jiulonghu.sync.sync_all`` with the ledger's clock for the run's stamps (the health
    page's "last run"): the demo's is demo time (``demo.clock``); ``sync_all`` itself always takes the real one."""
    from hisbridge.ledger.migrate import ensure_schema
    from hisbridge.platforms.jiulonghu.catalogue import select
    from hisbridge.platforms.jiulonghu.codes import load_codes
    from hisbridge.platforms.jiulonghu.sync import SyncReport, sync_dictionary

    engine: Engine = getattr(ledger, "engine", ledger)  # a Ledger or its engine, as sync_all takes
    ensure_schema(engine)
    report, codes = SyncReport(run_id, dry_run=False), load_codes()
    for d in select(None):
        report.dictionaries.append(sync_dictionary(d, his, campus, engine, run_id=run_id, actor="demo", codes=codes,
                                                   **({"clock": clock} if clock else {})))
    return report


def sync_step(his: Engine, ledger, out_dir: Path, echo, *,
              clock: Callable[[], datetime] | None = None) -> dict[str, Any]:
    """Create the campus database in ``out_dir``, sync, plant changes, sync again. Returns the counts (tests).
    ``clock``: what the ledger's sync runs are stamped with (default the real clock)."""
    from demo.his import schema as s
    from demo.jiulonghu.schema import create_schema, ys_dict
    from hisbridge.db import make_engine, sqlite_url

    path = out_dir / CAMPUS_DB
    path.unlink(missing_ok=True)
    campus = make_engine(sqlite_url(str(path)))
    create_schema(campus)

    first = sync_all(his, campus, ledger, run_id="demo-jiulonghu-1", clock=clock)
    for r in first.dictionaries:
        echo("   " + r.lines()[0])
    for _key, reason in (q for r in first.dictionaries for q in r.quarantined):
        echo(f"     隔离 {reason}")

    with his.begin() as conn:  # the main campus: a price change and a nurse leaving
        drug = conn.execute(select(s.drug_dict.c.drug_code, s.drug_dict.c.retail_price)
                            .where(s.drug_dict.c.is_active == 1).order_by(s.drug_dict.c.drug_code)).first()
        conn.execute(update(s.drug_dict).where(s.drug_dict.c.drug_code == drug.drug_code)
                     .values(retail_price=(drug.retail_price or 0) + 1))
        nurse = conn.execute(select(s.staff.c.staff_code).where(s.staff.c.role == "nurse", s.staff.c.is_active == 1)
                             .order_by(s.staff.c.staff_code)).scalars().first()
        conn.execute(update(s.staff).where(s.staff.c.staff_code == nurse).values(is_active=0))
    with campus.begin() as conn:  # the campus: someone edits a doctor's title in the campus HIS itself
        doctor = conn.execute(select(ys_dict.c.ysdm).order_by(ys_dict.c.ysdm)).first()[0]
        conn.execute(update(ys_dict).where(ys_dict.c.ysdm == doctor)
                     .values(zc="主任医师（院区修改）", bbh=ys_dict.c.bbh + 1, xgr="jlh_admin"))
    echo(f"   已模拟：主院区药品 {drug.drug_code} 调价、护士 {nurse} 停用；院区自行修改医生 {doctor} 的职称")

    second = sync_all(his, campus, ledger, run_id="demo-jiulonghu-2", clock=clock)
    for r in second.dictionaries:
        echo("   " + r.lines()[0])
        for key, cols in r.conflicts:
            echo(f"     冲突 {r.title} {key}：院区改动了 {'、'.join(cols)}，未覆盖（两个版本见台账 dict_sync_conflict；"
                 f"python -m hisbridge jiulonghu conflicts）")
    echo(f"   院区库：{path}")
    campus.dispose()
    return {"campus_db": str(path), "first": first.as_dict(), "second": second.as_dict(),
            "planted": {"drug": drug.drug_code, "nurse": nurse, "doctor": doctor}}
