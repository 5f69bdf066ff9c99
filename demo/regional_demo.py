"""Demo step for the 市区卫平台: the 前置库 simulator on a SQLite file, the demo day's uploads through the
``regional_*`` feeds, the platform's pull, a planted gap (rows lost from the 前置库, rows the platform refused),
and the upload-health check that finds the gap and closes it — then finds none.

The demo runs without PostgreSQL: the 前置库 is ``<out_dir>/regional_frontdb.db``, the same tables the simulator
creates on PostgreSQL in the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

#: the gap the demo plants: rows of these 前置库 tables deleted after the platform took them
PLANTED_LOSS = {"up_lab_report": 3, "up_prescription": 2}
#: rows the platform's pull fails (its fault, not the data's): listed with its words, not re-sent on their own
PLANTED_FAULTS = 2


def regional_step(his: Engine, ledger, out_dir: Path, day: date, echo=print, *,
                  clock: Callable[[], datetime] | None = None) -> dict[str, Any]:
    """Upload ``day`` into the simulated 前置库, pull, plant a gap, check (found and closed), pull, check again.
    ``clock``: when the checks' figures are stamped (default the real clock; the demo passes its demo time).

    Returns the figures for a test: ``found`` / ``resent`` / ``remaining`` (per data set: missing rows found, rows
    sent again, rows still missing after the second check), ``failed`` (rows the platform refused, by key, with
    its words), ``uploaded`` (rows written by the first upload), ``frontdb`` (the SQLite file)."""
    from hisbridge.db import make_engine, sqlite_url
    from hisbridge.pipeline.run import RunSettings, run_feed
    from hisbridge.pipeline.spec import load_feed_spec
    from hisbridge.platforms.regional.datasets import datasets
    from hisbridge.platforms.regional.frontdb import FrontDbSender
    from hisbridge.platforms.regional.health import CheckSettings, HealthCheck, day_window
    from simulators.regional.faults import PullFaults
    from simulators.regional.frontdb import delete_rows, install, pull, rows

    path = out_dir / "regional_frontdb.db"
    path.unlink(missing_ok=True)
    fe = make_engine(sqlite_url(str(path)))
    install(fe)
    sender = FrontDbSender(fe)
    sets = datasets().datasets
    echo(f"9. 市区卫平台：{len(sets)} 个数据集写入前置库（模拟器，SQLite {path.name}），平台抽取，"
         "制造缺口后运行上传健康检查 …")
    uploaded: dict[str, int] = {}
    for name, d in sets.items():
        summary = run_feed(load_feed_spec(d.feed), his, ledger, sender, day_window(day), RunSettings(
            run_id=f"demo__{d.feed}__{day:%Y%m%d}", actor="demo", raise_on_halt=False))
        uploaded[name] = summary.acknowledged
    pulled_at = datetime.combine(day + timedelta(days=1), time(2))
    visits = [r["visit_no"] for r in rows(fe, "up_outpatient_visit")][:PLANTED_FAULTS]
    pull(fe, now=pulled_at, faults=PullFaults(fail_keys=frozenset(visits)))
    lost = {table: [r[_key(table)] for r in rows(fe, table)][-n:] for table, n in PLANTED_LOSS.items()}
    for table, keys in lost.items():
        delete_rows(fe, table, keys)
    echo(f"   已上传 {sum(uploaded.values())} 条；平台抽取后制造缺口：前置库删除 "
         + "、".join(f"{sets[_dataset(table)].title} {len(k)} 条" for table, k in lost.items())
         + f"，平台拒收门急诊就诊 {len(visits)} 条（模拟平台故障）")

    checks = {name: HealthCheck(d, his, ledger, fe) for name, d in sets.items()}
    if clock is not None:
        for check in checks.values():
            check.store = _stamped_store(check.store.engine, clock)
    run_day = day + timedelta(days=1)
    first = {name: c.check(day, CheckSettings(run_id=f"demo__regional_health__{day:%Y%m%d}", actor="demo"),
                           run_day=run_day) for name, c in checks.items()}
    for name, r in first.items():
        f = r.final
        echo(f"   {sets[name].title}：HIS {r.first.his_count} · 前置库 {r.first.uploaded} · 已确认 {r.first.acknowledged}"
             f" · 失败 {r.first.failed} · 缺口 {r.first.missing}"
             + (f" → 已补传 {r.resent} 条，仍缺 {f.missing}" if r.first.missing else ""))
    for name, r in first.items():
        for key, words in sorted(r.failed.items()):
            echo(f"   平台拒收 {sets[name].title} {key}：{words}（台账已登记为拒收，重新排队后补传）")
    pull(fe, now=pulled_at + timedelta(hours=1))
    second = {name: c.check(day, CheckSettings(run_id=f"demo__regional_health_again__{day:%Y%m%d}", actor="demo"),
                            run_day=run_day) for name, c in checks.items()}
    remaining = {name: r.first.missing for name, r in second.items()}
    echo(f"   再次检查：缺口 {sum(remaining.values())} 条（补传的记录平台已取走）；"
         "每日核对表见台账页面 /hisbridge/ledger/regional")
    fe.dispose()
    return {"uploaded": uploaded, "found": {n: r.first.missing for n, r in first.items()},
            "resent": {n: r.resent for n, r in first.items()}, "remaining": remaining,
            "failed": {n: dict(r.failed) for n, r in first.items() if r.failed},
            "acknowledged": {n: r.first.acknowledged for n, r in second.items()}, "frontdb": path}


def _stamped_store(engine: Engine, clock: Callable[[], datetime]):
    """The checks' figure store with the check time from ``clock`` (the check itself always takes the real clock;
    the health page's "last run" of the job reads it)."""
    from hisbridge.platforms.regional.state import HealthStore

    class StampedStore(HealthStore):
        def save(self, **kwargs: Any) -> None:
            super().save(**{"at": clock(), **kwargs})

    return StampedStore(engine)


def _dataset(table: str) -> str:
    from hisbridge.platforms.regional.datasets import datasets

    return next(n for n, d in datasets().datasets.items() if d.frontdb and d.frontdb.table == table)


def _key(table: str) -> str:
    from hisbridge.platforms.regional.datasets import datasets

    return datasets().get(_dataset(table)).key_column
