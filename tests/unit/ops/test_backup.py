"""The backup module's pure parts: names, retention, settings, tool versions, connection strings, checksums."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import make_url

from hisbridge.ops import backup


def test_a_backup_name_carries_local_time_with_its_offset_and_parses_back() -> None:
    at = datetime(2026, 11, 29, 17, 30, 5, tzinfo=UTC)
    name = backup.backup_name("postgresql", at)
    assert name == "hisbridge-ledger-20261130T013005+0800.dump"
    assert backup.parse_name(name) == at
    assert backup.parse_name(backup.backup_name("sqlite", at, 2)) == at
    assert backup.parse_name(name + ".partial") is None and backup.parse_name("ledger.dump") is None


def _nightly(days: int, start=datetime(2026, 1, 1, 17, 30, tzinfo=UTC)) -> list[tuple[str, datetime]]:
    return [(f"b{d:03d}", start + timedelta(days=d)) for d in range(days)]


@pytest.mark.parametrize(("taken", "daily", "monthly", "kept"), [
    ([], 7, 3, set()),
    (_nightly(3), 7, 3, {"b000", "b001", "b002"}),
    # 40 nights from 2 Jan (local): the last 2 nights, and the newest of Feb (= the newest) and of Jan (31 Jan)
    (_nightly(40), 2, 2, {"b039", "b038", "b029"}),
    (_nightly(40), 1, 0, {"b039"}),
    # three backups on one day: only that day's newest counts as the day's
    ([("a", datetime(2026, 5, 1, 1, tzinfo=UTC)), ("b", datetime(2026, 5, 1, 2, tzinfo=UTC)),
      ("c", datetime(2026, 5, 1, 3, tzinfo=UTC)), ("d", datetime(2026, 4, 30, 3, tzinfo=UTC))], 2, 0, {"c", "d"}),
])  # fmt: skip
def test_retention_keeps_the_newest_of_each_recent_day_and_month(taken, daily, monthly, kept) -> None:
    assert backup.plan_retention(taken, daily, monthly) == kept


def test_retention_days_are_shanghai_days() -> None:
    # one hour apart on the same UTC day, but two days in Asia/Shanghai
    late = ("late", datetime(2026, 5, 1, 16, 30, tzinfo=UTC))  # 2 May 00:30 local
    early = ("early", datetime(2026, 5, 1, 15, 30, tzinfo=UTC))  # 1 May 23:30 local
    assert backup.plan_retention([late, early], 2, 0) == {"late", "early"}
    assert backup.plan_retention([late, early], 1, 0) == {"late"}


def test_settings_come_from_the_variable_with_the_environment_as_default_folder(tmp_path) -> None:
    s = backup.parse_settings('{"dir": "/data/b", "keep_daily": 7}', env={})
    assert (str(s.dir), s.keep_daily, s.keep_monthly) == ("/data/b", 7, 12)
    s = backup.parse_settings(None, env={"HISBRIDGE_BACKUP_DIR": str(tmp_path)})
    assert s.dir == tmp_path
    with pytest.raises(backup.BackupConfigError, match="hisbridge_ledger_backup.*HISBRIDGE_BACKUP_DIR"):
        backup.parse_settings(None, env={})
    with pytest.raises(backup.BackupConfigError, match="keep_daily"):
        backup.parse_settings({"dir": "/x", "keep_daily": 0}, env={})
    with pytest.raises(backup.BackupConfigError, match="not valid JSON"):
        backup.parse_settings("{dir: x}", env={})


def _fake_tool(folder, name: str, version: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_a_pg_dump_older_than_the_server_is_refused_with_what_to_install(tmp_path) -> None:
    _fake_tool(tmp_path, "pg_dump", "12.4")
    env = {"HISBRIDGE_PG_BIN": str(tmp_path), "PATH": str(tmp_path)}
    with pytest.raises(backup.ToolVersionError) as err:
        backup.find_tool("pg_dump", 99, env=env)
    message = str(err.value)
    assert f"{tmp_path}/pg_dump (12.4)" in message and "postgresql-client-99" in message
    assert "HISBRIDGE_PG_BIN" in message


def test_the_configured_tool_is_used_when_new_enough(tmp_path) -> None:
    _fake_tool(tmp_path, "pg_restore", "17.2")
    tool = backup.find_tool("pg_restore", 16, env={"HISBRIDGE_PG_BIN": str(tmp_path)})
    assert (tool.path, tool.major) == (str(tmp_path / "pg_restore"), 17)


def test_the_password_goes_to_the_environment_never_to_the_command_line() -> None:
    url = make_url("postgresql+psycopg://hb:s3cr%27et@db.example:5433/ledger?sslmode=require")
    conninfo, env = backup.libpq(url)
    assert "s3cr" not in conninfo
    assert conninfo == "host='db.example' port='5433' user='hb' dbname='ledger' sslmode='require'"
    assert env["PGPASSWORD"] == "s3cr'et"
    assert os.environ.get("PGPASSWORD") != "s3cr'et"


def test_a_checksum_file_must_name_the_file_it_checks(tmp_path) -> None:
    f = tmp_path / "hisbridge-ledger-20261130T013005+0800.dump"
    f.write_bytes(b"PGDMP")
    with pytest.raises(backup.BackupError, match="missing.*sha256sum"):
        backup.read_checksum(f)
    backup.sidecar(f, ".sha256").write_text(f"{'0' * 64}  other.dump\n")
    with pytest.raises(backup.BackupError, match="checksum of other.dump"):
        backup.read_checksum(f)
    backup.sidecar(f, ".sha256").write_text(f"{backup.sha256_of(f)}  {f.name}\n")
    assert backup.read_checksum(f) == backup.sha256_of(f)
