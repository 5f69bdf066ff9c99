"""九龙湖·业务数据导出: 门诊挂号信息 (the registrations made in one day) and 在院患者信息 (the patients in hospital at a
configured hour of the day), written as files the campus opens in Excel or loads into its own systems.

**What is exported** is data, not code: ``include/mappings/jiulonghu_exports.yaml`` declares each export (title,
SQL file, window kind, the column that places a row in the window, file stem, columns with their Chinese headers
and types), validated by :class:`ExportSpec`. The SQL lives in ``include/sql/jiulonghu/export_*.sql``: one portable
SELECT (Oracle, PostgreSQL, SQLite) binding ``day_start``/``day_end`` (a day export) or ``snapshot_at`` (a
snapshot). Every row's ``date_column`` is checked against the window before any file is written, so a SQL slip
fails loudly instead of shipping another day's rows.

**Runs are functions of their window** (design.md invariant 4): ``export_day(his, name, day, …)`` reads the day's
registrations, or the stays open at ``day`` + the snapshot hour, never "now": in hospital means admitted at or
before that moment and not discharged by it, decided by times rather than the stay's current status. A backfill of
last Tuesday writes the CSV and workbook last Tuesday's run wrote (byte for byte while the HIS rows are unchanged:
the workbook's timestamps are pinned to the day); only the manifest's ``generated_at`` differs.

**Files**, in ``<dir>/<export>/<yyyy-mm-dd>/`` (:mod:`~hisbridge.platforms.jiulonghu.export_files`):

- ``<stem>_<yyyy-mm-dd>.csv`` (a snapshot adds ``_<HHMM>``): UTF-8 **with a BOM**, because Excel opens a BOM-less
  UTF-8 CSV as the local ANSI code page (GBK) and shows the Chinese as mojibake; CRLF line ends; one header row of
  Chinese titles. Meant for programs: Excel still turns a long digit string such as 患者ID into a number (leading
  zeros lost) when it opens a CSV, so people should open the workbook;
- ``<stem>_<yyyy-mm-dd>.xlsx``: the same rows, header row bold and frozen, column widths sized for Chinese text,
  ids as text cells, dates and times as Excel dates;
- ``manifest.json``: export, day (and snapshot time or window), row count, each file's sha256 and size,
  ``generated_at`` (Asia/Shanghai unless configured otherwise), the SQL file and the source connection.

Re-running a day replaces that day's folder atomically: the new set is written and fsynced in a hidden temporary
folder next to it, then swapped in by renames, so a reader never sees half a day, and a crash leaves the old set
or the new one (a later run or :func:`~hisbridge.platforms.jiulonghu.export_files.recover` tidies what a crash left).

**Configuration** — Airflow Variable ``jiulonghu_exports`` (JSON), read in the task, never at DAG parse::

    {"dir": "/data/exports/jiulonghu",   # required; a relative path is under the project directory
     "inpatient_snapshot_hour": 8,        # 0–23, the hour of the 在院患者信息 snapshot (default 8)
     "timezone": "Asia/Shanghai",         # optional: the HIS's wall-clock zone (default Asia/Shanghai)
     "his_conn_id": "his_db"}             # optional: the connection the exports read (default his_db)

A missing or invalid Variable fails the task with a message naming the Variable and the key at fault.

Logs show counts, paths and checksums only: the files hold patient names, and no log line does.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import DateTime, Engine, bindparam, text

from hisbridge import MAPPINGS_DIR, PROJECT_DIR, SQL_DIR
from hisbridge.pipeline.spec import read_yaml
from hisbridge.variable_settings import json_object, validated

log = logging.getLogger(__name__)

VARIABLE = "jiulonghu_exports"
SPEC_FILE = MAPPINGS_DIR / "jiulonghu_exports.yaml"
SHANGHAI = "Asia/Shanghai"
AGE = "age"  # the derived column of an export with ``age_from``
MANIFEST = "manifest.json"

ColumnType = Literal["text", "int", "money", "date", "datetime"]
_CENT = Decimal("0.01")


class ExportError(ValueError):
    """The export cannot be written as declared (unknown export, SQL output not matching its declaration, a row
    outside the window). Retrying reads the same declaration: someone has to fix it."""


class ExportConfigError(ExportError):
    """The Variable ``jiulonghu_exports`` is missing or invalid."""


# -- declarations -----------------------------------------------------------------------------------------------
class ExportColumn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="SQL output column (or the derived `age`)")
    title: str = Field(min_length=1, description="表头（中文）")
    type: ColumnType = "text"


class ExportSpec(BaseModel):
    """One export as ``jiulonghu_exports.yaml`` declares it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="folder name and task id")
    title: str = Field(min_length=1)
    sql: str = Field(pattern=r"^[a-z0-9_/]+\.sql$", description="path under include/sql")
    window: Literal["day", "snapshot"]
    date_column: str
    stem: str = Field(min_length=1)
    age_from: str | None = None
    columns: tuple[ExportColumn, ...] = Field(min_length=1)

    @field_validator("stem")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        if any(ch in value for ch in '/\\:*?"<>|') or value.startswith("."):
            raise ValueError(f"stem {value!r} must be a plain file name")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ExportSpec:
        keys = [c.key for c in self.columns]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.name}: duplicate column keys")
        by_key = {c.key: c for c in self.columns}
        if self.date_column not in by_key or by_key[self.date_column].type != "datetime":
            raise ValueError(f"{self.name}: date_column {self.date_column!r} must be a datetime column")
        if (AGE in by_key) != (self.age_from is not None):
            raise ValueError(f"{self.name}: the column {AGE!r} and age_from go together")
        if self.age_from is not None and self.age_from not in by_key:
            raise ValueError(f"{self.name}: age_from {self.age_from!r} is not a column")
        return self

    @property
    def sql_path(self) -> Path:
        return SQL_DIR / self.sql

    def sql_text(self) -> str:
        return self.sql_path.read_text(encoding="utf-8")

    @property
    def selected(self) -> tuple[str, ...]:
        """The columns the SQL must return (every column but the derived one)."""
        return tuple(c.key for c in self.columns if c.key != AGE)


def load_exports(path: Path = SPEC_FILE) -> dict[str, ExportSpec]:
    """Every export declared in ``path``, by name (validated; their SQL files must exist)."""
    data = read_yaml(path) or {}
    exports = data.get("exports") if isinstance(data, dict) else None
    if not isinstance(exports, dict) or not exports:
        raise ExportError(f"{path.name}: no 'exports' mapping")
    out: dict[str, ExportSpec] = {}
    for name, body in exports.items():
        try:
            spec = ExportSpec.model_validate({"name": name, **(body or {})})
        except ValidationError as exc:
            raise ExportError(f"{path.name}: export {name!r} is invalid: {exc}") from exc
        if not spec.sql_path.is_file():
            raise ExportError(f"{path.name}: export {name!r} names {spec.sql}, which is not in include/sql")
        out[name] = spec
    return out


@lru_cache(maxsize=1)
def _declared() -> dict[str, ExportSpec]:
    return load_exports()


def export_spec(name: str) -> ExportSpec:
    specs = _declared()
    if name not in specs:
        raise ExportError(f"no export {name!r} in {SPEC_FILE.name}; declared: {', '.join(specs)}")
    return specs[name]


# -- configuration ------------------------------------------------------------------------------------------------
class ExportSettings(BaseModel):
    """The Variable ``jiulonghu_exports`` (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dir: Path
    inpatient_snapshot_hour: int = Field(8, ge=0, le=23)
    timezone: str = SHANGHAI
    his_conn_id: str = Field("his_db", min_length=1)

    @field_validator("dir")
    @classmethod
    def _under_project(cls, value: Path) -> Path:
        return value if value.is_absolute() else PROJECT_DIR / value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


EXAMPLE = '{"dir": "/data/exports/jiulonghu", "inpatient_snapshot_hour": 8}'


def parse_settings(raw: object, variable: str = VARIABLE) -> ExportSettings:
    """The Variable's value (JSON text, or already parsed) as settings; every error names the Variable."""
    values = json_object(raw, variable, EXAMPLE, ExportConfigError)
    if values is None:
        raise ExportConfigError(f"Airflow Variable {variable!r} is not set: set it to JSON such as {EXAMPLE} "
                                f"(the folder the 九龙湖 exports are written to)")
    return validated(ExportSettings, values, variable, ExportConfigError)


# -- windows ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """What one run reads: a day [start, end), or the moment of a snapshot, in the HIS's wall-clock time."""

    day: date
    start: datetime | None = None
    end: datetime | None = None
    snapshot_at: datetime | None = None

    def binds(self) -> dict[str, datetime]:
        if self.snapshot_at is not None:
            return {"snapshot_at": self.snapshot_at}
        assert self.start is not None and self.end is not None
        return {"day_start": self.start, "day_end": self.end}

    def holds(self, moment: datetime) -> bool:
        if self.snapshot_at is not None:
            return moment <= self.snapshot_at
        assert self.start is not None and self.end is not None
        return self.start <= moment < self.end


def window_for(spec: ExportSpec, day: date, snapshot_hour: int = 8) -> Window:
    if spec.window == "snapshot":
        if not 0 <= snapshot_hour <= 23:
            raise ExportError(f"snapshot hour must be 0–23, not {snapshot_hour}")
        return Window(day, snapshot_at=datetime.combine(day, time(snapshot_hour)))
    start = datetime.combine(day, time())
    return Window(day, start=start, end=start + timedelta(days=1))


# -- rows ---------------------------------------------------------------------------------------------------------
def _value(kind: ColumnType, raw: Any) -> Any:
    """One database value as the files show it: the same Python value from SQLite (strings for times), PostgreSQL
    and Oracle (numbers for everything numeric). Times to the second, as the HIS shows them."""
    if raw is None:
        return None
    if kind == "datetime":
        moment = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
        return moment.replace(microsecond=0, tzinfo=None)
    if kind == "date":
        if isinstance(raw, datetime):
            return raw.date()
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw)[:10])
    if kind == "money":
        return Decimal(str(raw)).quantize(_CENT)
    if kind == "int":
        return int(raw)
    if isinstance(raw, Decimal) and raw == raw.to_integral_value():  # Oracle NUMBER code columns
        return str(int(raw))
    return str(raw)


def age_text(birth: date | None, on: date) -> str | None:
    """Age as Chinese clinical lists show it: 周岁 ("45岁"); under one year in months ("5月"); under a month in days
    ("12天")."""
    if birth is None or birth > on:
        return None
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if years >= 1:
        return f"{years}岁"
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    if months >= 1:
        return f"{months}月"
    return f"{(on - birth).days}天"


def select_rows(his: Engine, spec: ExportSpec, window: Window) -> list[dict[str, Any]]:
    """The export's rows for ``window``, in the SQL's order, as the files show them. Raises :class:`ExportError`
    when the SQL's output does not match the declaration or a row lies outside the window."""
    binds = window.binds()
    stmt = text(spec.sql_text()).bindparams(*(bindparam(name, type_=DateTime()) for name in binds))
    types = {c.key: c.type for c in spec.columns}
    with his.connect() as conn:
        result = conn.execute(stmt, binds)
        missing = [k for k in spec.selected if k not in result.keys()]
        if missing:
            raise ExportError(f"{spec.sql} returns no column {', '.join(missing)} (declared in {SPEC_FILE.name})")
        rows = []
        for raw in result.mappings():
            row = {k: _value(types[k], raw[k]) for k in spec.selected}
            if spec.age_from is not None:
                row[AGE] = age_text(row[spec.age_from], window.day)
            rows.append({c.key: row[c.key] for c in spec.columns})
    for n, row in enumerate(rows, 1):
        moment = row[spec.date_column]
        if moment is None or not window.holds(moment):
            raise ExportError(f"{spec.sql}: row {n} has {spec.date_column} {moment} outside the window "
                              f"{_window_text(window)}; no file written")
    return rows


def _window_text(window: Window) -> str:
    if window.snapshot_at is not None:
        return f"at {window.snapshot_at:%Y-%m-%d %H:%M}"
    return f"[{window.start:%Y-%m-%d %H:%M}, {window.end:%Y-%m-%d %H:%M})"


# -- manifest -----------------------------------------------------------------------------------------------------
class ManifestFile(BaseModel):
    name: str
    sha256: str
    bytes: int


class Manifest(BaseModel):
    """``manifest.json`` of one day's folder; ``folder`` (where it was written) is not part of the file."""

    export: str
    title: str
    day: date
    window_start: datetime | None = None
    window_end: datetime | None = None
    snapshot_at: datetime | None = None
    rows: int
    columns: list[str] = Field(description="the Chinese headers, in file order")
    files: list[ManifestFile]
    generated_at: datetime
    sql: str = Field(description="the SQL file, relative to the project")
    source: str = Field(description="the connection the rows were read from")
    folder: Path | None = Field(default=None, exclude=True)


def file_stem(spec: ExportSpec, window: Window) -> str:
    stem = f"{spec.stem}_{window.day:%Y-%m-%d}"
    return f"{stem}_{window.snapshot_at:%H%M}" if window.snapshot_at is not None else stem


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the run ------------------------------------------------------------------------------------------------------
def export_day(his: Engine, export_name: str, day: date, out_dir: Path | str, *, snapshot_hour: int = 8,
               timezone: str = SHANGHAI, source: str = "his_db",
               clock: Callable[[], datetime] | None = None) -> Manifest:
    """Write export ``export_name`` of ``day`` into ``out_dir/<export>/<yyyy-mm-dd>/`` (replacing that day's
    folder atomically) and return its manifest.

    :param his: the HIS database to read.
    :param export_name: a name declared in ``include/mappings/jiulonghu_exports.yaml``.
    :param day: the day: its registrations, or its snapshot at ``snapshot_hour``.
    :param out_dir: the exports folder (the Variable's ``dir``).
    :param snapshot_hour: hour of the day of a snapshot export (ignored by a day export).
    :param timezone: the HIS's wall-clock zone, for the manifest's times.
    :param source: what the manifest names as the rows' source (the connection id).
    :param clock: ``generated_at`` (tests pin it); the only "now" of a run, and it selects nothing.
    """
    from hisbridge.platforms.jiulonghu.export_files import csv_bytes, publish_day, xlsx_bytes

    spec = export_spec(export_name)
    zone = ZoneInfo(timezone)
    window = window_for(spec, day, snapshot_hour)
    rows = select_rows(his, spec, window)
    stem = file_stem(spec, window)
    data = {f"{stem}.csv": csv_bytes(spec.columns, rows),
            f"{stem}.xlsx": xlsx_bytes(spec.title, spec.columns, rows, pinned=datetime.combine(day, time()))}
    generated = (clock() if clock else datetime.now(zone)).astimezone(zone)

    def local(moment: datetime | None) -> datetime | None:
        return moment.replace(tzinfo=zone) if moment is not None else None

    manifest = Manifest(
        export=spec.name, title=spec.title, day=day, window_start=local(window.start), window_end=local(window.end),
        snapshot_at=local(window.snapshot_at), rows=len(rows), columns=[c.title for c in spec.columns],
        files=[ManifestFile(name=n, sha256=sha256_of(b), bytes=len(b)) for n, b in data.items()],
        generated_at=generated, sql=str(spec.sql_path.relative_to(PROJECT_DIR)), source=source)
    body = manifest.model_dump_json(indent=2, exclude_none=True).encode("utf-8") + b"\n"
    folder = publish_day(Path(out_dir) / spec.name / f"{day:%Y-%m-%d}", {**data, MANIFEST: body})
    log.info("%s %s：%d 行 → %s", spec.title, _window_text(window), len(rows), folder)
    for f in manifest.files:
        log.info("  %s  %d 字节  sha256 %s", f.name, f.bytes, f.sha256)
    return manifest.model_copy(update={"folder": folder})


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a day's folder (for checks and the ledger pages), with ``folder`` set."""
    body = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return Manifest.model_validate(body).model_copy(update={"folder": folder})


def verify(folder: Path) -> list[str]:
    """What is wrong with a day's folder against its manifest (missing file, size or checksum); empty when whole."""
    manifest = read_manifest(folder)
    problems = []
    for f in manifest.files:
        path = folder / f.name
        if not path.is_file():
            problems.append(f"{f.name}: missing")
            continue
        data = path.read_bytes()
        if len(data) != f.bytes or sha256_of(data) != f.sha256:
            problems.append(f"{f.name}: size or sha256 differs from the manifest")
    return problems


def export_names(specs: Mapping[str, ExportSpec] | None = None) -> Sequence[str]:
    return tuple(specs or _declared())
