"""The files of an export: CSV bytes (BOM, CRLF), a reproducible workbook, and the atomic replacement of a day's
folder — including real crashes (a child process killed mid-write and between the two renames)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hisbridge import PROJECT_DIR
from hisbridge.platforms.jiulonghu import export_files as ef
from hisbridge.platforms.jiulonghu.exports import ExportColumn

COLUMNS = (ExportColumn(key="id", title="患者ID"), ExportColumn(key="name", title="姓名"),
           ExportColumn(key="t", title="挂号时间", type="datetime"), ExportColumn(key="d", title="就诊日期", type="date"),
           ExportColumn(key="fee", title="挂号费", type="money"), ExportColumn(key="n", title="序号", type="int"))
ROWS = [{"id": "0020000007", "name": "张三", "t": datetime(2026, 11, 24, 8, 1, 2), "d": date(2026, 11, 24),
         "fee": Decimal("20.50"), "n": 3},
        {"id": "0020000008", "name": '逗号,与"引号"', "t": None, "d": None, "fee": None, "n": None}]
OLD = {"a.csv": b"old csv", "a.xlsx": b"old xlsx", "manifest.json": b'{"rows": 1}'}
NEW = {"a.csv": b"new csv", "a.xlsx": b"new xlsx", "manifest.json": b'{"rows": 2}'}


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- bytes ------------------------------------------------------------------------------------------------------------
def test_csv_has_a_bom_crlf_and_quotes_what_needs_quoting() -> None:
    data = ef.csv_bytes(COLUMNS, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").split("\r\n") == [
        "患者ID,姓名,挂号时间,就诊日期,挂号费,序号",
        "0020000007,张三,2026-11-24 08:01:02,2026-11-24,20.50,3",
        '0020000008,"逗号,与""引号""",,,,',
        "",
    ]


def test_the_same_rows_give_the_same_workbook_bytes() -> None:
    pinned = datetime(2026, 11, 24)
    first = ef.xlsx_bytes("门诊挂号信息", COLUMNS, ROWS, pinned=pinned)
    assert ef.xlsx_bytes("门诊挂号信息", COLUMNS, ROWS, pinned=pinned) == first
    assert ef.xlsx_bytes("门诊挂号信息", COLUMNS, ROWS[:1], pinned=pinned) != first


def test_the_workbook_keeps_ids_as_text_and_sizes_columns_for_chinese(tmp_path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "x.xlsx"
    path.write_bytes(ef.xlsx_bytes("门诊挂号信息", COLUMNS, ROWS, pinned=datetime(2026, 11, 24)))
    ws = load_workbook(path).active
    assert ws["A2"].value == "0020000007" and ws["A2"].data_type == "s"
    assert ws["C2"].value == datetime(2026, 11, 24, 8, 1, 2) and ws["C2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["E2"].value == 20.5 and ws["E2"].number_format == "0.00"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:F3"
    assert ws.column_dimensions["B"].width == ef.display_width('逗号,与"引号"') + 2 == 15  # 5 wide + 3 narrow, plus 2


def test_display_width_counts_chinese_twice() -> None:
    assert (ef.display_width("ab"), ef.display_width("挂号"), ef.display_width("（Ａ）")) == (2, 4, 6)


# -- atomic replacement ------------------------------------------------------------------------------------------------
def test_publishing_creates_then_replaces_a_day_and_leaves_nothing_behind(tmp_path) -> None:
    target = tmp_path / "outpatient_registrations" / "2026-11-24"
    assert ef.publish_day(target, OLD) == target and _contents(target) == OLD
    (target / "extra.txt").write_bytes(b"a file the old set had")
    ef.publish_day(target, NEW)
    assert _contents(target) == NEW
    assert sorted(p.name for p in target.parent.iterdir()) == ["2026-11-24"]


def test_a_failure_while_writing_keeps_the_old_set(tmp_path, monkeypatch) -> None:
    target = tmp_path / "2026-11-24"
    ef.publish_day(target, OLD)
    real = ef._write_synced

    def disk_full(path: Path, data: bytes) -> None:
        if path.name == "a.xlsx":
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(ef, "_write_synced", disk_full)
    with pytest.raises(OSError, match="No space left"):
        ef.publish_day(target, NEW)
    assert _contents(target) == OLD
    assert ef.leftovers(target) == []


def test_a_failed_rename_in_puts_the_old_set_back(tmp_path, monkeypatch) -> None:
    target = tmp_path / "2026-11-24"
    ef.publish_day(target, OLD)
    real = os.rename

    def refuse_rename_in(src, dst) -> None:
        if ".tmp-" in str(src):
            raise PermissionError(13, "denied")
        real(src, dst)

    monkeypatch.setattr(ef.os, "rename", refuse_rename_in)
    with pytest.raises(PermissionError):
        ef.publish_day(target, NEW)
    assert _contents(target) == OLD and ef.leftovers(target) == []


CRASH = r"""
import os, sys
from pathlib import Path
from hisbridge.platforms.jiulonghu import export_files as ef
where = sys.argv[2]
real_write, real_rename = ef._write_synced, os.rename
def write(path, data):
    if where == "write" and path.name == "a.xlsx":
        path.write_bytes(data[:3])  # half a file on disk, then the process dies
        os._exit(9)
    real_write(path, data)
def rename(src, dst):
    if where == "rename" and ".tmp-" in str(src):
        os._exit(9)  # the old set is aside, the new one not yet in
    real_rename(src, dst)
ef._write_synced, ef.os.rename = write, rename
ef.publish_day(Path(sys.argv[1]), {"a.csv": b"new csv", "a.xlsx": b"new xlsx", "manifest.json": b'{"rows": 2}'})
"""


def _crash(target: Path, where: str) -> None:
    env = dict(os.environ, PYTHONPATH=f"{PROJECT_DIR / 'plugins'}{os.pathsep}{PROJECT_DIR}")
    proc = subprocess.run([sys.executable, "-c", CRASH, str(target), where], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 9, proc.stderr


def test_a_process_killed_mid_write_leaves_the_old_set_and_the_next_run_tidies_up(tmp_path) -> None:
    target = tmp_path / "2026-11-24"
    ef.publish_day(target, OLD)
    _crash(target, "write")
    assert _contents(target) == OLD  # readers still see the whole old day
    assert [p.name.rsplit("-", 1)[0] for p in ef.leftovers(target)] == [".2026-11-24.tmp"]
    ef.publish_day(target, NEW)
    assert _contents(target) == NEW and ef.leftovers(target) == []


def test_a_process_killed_between_the_renames_leaves_a_complete_set_that_recover_restores(tmp_path) -> None:
    target = tmp_path / "2026-11-24"
    ef.publish_day(target, OLD)
    _crash(target, "rename")
    assert not target.exists()
    aside = [p for p in ef.leftovers(target) if ".old-" in p.name]
    assert len(aside) == 1 and _contents(aside[0]) == OLD  # complete, never half
    ef.recover(target)
    assert _contents(target) == OLD and ef.leftovers(target) == []


def test_file_names_must_be_plain(tmp_path) -> None:
    with pytest.raises(ValueError, match="plain name"):
        ef.publish_day(tmp_path / "2026-11-24", {"../escape.csv": b"x"})
    assert ef.leftovers(tmp_path / "2026-11-24") == []
