"""Backups of the ledger database and their restore: the evidence of everything sent must survive a lost disk.

**Backup** (the nightly DAG ``hisbridge_ledger_backup``, or ``backup`` below): PostgreSQL with ``pg_dump
--format=custom`` (compressed, restorable table by table, read by ``pg_restore``); the SQLite ledger of the demo with
SQLite's online backup API (a consistent copy while tasks write). Next to each file go ``<file>.sha256``
(``sha256sum`` format: ``sha256sum -c`` checks it) and ``<file>.json``, the manifest: when, from where, tool and
server versions, the ledger's Alembic revision and the row count of every ledger table. On PostgreSQL the counts and
the dump read the same snapshot (``pg_export_snapshot`` → ``pg_dump --snapshot``), so a restore can be checked
against them exactly while the feeds keep writing. A file is written as ``.partial`` and renamed when complete: a
file without ``.partial`` is whole.

**Versions**: ``pg_dump`` refuses a server newer than itself. The tool is looked for in ``$HISBRIDGE_PG_BIN``, then
Debian's ``/usr/lib/postgresql/<server major>/bin``, then ``PATH``, and the first whose major version is at least
the server's is used; none → a clear error naming the package to install. A restore needs ``pg_restore`` at least
as new as the ``pg_dump`` that wrote the file.

**Retention** (after each backup): the newest backup of each of the last ``keep_daily`` days that have one, and the
newest of each of the last ``keep_monthly`` months (Asia/Shanghai dates); older ones are deleted with their
sidecars. Only files this module names are ever touched.

**Restore** into an empty database: the checksum first (a damaged file is refused before anything is written), a
target that already holds tables is refused unless ``--force`` (then ``pg_restore --clean``), ``pg_restore
--single-transaction --exit-on-error`` (a failed restore leaves the target as it was), then the restored ledger's
revision and every table's row count are compared with the manifest.

Commands (``python -m hisbridge.ops.backup …``)::

    backup  [--url URL | --conn-id hisbridge_db] [--dir DIR] [--keep-daily 14] [--keep-monthly 12] [--no-prune]
    list    [--dir DIR] [--verify]
    verify  FILE
    restore FILE --url URL_OF_AN_EMPTY_DATABASE [--force] [--keep-owner]
    prune   [--dir DIR] [--keep-daily 14] [--keep-monthly 12] [--dry-run]

``--dir`` defaults to ``$HISBRIDGE_BACKUP_DIR``. The DAG reads the Airflow Variable ``hisbridge_ledger_backup``
(JSON: ``dir``, ``keep_daily``, ``keep_monthly``), its ``dir`` defaulting to ``$HISBRIDGE_BACKUP_DIR``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from hisbridge.variable_settings import json_object, validated

log = logging.getLogger("hisbridge.ops.backup")

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREFIX = "hisbridge-ledger-"
SUFFIXES = {"postgresql": ".dump", "sqlite": ".sqlite"}
STAMP = "%Y%m%dT%H%M%S%z"  # local time with its offset: 20261130T013000+0800
NAME = re.compile(rf"^{re.escape(PREFIX)}(?P<stamp>\d{{8}}T\d{{6}}[+-]\d{{4}})(?:-(?P<n>\d+))?(?P<ext>\.dump|\.sqlite)$")
MANIFEST_FORMAT = "hisbridge-ledger-backup/1"
VARIABLE = "hisbridge_ledger_backup"
ENV_DIR = "HISBRIDGE_BACKUP_DIR"
ENV_PG_BIN = "HISBRIDGE_PG_BIN"
#: a ``.partial`` file older than this is a crashed backup's leftover, removed by the next prune
STALE_PARTIAL_S = 24 * 3600


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says what to do."""


class ToolVersionError(BackupError):
    """No pg_dump / pg_restore of a suitable version: retrying will not help, installing one will."""


class BackupConfigError(BackupError):
    """The Variable or the backup folder is missing or invalid."""


# -- settings -----------------------------------------------------------------------------------------------------
class BackupSettings(BaseModel):
    """The Variable ``hisbridge_ledger_backup`` (JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dir: Path
    keep_daily: int = Field(14, ge=1, le=3660)
    keep_monthly: int = Field(12, ge=0, le=1200)

    @field_validator("dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        from hisbridge import PROJECT_DIR

        return value if value.is_absolute() else PROJECT_DIR / value


EXAMPLE = '{"dir": "/data/backups/hisbridge-ledger", "keep_daily": 14, "keep_monthly": 12}'


def parse_settings(raw: object, env: Mapping[str, str] = os.environ) -> BackupSettings:
    """The Variable's value (JSON text, a dict, or None) with ``$HISBRIDGE_BACKUP_DIR`` as the default ``dir``."""
    values = json_object(raw, VARIABLE, EXAMPLE, BackupConfigError) or {}
    if not values.get("dir") and env.get(ENV_DIR):
        values["dir"] = env[ENV_DIR]
    if not values.get("dir"):
        raise BackupConfigError(f"no backup folder: set the Airflow Variable {VARIABLE!r} to JSON such as {EXAMPLE}, "
                                f"or the environment variable {ENV_DIR}")
    return validated(BackupSettings, values, VARIABLE, BackupConfigError)


# -- files --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupFile:
    """A backup in the folder: the file, its taken time (from its name) and its manifest when readable."""

    path: Path
    taken_at: datetime
    manifest: dict[str, Any] | None

    @property
    def checksum_path(self) -> Path:
        return sidecar(self.path, ".sha256")

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def backup_name(kind: str, taken_at: datetime, n: int = 0) -> str:
    return f"{PREFIX}{taken_at.astimezone(SHANGHAI).strftime(STAMP)}{f'-{n}' if n else ''}{SUFFIXES[kind]}"


def parse_name(name: str) -> datetime | None:
    m = NAME.match(name)
    return datetime.strptime(m.group("stamp"), STAMP) if m else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_checksum(path: Path) -> str:
    """The hex digest in ``<file>.sha256`` (``sha256sum`` format); a missing or malformed file is an error."""
    check = sidecar(path, ".sha256")
    if not check.exists():
        raise BackupError(f"{check.name} is missing: the backup cannot be checked. If the file is known good, "
                          f"write one with `sha256sum {path.name} > {check.name}` in {path.parent}")
    m = re.match(r"^([0-9a-f]{64})\s+\*?(\S.*)$", check.read_text(encoding="utf-8").strip())
    if not m:
        raise BackupError(f"{check.name} is not in sha256sum format")
    if m.group(2) != path.name:
        raise BackupError(f"{check.name} is the checksum of {m.group(2)}, not of {path.name}")
    return m.group(1)


def read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(sidecar(path, ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def list_backups(folder: Path) -> list[BackupFile]:
    """The complete backups in ``folder`` (named by this module, not ``.partial``), newest first."""
    if not folder.is_dir():
        return []
    found = [BackupFile(p, taken, read_manifest(p)) for p in folder.iterdir()
             if p.is_file() and (taken := parse_name(p.name)) is not None]
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def _new_path(folder: Path, kind: str, taken_at: datetime) -> Path:
    for n in range(100):
        path = folder / backup_name(kind, taken_at, n)
        if not path.exists() and not sidecar(path, ".partial").exists():
            return path
    raise BackupError(f"too many backups at {taken_at} in {folder}")


def _finish(partial: Path, final: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Checksum and manifest next to the file, then the file under its final name (a file is whole or .partial)."""
    manifest = {**manifest, "file": final.name, "size": partial.stat().st_size, "sha256": sha256_of(partial)}
    sidecar(final, ".sha256").write_text(f"{manifest['sha256']}  {final.name}\n", encoding="utf-8")
    sidecar(final, ".json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, final)
    return manifest


# -- PostgreSQL tools ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tool:
    path: str
    version: str  # "15.20"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def tool_version(path: str) -> str | None:
    """``15.20`` from ``pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)``; None when it does not run."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    m = re.search(r"\)\s+(\d+(?:\.\d+)?)", out)
    return m.group(1) if m else None


def find_tool(name: str, at_least: int, env: Mapping[str, str] = os.environ) -> Tool:
    """``name`` (pg_dump, pg_restore) of major version ≥ ``at_least``: see the module docstring for where."""
    candidates = []
    if env.get(ENV_PG_BIN):
        candidates.append(str(Path(env[ENV_PG_BIN]) / name))
    candidates.append(f"/usr/lib/postgresql/{at_least}/bin/{name}")
    if found := shutil.which(name):
        candidates.append(found)
    seen: list[str] = []
    for path in dict.fromkeys(candidates):
        if not Path(path).exists():
            continue
        version = tool_version(path)
        if version is None:
            continue
        tool = Tool(path, version)
        if tool.major >= at_least:
            return tool
        seen.append(f"{path} ({version})")
    where = f"found only {', '.join(seen)}" if seen else f"no {name} found"
    raise ToolVersionError(
        f"{name} {at_least} or newer is needed ({where}): {name} refuses a newer server, and a dump can only be "
        f"read by a pg_restore at least as new as its pg_dump. Install the PostgreSQL {at_least} client "
        f"(Debian/Ubuntu: apt-get install postgresql-client-{at_least}) or set {ENV_PG_BIN} to its bin folder, "
        f"e.g. /usr/lib/postgresql/{at_least}/bin")


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """(a libpq connection string without the password, environment with ``PGPASSWORD``) for a SQLAlchemy URL:
    the password never appears on a command line (visible to every user in ``ps``)."""
    def q(v: object) -> str:
        return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    parts.update({k: v for k, v in url.query.items() if isinstance(v, str)})  # sslmode, sslrootcert …
    conninfo = " ".join(f"{k}={q(v)}" for k, v in parts.items() if v not in (None, ""))
    env = dict(os.environ)  # PGSSLROOTCERT, PGPASSFILE … set by ops still apply; the URL's parts win
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run(cmd: Sequence[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(list(cmd), capture_output=True, text=True, env=env)
    if done.returncode:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


# -- backup -------------------------------------------------------------------------------------------------------
def ledger_counts(conn) -> dict[str, int]:
    """Rows of every ledger table present (metadata order), read in the caller's transaction."""
    from hisbridge.ledger import schema as s

    present = set(inspect(conn).get_table_names())
    return {name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in s.metadata.tables.items() if name in present}


def _revision(conn) -> str | None:
    from hisbridge.ledger.migrate import VERSION_TABLE

    if VERSION_TABLE not in inspect(conn).get_table_names():
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def backup(engine: Engine, folder: Path, *, clock=lambda: datetime.now(UTC)) -> BackupFile:
    """One backup of the ledger database behind ``engine`` into ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    kind = engine.dialect.name
    if kind not in SUFFIXES:
        raise BackupError(f"cannot back up a {kind} ledger: PostgreSQL or SQLite only")
    taken_at = clock()
    final = _new_path(folder, kind, taken_at)
    partial = sidecar(final, ".partial")
    started = time.perf_counter()
    try:
        manifest = (_dump_postgres if kind == "postgresql" else _copy_sqlite)(engine, partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    manifest = _finish(partial, final, {
        "format": MANIFEST_FORMAT, "kind": kind, "taken_at": taken_at.astimezone(SHANGHAI).isoformat(),
        "source": _where(engine.url), **manifest, "took_s": round(time.perf_counter() - started, 1)})
    log.info("台账备份完成：%s，%s 字节，sha256 %s，记录 %s 条，报文 %s 条，用时 %.1f 秒", final, manifest["size"],
             manifest["sha256"], manifest["counts"].get("delivery_record"), manifest["counts"].get("delivery_message"),
             manifest["took_s"])
    return BackupFile(final, taken_at, manifest)


def _where(url: URL) -> str:
    """The source as ops name it, without user or password."""
    if url.get_backend_name() == "sqlite":
        return str(Path(url.database or "").resolve())
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def _dump_postgres(engine: Engine, out: Path) -> dict[str, Any]:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            server = conn.execute(text("SHOW server_version")).scalar_one().split()[0]
            major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
            tool = find_tool("pg_dump", major)
            if tool.major > major:
                log.info("pg_dump %s for a PostgreSQL %s server: restore with pg_restore %d or newer",
                         tool.version, server, tool.major)
            # the snapshot stays valid while this transaction is open: pg_dump reads exactly what was counted
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, revision = ledger_counts(conn), _revision(conn)
            conninfo, env = libpq(engine.url)
            _run([tool.path, "--format=custom", f"--snapshot={snapshot}", f"--file={out}", f"--dbname={conninfo}"],
                 env, "pg_dump")
    return {"server_version": server, "tool": f"pg_dump {tool.version}", "tool_major": tool.major,
            "revision": revision, "counts": counts}


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite ledger cannot be backed up")
    return Path(url.database)


def _copy_sqlite(engine: Engine, out: Path) -> dict[str, Any]:
    """SQLite's online backup API: a consistent copy even while tasks write (they wait on the lock per page
    step, never see a half copy)."""
    source = sqlite3.connect(str(_sqlite_path(engine.url)), timeout=60)
    copy = sqlite3.connect(str(out))
    try:
        with copy:
            source.backup(copy, pages=4096, sleep=0.01)
        # the copy is a plain file (no -wal/-shm companions), readable read-only and by any SQLite
        copy.execute("PRAGMA journal_mode=DELETE")
        ok = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"the copy fails SQLite's integrity check: {ok}")
    finally:
        copy.close()
        source.close()
    check = create_engine(f"sqlite:///{out}")  # not make_engine: that would switch the copy back to WAL
    try:
        with check.connect() as conn:
            counts, revision = ledger_counts(conn), _revision(conn)
    finally:
        check.dispose()
    return {"server_version": f"SQLite {sqlite3.sqlite_version}", "tool": "sqlite3 backup API",
            "revision": revision, "counts": counts}


# -- retention ----------------------------------------------------------------------------------------------------
def plan_retention(taken: Iterable[tuple[str, datetime]], keep_daily: int, keep_monthly: int) -> set[str]:
    """The names to keep: the newest of each of the ``keep_daily`` latest days with a backup, and the newest of
    each of the ``keep_monthly`` latest months (Asia/Shanghai). The newest backup is always kept."""
    ordered = sorted(taken, key=lambda t: (t[1], t[0]), reverse=True)
    keep: set[str] = {ordered[0][0]} if ordered else set()
    days: dict[object, str] = {}
    months: dict[object, str] = {}
    for name, at in ordered:
        local = at.astimezone(SHANGHAI)
        days.setdefault(local.date(), name)
        months.setdefault((local.year, local.month), name)
    keep.update(list(days.values())[:keep_daily])
    keep.update(list(months.values())[:keep_monthly])
    return keep


def prune(folder: Path, keep_daily: int, keep_monthly: int, *, dry_run: bool = False,
          now: float | None = None) -> list[Path]:
    """Delete the backups (and their sidecars) retention does not keep, and stale ``.partial`` leftovers."""
    backups = list_backups(folder)
    keep = plan_retention([(b.path.name, b.taken_at) for b in backups], keep_daily, keep_monthly)
    doomed = [b.path for b in backups if b.path.name not in keep]
    now = time.time() if now is None else now
    if folder.is_dir():
        doomed += [p for p in folder.glob(f"{PREFIX}*.partial") if now - p.stat().st_mtime > STALE_PARTIAL_S]
    if not dry_run:
        for path in doomed:
            for p in (path, sidecar(path, ".sha256"), sidecar(path, ".json")):
                p.unlink(missing_ok=True)
            log.info("备份保留策略：已删除 %s", path.name)
    return doomed


# -- verify -------------------------------------------------------------------------------------------------------
def verify(path: Path) -> dict[str, Any]:
    """Check a backup: its sha256 against ``<file>.sha256``, then that it reads (``pg_restore --list`` / SQLite's
    integrity check). Raises :class:`BackupError` saying what is wrong; returns the manifest (or a minimal one)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    want = read_checksum(path)
    got = sha256_of(path)
    if got != want:
        raise BackupError(f"{path.name} is damaged: sha256 {got} but {path.name}.sha256 says {want}; "
                          "restore another backup")
    manifest = read_manifest(path) or {"kind": "sqlite" if path.suffix == ".sqlite" else "postgresql"}
    if manifest["kind"] == "postgresql":
        tool = find_tool("pg_restore", int(manifest.get("tool_major") or 0) or _any_major())
        done = subprocess.run([tool.path, "--list", str(path)], capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"{path.name} is not a readable pg_dump archive: {done.stderr.strip()[-500:]}")
    else:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        if ok != "ok":
            raise BackupError(f"{path.name} fails SQLite's integrity check: {ok}")
    return manifest


def _any_major() -> int:
    """The major of whatever pg_restore is on PATH (a dump without a manifest states no pg_dump version)."""
    version = tool_version(shutil.which("pg_restore") or "pg_restore")
    if version is None:
        raise ToolVersionError("pg_restore not found: install the PostgreSQL client (apt-get install "
                               "postgresql-client) or set HISBRIDGE_PG_BIN")
    return int(version.split(".")[0])


# -- restore ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Restored:
    revision: str | None
    counts: dict[str, int]
    expected: dict[str, int] | None
    took_s: float


def _user_tables(engine: Engine) -> list[str]:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            return [r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%'"))]


def restore(path: Path, url: str, *, force: bool = False, keep_owner: bool = False) -> Restored:
    """Restore backup ``path`` into the (empty) database ``url`` and check it against the manifest."""
    from hisbridge.db import make_engine

    path = Path(path)
    manifest = verify(path)
    target_url = make_url(url)
    kind = "sqlite" if target_url.get_backend_name() == "sqlite" else "postgresql"
    if kind != manifest["kind"]:
        raise BackupError(f"{path.name} is a {manifest['kind']} backup; it cannot be restored into {kind}")
    started = time.perf_counter()
    if kind == "sqlite":
        target = _sqlite_path(target_url)
        if target.exists() and target.stat().st_size and not force:
            engine = make_engine(url)
            tables = _user_tables(engine)
            engine.dispose()
            if tables:
                raise BackupError(f"{target} is not empty ({len(tables)} tables): restore into a new file, or "
                                  "add --force to replace it")
        target.parent.mkdir(parents=True, exist_ok=True)
        src, dst = sqlite3.connect(f"file:{path}?mode=ro", uri=True), sqlite3.connect(str(target))
        try:
            with dst:
                src.backup(dst)
        finally:
            src.close()
            dst.close()
    else:
        engine = make_engine(url)
        try:
            tables = _user_tables(engine)
            with engine.connect() as conn:
                major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
        finally:
            engine.dispose()
        if tables and not force:
            raise BackupError(f"the target database {target_url.database!r} is not empty ({len(tables)} tables, "
                              f"e.g. {', '.join(sorted(tables)[:3])}): restore into a new empty database "
                              "(createdb …), or add --force to replace what is there")
        if major < int(manifest.get("server_version", "0").split(".")[0] or 0):
            log.warning("restoring a PostgreSQL %s backup into a PostgreSQL %d server: it may fail on features "
                        "the older server lacks", manifest.get("server_version"), major)
        tool = find_tool("pg_restore", int(manifest.get("tool_major") or 0) or _any_major())
        conninfo, env = libpq(target_url)
        cmd = [tool.path, "--exit-on-error", "--single-transaction", f"--dbname={conninfo}"]
        if not keep_owner:  # the roles of the source rarely exist where a backup is restored
            cmd += ["--no-owner", "--no-privileges"]
        if tables:
            cmd += ["--clean", "--if-exists"]
        _run([*cmd, str(path)], env, "pg_restore")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts, revision = ledger_counts(conn), _revision(conn)
    finally:
        engine.dispose()
    expected = manifest.get("counts")
    if manifest.get("revision") and revision != manifest["revision"]:
        raise BackupError(f"restored ledger is at revision {revision}, the backup says {manifest['revision']}")
    if expected is not None and counts != expected:
        diff = {t: (counts.get(t), n) for t, n in expected.items() if counts.get(t) != n}
        raise BackupError(f"restored row counts differ from the backup's (restored, expected): {diff}")
    return Restored(revision, counts, expected, round(time.perf_counter() - started, 1))


# -- command line -------------------------------------------------------------------------------------------------
def _folder(args: argparse.Namespace) -> Path:
    folder = args.dir or os.environ.get(ENV_DIR)
    if not folder:
        raise BackupConfigError(f"no backup folder: pass --dir or set {ENV_DIR}")
    return Path(folder)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


def _cmd_backup(args: argparse.Namespace) -> int:
    from hisbridge.db import command_engine

    engine = command_engine(args.url, args.conn_id)
    folder = _folder(args)
    made = backup(engine, folder)
    m = made.manifest or {}
    print(f"backup {made.path}\n  size {_size(m['size'])}  sha256 {m['sha256']}\n  revision {m['revision']}  "
          f"records {m['counts'].get('delivery_record', 0):,}  messages {m['counts'].get('delivery_message', 0):,}"
          f"  ({m['tool']}, {m['took_s']} s)")
    if not args.no_prune:
        for gone in prune(folder, args.keep_daily, args.keep_monthly):
            print(f"  retention: deleted {gone.name}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    backups = list_backups(_folder(args))
    if not backups:
        print(f"no backups in {_folder(args)}")
        return 0
    print(f"{'taken (Asia/Shanghai)':22s} {'size':>11s}  {'revision':26s} {'records':>12s} {'messages':>10s}  "
          f"{'check':8s} file")
    bad = 0
    for b in backups:
        m = b.manifest or {}
        counts = m.get("counts") or {}
        status = "-"
        if args.verify:
            try:
                verify(b.path)
                status = "ok"
            except BackupError as exc:
                status, bad = "DAMAGED", bad + 1
                print(f"  {b.path.name}: {exc}", file=sys.stderr)
        print(f"{b.taken_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}    {_size(b.size):>11s}  "
              f"{str(m.get('revision') or '?'):26s} {counts.get('delivery_record', 0):>12,} "
              f"{counts.get('delivery_message', 0):>10,}  {status:8s} {b.path.name}")
    return 1 if bad else 0


def _cmd_verify(args: argparse.Namespace) -> int:
    m = verify(Path(args.file))
    counts = m.get("counts") or {}
    print(f"ok: {Path(args.file).name} matches its sha256 and reads as a {m['kind']} backup"
          + (f" (revision {m.get('revision')}, {counts.get('delivery_record', 0):,} records, "
             f"{counts.get('delivery_message', 0):,} messages)" if counts else ""))
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from hisbridge.ledger.migrate import head

    done = restore(Path(args.file), args.url, force=args.force, keep_owner=args.keep_owner)
    print(f"restored {Path(args.file).name} into {_where(make_url(args.url))} in {done.took_s} s")
    print(f"  revision {done.revision}" + ("" if done.revision == head() else
          f" (this code is at {head()}: run `python -m hisbridge ledger upgrade --url …` before using it)"))
    for table, n in done.counts.items():
        print(f"  {table:28s} {n:>12,}" + ("  = backup" if done.expected is not None else ""))
    return 0


def _cmd_prune(args: argparse.Namespace) -> int:
    gone = prune(_folder(args), args.keep_daily, args.keep_monthly, dry_run=args.dry_run)
    for path in gone:
        print(f"{'would delete' if args.dry_run else 'deleted'} {path.name}")
    if not gone:
        print("nothing to delete")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hisbridge.ops.backup", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    def with_dir(q: argparse.ArgumentParser) -> None:
        q.add_argument("--dir", type=Path, help=f"backup folder (default ${ENV_DIR})")

    def with_keep(q: argparse.ArgumentParser) -> None:
        q.add_argument("--keep-daily", type=int, default=14, help="days whose newest backup is kept (default 14)")
        q.add_argument("--keep-monthly", type=int, default=12, help="months whose newest is kept (default 12)")

    q = sub.add_parser("backup", help="back up the ledger now, then apply retention")
    q.add_argument("--url", help="SQLAlchemy URL of the ledger (default: the Airflow connection --conn-id)")
    q.add_argument("--conn-id", default="hisbridge_db")
    q.add_argument("--no-prune", action="store_true")
    with_dir(q)
    with_keep(q)
    q = sub.add_parser("list", help="the backups in the folder, newest first")
    q.add_argument("--verify", action="store_true", help="check every file's sha256 and readability")
    with_dir(q)
    q = sub.add_parser("verify", help="check one backup's sha256 and that it reads")
    q.add_argument("file")
    q = sub.add_parser("restore", help="restore a backup into an empty database and check it")
    q.add_argument("file")
    q.add_argument("--url", required=True, help="SQLAlchemy URL of the empty target database")
    q.add_argument("--force", action="store_true", help="replace what the target holds")
    q.add_argument("--keep-owner", action="store_true", help="restore owners and grants as in the source")
    q = sub.add_parser("prune", help="apply retention now")
    q.add_argument("--dry-run", action="store_true")
    with_dir(q)
    with_keep(q)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"backup": _cmd_backup, "list": _cmd_list, "verify": _cmd_verify, "restore": _cmd_restore,
               "prune": _cmd_prune}[args.command]
    try:
        return handler(args)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
