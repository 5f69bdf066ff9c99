"""The 九龙湖 exports on the whole demo HIS (as ``make demo`` builds it), on PostgreSQL and SQLite: every
registration of the demo day and every stay open at 08:00 is exported once, the 退号 are marked, the files are the
same bytes on both databases, and the demo step says where they are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import Engine

from demo.his.schema import create_schema
from demo.jiulonghu_exports_demo import exports_step
from hisbridge.db import make_engine
from hisbridge.platforms.jiulonghu.exports import export_spec, select_rows, window_for
from tests.integration.platforms.city_brain.demo_support import DAY, Demo, build_demo


@pytest.fixture(scope="module")
def pg_demo(pg_module_url: str) -> Iterator[Demo]:
    made = build_demo(pg_module_url)
    yield made
    made.engine.dispose()


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("his") / "his.db"
    create_schema(make_engine(f"sqlite:///{path}"))
    made = build_demo(f"sqlite:///{path}")
    yield made.engine
    made.engine.dispose()


def test_every_registration_of_the_day_is_exported_once_with_cancellations_marked(pg_demo) -> None:
    start = datetime.combine(DAY, time())
    expected = pg_demo.rows("SELECT reg_id, status FROM registration WHERE reg_time >= :a AND reg_time < :b "
                            "ORDER BY reg_time, reg_id", a=start, b=start + timedelta(days=1))
    spec = export_spec("outpatient_registrations")
    rows = select_rows(pg_demo.engine, spec, window_for(spec, DAY))
    assert [r["reg_id"] for r in rows] == [e["reg_id"] for e in expected]
    assert len(rows) > 50
    labels = {"normal": "正常", "cancelled": "退号", "refunded": "退号(已退费)"}
    assert [r["reg_status"] for r in rows] == [labels[e["status"]] for e in expected]
    assert "退号" in {r["reg_status"] for r in rows}
    assert all(r["age"] and r["patient_name"] and r["dept_name"] for r in rows)


def test_every_stay_open_at_eight_is_in_the_snapshot(pg_demo) -> None:
    at = datetime.combine(DAY, time(8))
    expected = pg_demo.rows("SELECT adm_id FROM inpatient_stay WHERE adm_time <= :t AND status <> 'cancelled' "
                            "AND (dscg_time IS NULL OR dscg_time > :t)", t=at)
    spec = export_spec("inpatients")
    rows = select_rows(pg_demo.engine, spec, window_for(spec, DAY, snapshot_hour=8))
    assert sorted(r["adm_id"] for r in rows) == sorted(e["adm_id"] for e in expected)
    # stays discharged later that day are in (the snapshot is 08:00, not the time of the run)
    assert any(pg_demo.one("SELECT dscg_time FROM inpatient_stay WHERE adm_id = :a", a=r["adm_id"])["dscg_time"]
               for r in rows)
    assert all(r["bed_no"] and r["ward_name"] for r in rows)
    main = {d["adm_id"]: d["diag_name"] for d in pg_demo.rows(
        "SELECT adm_id, diag_name FROM stay_diagnosis WHERE maindiag_flag = '1'")}
    noted = {d["adm_id"]: d["init_diag_names"] for d in pg_demo.rows(
        "SELECT adm_id, init_diag_names FROM admission_note WHERE status <> 'voided'")}
    assert [r["adm_diag"] for r in rows] == [noted.get(r["adm_id"]) or main.get(r["adm_id"]) for r in rows]
    assert sum(1 for r in rows if r["adm_diag"]) >= len(rows) - 1  # the demo has one stay without a diagnosis


def test_the_demo_step_writes_both_exports_the_same_as_on_postgresql(pg_demo, sqlite_demo, tmp_path) -> None:
    lines: list[str] = []
    manifests = exports_step(sqlite_demo, DAY, tmp_path, lines.append)
    assert sorted(manifests) == ["inpatients", "outpatient_registrations"]
    for m in manifests.values():
        assert m.folder.parent.parent == tmp_path / "exports"
        assert sorted(p.name for p in m.folder.iterdir()) == sorted([*(f.name for f in m.files), "manifest.json"])
    assert len(lines) == 2
    assert lines[0].startswith("   门诊挂号信息（2026-11-24 全天挂号）：") and str(tmp_path / "exports") in lines[0]
    assert "在院患者信息（2026-11-24 08:00 在院）" in lines[1]
    on_pg = exports_step(pg_demo.engine, DAY, tmp_path / "pg", lambda _: None)
    for name, m in manifests.items():
        assert [(f.name, f.sha256) for f in on_pg[name].files] == [(f.name, f.sha256) for f in m.files]
