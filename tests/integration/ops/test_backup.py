"""Backup and restore of the ledger on real databases: a ledger with records, messages, events, journal calls and
counters is dumped with pg_dump, restored with pg_restore into a brand-new empty PostgreSQL database, and every row
of every ledger table comes back; damaged files and non-empty targets are refused; the SQLite demo ledger is
copied with SQLite's backup API. pg_dump/pg_restore come with the PostgreSQL install that ``make pg`` needs."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from hisbridge.db import make_engine
from hisbridge.ledger import migrate
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger, LedgerItem, RunContext, dumps
from hisbridge.ops import archive, backup
from tests.conftest import _create_database, _drop_database
from tests.integration.ops.backup_support import NOW, build_ledger, table_rows


@pytest.fixture(scope="session")
def pg_tools(pg_required) -> None:
    """pg_dump and pg_restore able to handle the test server (as tests/conftest.py treats PostgreSQL itself)."""
    from sqlalchemy import create_engine, text

    from tests.conftest import PG_ADMIN_URL

    engine = create_engine(PG_ADMIN_URL)
    with engine.connect() as conn:
        major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    engine.dispose()
    try:
        backup.find_tool("pg_dump", major)
        backup.find_tool("pg_restore", major)
    except backup.ToolVersionError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"pg_dump/pg_restore are required in CI: {exc}")
        pytest.skip(f"{exc} — install them to run the backup tests")


@pytest.fixture
def empty_pg_url(pg_tools):
    """A second brand-new empty database: the restore target."""
    url = _create_database()
    try:
        yield url
    finally:
        _drop_database(url)


@pytest.fixture
def source(pg_url, pg_tools):
    engine = make_engine(pg_url)
    made = build_ledger(engine)
    yield SimpleNamespace(url=pg_url, engine=engine, made=made)
    engine.dispose()


def test_a_backup_restores_into_an_empty_database_with_every_record_and_message(source, empty_pg_url,
                                                                                tmp_path) -> None:
    # some bodies archived first: the archive travels with the backup too
    archive.archive_bodies(source.engine, archive.cutoff(NOW, 180), actor="test")
    before = table_rows(source.engine)
    assert len(before["delivery_record"]) == 301 and len(before["delivery_message"]) == 12
    assert before["message_body_archive"] and before["delivery_event"] and before["call_journal"]

    made = backup.backup(source.engine, tmp_path)

    assert made.path.name.startswith("hisbridge-ledger-") and made.path.suffix == ".dump"
    assert made.path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    m = json.loads(backup.sidecar(made.path, ".json").read_text())
    assert m["counts"]["delivery_record"] == 301 and m["counts"]["delivery_message"] == 12
    assert m["revision"] == migrate.head() and m["sha256"] == backup.sha256_of(made.path)
    assert backup.sidecar(made.path, ".sha256").read_text() == f"{m['sha256']}  {made.path.name}\n"

    done = backup.restore(made.path, empty_pg_url)

    restored = make_engine(empty_pg_url)
    try:
        after = table_rows(restored)
        assert done.revision == migrate.head() and done.counts == m["counts"]
        for table in s.metadata.tables:  # table by table, every row and column
            assert after[table] == before[table], table
        # the restored ledger is usable: its sequences continue, its archived bodies read back
        ledger = Ledger(restored)
        ledger.settle("hsa_trace_sale", "hsa", [LedgerItem("NEW1", "h", dumps({"k": 1}))], s.PENDING,
                      RunContext(run_id="after-restore"))
        assert ledger.lookup("hsa_trace_sale", ["NEW1"])["NEW1"].id > max(r[0] for r in before["delivery_record"])
        body = archive.body_of(restored, "delivery_message", source.made["old"][0])
        assert body.archived_at is not None and "selinfoDetail" in body.request
    finally:
        restored.dispose()


def test_a_backup_taken_while_feeds_write_matches_its_manifest(source, empty_pg_url, tmp_path) -> None:
    """The counts and the dump read one snapshot: a write during the dump is in neither."""
    import threading

    stop = threading.Event()
    ledger = Ledger(source.engine)

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            ledger.settle("busy_feed", "hsa", [LedgerItem(f"B{n}", "h", dumps({"n": n}))], s.PENDING,
                          RunContext(run_id="busy"))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        made = backup.backup(source.engine, tmp_path)
    finally:
        stop.set()
        writer.join()
    done = backup.restore(made.path, empty_pg_url)  # raises if any table's count differs from the manifest
    assert done.counts == made.manifest["counts"]


def test_a_damaged_backup_is_refused_before_the_target_is_touched(source, empty_pg_url, tmp_path) -> None:
    made = backup.backup(source.engine, tmp_path)
    data = bytearray(made.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    made.path.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.restore(made.path, empty_pg_url)
    with make_engine(empty_pg_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM information_schema.tables "
                                    "WHERE table_schema = 'public'").scalar() == 0
    assert backup.main(["verify", str(made.path)]) == 1


def test_a_non_empty_target_is_refused_unless_forced(source, tmp_path) -> None:
    made = backup.backup(source.engine, tmp_path)
    Ledger(source.engine).settle("hsa_trace_sale", "hsa", [LedgerItem("LATE", "h", dumps({}))], s.PENDING,
                                 RunContext(run_id="late"))
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(made.path, source.url)
    done = backup.restore(made.path, source.url, force=True)  # back to the backup's state: LATE is gone
    assert done.counts["delivery_record"] == 301
    assert Ledger(source.engine).lookup("hsa_trace_sale", ["LATE"]) == {}


def test_the_command_line_backs_up_lists_verifies_and_restores(source, empty_pg_url, tmp_path, capsys,
                                                               monkeypatch) -> None:
    monkeypatch.setenv(backup.ENV_DIR, str(tmp_path))
    assert backup.main(["backup", "--url", source.url]) == 0
    out = capsys.readouterr().out
    assert "sha256" in out and "records 301" in out
    [made] = backup.list_backups(tmp_path)
    assert backup.main(["list", "--verify"]) == 0
    listed = capsys.readouterr().out
    assert made.path.name in listed and " ok " in listed and migrate.head() in listed
    assert backup.main(["verify", str(made.path)]) == 0
    assert "matches its sha256" in capsys.readouterr().out
    assert backup.main(["restore", str(made.path), "--url", empty_pg_url]) == 0
    out = capsys.readouterr().out
    assert "delivery_record" in out and "301  = backup" in out
    assert backup.main(["restore", str(made.path), "--url", empty_pg_url]) == 1  # now it is not empty
    assert "not empty" in capsys.readouterr().err


def test_retention_deletes_old_backups_and_their_sidecars(tmp_path) -> None:
    ledger = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    Ledger(ledger).ensure_schema()
    folder = tmp_path / "backups"
    start = datetime(2026, 9, 1, 17, 30, tzinfo=UTC)  # 01:30 Asia/Shanghai, every night for 90 nights
    for day in range(90):
        backup.backup(ledger, folder, clock=lambda d=day: start + timedelta(days=d))
    (folder / "notes.txt").write_text("not ours: never deleted")
    gone = backup.prune(folder, keep_daily=7, keep_monthly=3)
    kept = backup.list_backups(folder)
    local = sorted(b.taken_at.astimezone(backup.SHANGHAI).date().isoformat() for b in kept)
    # the last 7 nights, and the newest of each of the 3 latest months (Nov's newest is among the 7)
    assert local == ["2026-09-30", "2026-10-31", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27",
                     "2026-11-28", "2026-11-29", "2026-11-30"]
    assert len(gone) == 81
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["notes.txt"] + [n for b in kept for n in (b.path.name, b.path.name + ".sha256", b.path.name + ".json")])
    ledger.dispose()


# -- SQLite (the demo ledger) --------------------------------------------------------------------------------------
def test_the_sqlite_ledger_is_copied_with_the_backup_api_and_restores(tmp_path) -> None:
    src = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    build_ledger(src)
    before = table_rows(src)
    made = backup.backup(src, tmp_path / "backups")
    assert made.path.suffix == ".sqlite" and made.manifest["tool"] == "sqlite3 backup API"
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == sorted(
        [made.path.name, made.path.name + ".sha256", made.path.name + ".json"])
    assert backup.verify(made.path)["counts"]["delivery_record"] == 301
    target = f"sqlite:///{tmp_path / 'restored' / 'ledger.db'}"
    done = backup.restore(made.path, target)
    restored = make_engine(target)
    assert table_rows(restored) == before and done.revision == migrate.head()
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(made.path, target)
    with restored.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.delivery_message)).scalar() == 12
    restored.dispose()
    src.dispose()


def test_a_pg_backup_cannot_be_restored_into_sqlite(source, tmp_path) -> None:
    made = backup.backup(source.engine, tmp_path)
    with pytest.raises(backup.BackupError, match="cannot be restored into sqlite"):
        backup.restore(made.path, f"sqlite:///{tmp_path / 'x.db'}")

