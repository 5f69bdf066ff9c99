"""Reports for people (finance, 医保办, ops): one :class:`Report` written as an Excel workbook and an HTML page with
the same content, under ``<reports dir>/<kind>/<period>.xlsx|.html``.

A report is a function of its data: nothing in it says when it was written, so re-running a day writes the same
bytes (the workbook's own timestamps are pinned to the period), and a backfill of last month rebuilds last
month's report. Files are replaced atomically: a reader never sees half a report.

The reports directory is ``HISBRIDGE_REPORTS_DIR``, else ``var/reports`` in the project. The ledger pages list
every report and serve its HTML page and workbook (``/hisbridge/reports/``).
"""

from __future__ import annotations

import html
import io
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hisbridge import PROJECT_DIR
from hisbridge.pages import STYLE

_SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # the Chinese header readers see


@dataclass(frozen=True)
class Sheet:
    """One table of a report: a worksheet in the workbook, a section of the page."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    note: str | None = None  # one line under the title: what the table is and what to do with it


@dataclass(frozen=True)
class Report:
    kind: str  # e.g. hsa_daily_reconciliation — the folder
    period: str  # e.g. 2026-11-24 or 2026-11 — the file name
    title: str
    summary: Sequence[tuple[str, Any]] = ()  # (label, value) lines at the top
    sheets: Sequence[Sheet] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for part in (self.kind, self.period):
            if not _SAFE.match(part):
                raise ValueError(f"report kind/period must be a plain file name, not {part!r}")


@dataclass(frozen=True)
class ReportFiles:
    xlsx: Path
    html: Path


def reports_dir() -> Path:
    return Path(os.environ.get("HISBRIDGE_REPORTS_DIR") or PROJECT_DIR / "var" / "reports")


def write_report(report: Report, base: Path | None = None) -> ReportFiles:
    folder = (base or reports_dir()) / report.kind
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, page = folder / f"{report.period}.xlsx", folder / f"{report.period}.html"
    _replace(xlsx, workbook_bytes(report))
    _replace(page, render_html(report).encode("utf-8"))
    return ReportFiles(xlsx, page)


def list_reports(base: Path | None = None) -> dict[str, list[str]]:
    """kind → periods (newest first) that have an HTML page."""
    root = base or reports_dir()
    if not root.is_dir():
        return {}
    return {d.name: sorted((p.stem for p in d.glob("*.html")), reverse=True)
            for d in sorted(root.iterdir()) if d.is_dir() and _SAFE.match(d.name)}


def report_path(kind: str, period: str, suffix: str, base: Path | None = None) -> Path | None:
    """The file of one report, or ``None`` (also for a name that is not a plain file name)."""
    if suffix not in (".html", ".xlsx") or not (_SAFE.match(kind) and _SAFE.match(period)):
        return None
    path = (base or reports_dir()) / kind / f"{period}{suffix}"
    return path if path.is_file() else None


# -- rendering ---------------------------------------------------------------------------------------------------
def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, (int, float, str, date, datetime)):
        return value
    return str(value)


def workbook_bytes(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    first = wb.active
    first.title = "概要"
    first.append([report.title])
    first["A1"].font = Font(bold=True, size=14)
    for label, value in report.summary:
        first.append([label, _cell(value)])
    head_fill = PatternFill("solid", fgColor="F3F5F7")
    for n, sheet in enumerate(report.sheets, 1):
        ws = wb.create_sheet(_sheet_name(sheet.title, n))
        if sheet.note:
            ws.append([sheet.note])
        ws.append([c.title for c in sheet.columns])
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = Font(bold=True), head_fill
        for row in sheet.rows:
            ws.append([_cell(row.get(c.key)) for c in sheet.columns])
        for i, col in enumerate(sheet.columns, 1):
            width = max([len(str(col.title)) * 2] + [len(str(r.get(col.key) or "")) for r in sheet.rows[:200]])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, max(8, width + 2))
    # the same data gives the same bytes: the workbook's timestamps are the period, not the clock
    pinned = _period_start(report.period)
    wb.properties.created = wb.properties.modified = pinned
    buf = io.BytesIO()
    wb.save(buf)
    return _pin_zip_times(buf.getvalue(), pinned)


def _sheet_name(title: str, n: int) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", " ", title)[:28]
    return clean or f"表{n}"


def _period_start(period: str) -> datetime:
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            return datetime.strptime(period[:10] if fmt == "%Y-%m-%d" else period[:7], fmt)
        except ValueError:
            continue
    return datetime(2000, 1, 1)


def _pin_zip_times(data: bytes, moment: datetime) -> bytes:
    """openpyxl stamps the zip members and the "modified" property with the clock: use the period's time."""
    import zipfile

    stamp = (max(moment.year, 1980), moment.month, moment.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=stamp)
            pinned.compress_type, pinned.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl sets "modified" to the clock when it saves
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + moment.strftime(
                    "%Y-%m-%dT%H:%M:%SZ").encode(), data)
            dst.writestr(pinned, data)
    return out.getvalue()


def render_html(report: Report) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang=zh-CN><meta charset=utf-8><title>{e(report.title)}</title>{STYLE}",
             f"<h2>{e(report.title)}</h2>"]
    if report.summary:
        parts.append("<table>" + "".join(f"<tr><th>{e(str(k))}</th><td>{e(_text(v))}</td></tr>"
                                         for k, v in report.summary) + "</table>")
    for sheet in report.sheets:
        parts.append(f"<h3>{e(sheet.title)}（{len(sheet.rows)}）</h3>")
        if sheet.note:
            parts.append(f"<p class=note>{e(sheet.note)}</p>")
        if not sheet.rows:
            parts.append("<p>无。</p>")
            continue
        head = "".join(f"<th>{e(c.title)}</th>" for c in sheet.columns)
        body = "".join(
            "<tr>" + "".join(_td(r.get(c.key)) for c in sheet.columns) + "</tr>" for r in sheet.rows)
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
    return "".join(parts) + "</html>\n"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _td(value: Any) -> str:
    cls = " class=n" if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) else ""
    return f"<td{cls}>{html.escape(_text(value))}</td>"


def _replace(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
