"""``python -m hisbridge.platforms.jiulonghu.export_cli``: a backfill of a range of days without Airflow, and the
check of a day's folder against its manifest."""

from __future__ import annotations

from hisbridge.db import make_engine
from hisbridge.platforms.jiulonghu.export_cli import main
from tests.integration.platforms.jiulonghu.test_exports import plant


def test_write_a_range_of_days_then_verify_a_folder(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'his.db'}"
    plant(make_engine(url))
    out = tmp_path / "exports"
    assert main(["write", "--his-url", url, "--out", str(out), "--day", "2026-11-24", "--to", "2026-11-25",
                 "--export", "outpatient_registrations"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"门诊挂号信息 2026-11-24: 4 行 → {out / 'outpatient_registrations' / '2026-11-24'}",
                       f"门诊挂号信息 2026-11-25: 1 行 → {out / 'outpatient_registrations' / '2026-11-25'}"]
    assert not (out / "inpatients").exists()
    folder = out / "outpatient_registrations" / "2026-11-24"
    assert main(["verify", str(folder)]) == 0
    next(folder.glob("*.csv")).write_bytes(b"edited by hand")
    assert main(["verify", str(folder)]) == 1
    assert "1 处不一致" in capsys.readouterr().out
