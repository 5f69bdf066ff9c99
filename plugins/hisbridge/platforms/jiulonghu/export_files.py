"""The files of a 九龙湖 export (:mod:`~hisbridge.platforms.jiulonghu.exports`): CSV and Excel bytes of the rows,
and the atomic replacement of one day's folder.

**CSV** is UTF-8 with a BOM (``utf-8-sig``): without it Excel decodes the file as the ANSI code page (GBK on a
Chinese Windows) and the headers turn to mojibake; programs that read UTF-8 skip the BOM. CRLF line ends, as the
``csv`` module writes by default and Windows tools expect.

**Excel** (openpyxl): one sheet titled as the export, the header row bold on a light fill and frozen, an
autofilter, widths from the longest value counted in display cells (a Chinese character is two), text cells kept
as text (an id keeps its leading zeros; a value that starts with ``=`` stays text, never a formula), dates and
times as Excel dates. The workbook's own timestamps are pinned to the export's day, so the same rows give the same
bytes (:func:`hisbridge.reports._pin_zip_times`, shared with the reports).

**Replacing a day** (:func:`publish_day`): the new set is written into ``.<day>.tmp-<token>`` next to the day's
folder, each file and the folder fsynced; then the old folder is renamed aside (``.<day>.old-<token>``), the new
one renamed in, the parent fsynced and the old one deleted. A reader sees the old set or the new one, never a
mix. A crash while writing leaves the old set and a ``.tmp-`` folder; a crash between the two renames leaves no
``<day>`` folder but a complete ``.old-`` one: :func:`recover` (run first by every publish) puts it back and
deletes leftovers.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hisbridge.platforms.jiulonghu.exports import ExportColumn

MAX_WIDTH = 60
_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss", "money": "0.00", "int": "0", "text": "@"}


# -- CSV ------------------------------------------------------------------------------------------------------------
def csv_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind == "date":
        return value.isoformat()
    if kind == "money":
        return f"{value:.2f}"
    return str(value)


def csv_bytes(columns: Sequence[ExportColumn], rows: Sequence[Mapping[str, Any]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.title for c in columns])
    for row in rows:
        writer.writerow([csv_text(c.type, row[c.key]) for c in columns])
    return buf.getvalue().encode("utf-8-sig")


# -- Excel ----------------------------------------------------------------------------------------------------------
def display_width(text: str) -> int:
    """Cells of a fixed-width font the text takes: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number
    if isinstance(value, (datetime, date, int, float, str)) or value is None:
        return value
    return str(value)


def xlsx_bytes(title: str, columns: Sequence[ExportColumn], rows: Sequence[Mapping[str, Any]], *,
               pinned: datetime) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from hisbridge.reports import _pin_zip_times

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([c.title for c in columns])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F3F5F7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    widths = [display_width(c.title) for c in columns]
    for r, row in enumerate(rows, 2):
        for i, col in enumerate(columns):
            value = row[col.key]
            cell = ws.cell(row=r, column=i + 1, value=_cell_value(value))
            if isinstance(value, str):
                cell.data_type = "s"  # "=…" is data here, never a formula
            cell.number_format = _FORMATS[col.type]
            if value is not None:
                widths[i] = max(widths[i], display_width(csv_text(col.type, value)))
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, width + 2)
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"
    wb.properties.created = wb.properties.modified = pinned
    buf = io.BytesIO()
    wb.save(buf)
    return _pin_zip_times(buf.getvalue(), pinned)


# -- atomic replacement of a day's folder -----------------------------------------------------------------------
def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    """Make renames and new entries in ``path`` durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def leftovers(target: Path) -> list[Path]:
    """The temporary and set-aside folders of ``target``'s day that a crash may have left."""
    if not target.parent.is_dir():
        return []
    prefixes = (f".{target.name}.tmp-", f".{target.name}.old-")
    return sorted(p for p in target.parent.iterdir() if p.is_dir() and p.name.startswith(prefixes))


def recover(target: Path) -> None:
    """Undo what a crashed publish left: a day folder set aside but not replaced is put back; temporary and
    set-aside folders are deleted."""
    for old in (p for p in leftovers(target) if ".old-" in p.name):
        if not target.exists():
            os.rename(old, target)  # the set that was published before the crash, complete
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in (p for p in leftovers(target) if ".tmp-" in p.name):
        shutil.rmtree(tmp, ignore_errors=True)
    _fsync_dir(target.parent)


def publish_day(target: Path, files: Mapping[str, bytes]) -> Path:
    """Replace folder ``target`` by one holding exactly ``files`` (name → bytes, written in that order: put the
    manifest last), atomically for readers of ``target``; returns ``target``."""
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    token = secrets.token_hex(4)
    tmp = parent / f".{target.name}.tmp-{token}"
    tmp.mkdir()
    try:
        for name, data in files.items():
            if Path(name).name != name or name.startswith("."):
                raise ValueError(f"file name {name!r} must be a plain name")
            _write_synced(tmp / name, data)
        _fsync_dir(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = parent / f".{target.name}.old-{token}"
    had_old = target.exists()
    if had_old:
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        if had_old:
            os.rename(old, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(parent)
    if had_old:
        shutil.rmtree(old, ignore_errors=True)
    return target
