"""What ``make demo`` prints at the end: a table aligned in a terminal (Chinese characters take two columns), no
raw dicts, commands a newcomer can paste (outside the venv), and hints naming this run's folder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from demo.run import _print_report, display_width
from hisbridge import PROJECT_DIR


def _result(out_dir: Path) -> dict:
    return {
        "totals": {
            "hsa_trace_sale": {"windows": 288, "selected": 611, "acknowledged": 597, "rejected": 1, "quarantined": 3,
                               "withdrawn": 2, "skipped": 0, "unknown": 0, "messages": 40},
            "cdc_emr_ex_lab_item": {"windows": 288, "selected": 12, "acknowledged": 11, "quarantined": 1},
            "regional_outpatient": {"selected": 5, "acknowledged": 5, "windows": 1},
        },
        "reasons": {"hsa_trace_sale": {"缺少追溯码": 2, "追溯码重复": 1}, "cdc_emr_ex_lab_item": {}},
        "checks": [
            {"feed": "hsa_trace_sale", "case": "缺少追溯码 → 隔离", "key": "S1", "expected": "quarantined",
             "actual": "quarantined"},
            {"feed": "cdc_emr_patient_info", "case": "前置软件上的修改后患者为第 2 版", "key": "P7", "expected": "2",
             "actual": "2"},
        ],
        "jobs": {"checks": [{"case": "对账不平的结算", "key": "setl-9", "found": True, "expect": True}]},
        "rerun": {"selected": 611, "skipped": 597, "messages": 0},
        "sign_calls": {"9001": 2, "9002": 2},
        "platform": {"records": {"1": 592, "2": 10, "3": 40, "4": 600},
                     "records_by_infno": {"3501": 592, "3502": 10, "3503": 38, "3504": 2, "3505": 597, "3506": 3},
                     "sold_codes": 1200},
        "ledger": out_dir / "ledger.db", "log": out_dir / "logs" / "demo.log", "reports": out_dir / "reports",
        "exports": {}, "jiulonghu": {"campus_db": out_dir / "jiulonghu.db"},
        "regional": {"frontdb": out_dir / "regional_frontdb.db"},
        "workstation": {"ttl_h": 12.0, "url": "http://localhost:8080/mutual/page?token=x"},
    }


def _report(out_dir: Path) -> list[str]:
    lines: list[str] = []
    _print_report(_result(out_dir), "batch", lambda text="": lines.extend(str(text).split("\n")))
    return lines


def _column_ends(line: str) -> list[int]:
    """Display column where each space-separated token ends."""
    ends, col = [], 0
    for piece in re.split(r"( +)", line):
        col += display_width(piece)
        if piece.strip():
            ends.append(col)
    return ends


def test_the_feed_table_is_aligned_by_display_width(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(PROJECT_DIR)
    lines = _report(tmp_path)
    head = next(i for i, line in enumerate(lines) if line.startswith("接口 (feed)"))
    table = lines[head:head + 4]
    widths = {display_width(line) for line in table}
    assert len(widths) == 1, table  # every row ends in the same terminal column
    number_ends = [_column_ends(line)[-9:] for line in table]  # the nine right-aligned count columns
    assert all(ends == number_ends[0] for ends in number_ends), table
    assert table[1].split()[:4] == ["hsa_trace_sale", "288", "611", "597"]
    # the check lines: the feed:key column starts in the same terminal column whatever the case's length
    checks = [line for line in lines if line.lstrip().startswith(("✓", "✗"))]
    keys = ("hsa_trace_sale:S1", "cdc_emr_patient_info:P7", "setl-9")
    assert len(checks) == 3
    starts = {display_width(line[:line.index(key)]) for line, key in zip(checks, keys, strict=True)}
    assert len(starts) == 1, checks


def test_no_raw_dict_and_the_simulator_line_says_what_its_numbers_are(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(PROJECT_DIR)
    lines = _report(tmp_path)
    assert [line for line in lines if re.search(r"\{'|': |\['", line)] == []
    platform = next(line for line in lines if line.startswith("医保平台模拟器"))
    assert "3501 商品盘存上传 592 条" in platform and "3505 商品销售 597 条" in platform
    assert "追溯码在售 1200 个" in platform


def test_printed_ledger_command_runs_as_pasted_outside_the_venv(tmp_path, monkeypatch) -> None:
    from hisbridge.db import make_engine, sqlite_url
    from hisbridge.ledger.store import Ledger

    Ledger(make_engine(sqlite_url(str(tmp_path / "ledger.db")))).ensure_schema()
    monkeypatch.chdir(PROJECT_DIR)
    lines = _report(tmp_path)
    commands = [line.strip() for line in lines if "-m hisbridge" in line]
    assert len(commands) == 2 and all(c.startswith(".venv/bin/python -m hisbridge ledger --url") for c in commands)
    summary = next(c for c in commands if c.endswith(" summary"))
    # a newcomer's shell: no venv activated, no PYTHONPATH, no AIRFLOW_HOME
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    proc = subprocess.run(["bash", "-c", summary], cwd=PROJECT_DIR, env=clean, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_commands_are_absolute_when_printed_outside_the_project(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    commands = [line.strip() for line in _report(tmp_path) if "-m hisbridge" in line]
    assert commands and all(c.startswith(str(PROJECT_DIR)) for c in commands)
    assert any(line.endswith(f"：HISBRIDGE_DEMO_DIR={tmp_path} make -C {PROJECT_DIR} airflow")
               for line in _report(tmp_path))


@pytest.mark.parametrize("custom", [True, False], ids=["--dir", "default"])
def test_the_airflow_hint_points_at_this_runs_folder(tmp_path, monkeypatch, custom) -> None:
    monkeypatch.chdir(PROJECT_DIR)
    out_dir = tmp_path / "demo" if custom else PROJECT_DIR / "var" / "demo"
    hint = next(line.split("：", 1)[1] for line in _report(out_dir) if line.startswith("在 Airflow 界面查看同一份数据"))
    if not custom:
        assert hint == "make airflow"
        return
    assert hint == f"HISBRIDGE_DEMO_DIR={out_dir} make airflow"
    # and the script takes that folder: its dry run wires the connections to the files of this run
    out_dir.mkdir()
    (out_dir / "his.db").touch()
    proc = subprocess.run(["bash", "-c", hint.replace("make airflow", "HISBRIDGE_DRY_RUN=1 scripts/airflow_demo.sh")],
                          cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    his_conn = next(line for line in proc.stdout.splitlines() if "AIRFLOW_CONN_HIS_DB=" in line)
    assert str(out_dir / "his.db") in his_conn
    assert f"--state {out_dir / 'hsa_simulator_state.json'}" in proc.stdout
