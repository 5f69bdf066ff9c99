"""The command line: render without a database, contract errors exit 2, the report renders readably."""

from __future__ import annotations

from hisbridge.contracts.findings import CheckReport, Code, Severity
from hisbridge.platforms.queue.cli import main
from hisbridge.platforms.queue.views import TITLE


def test_render_prints_the_oracle_script(capsys) -> None:
    assert main(["render", "--dialect", "oracle", "--site", "example_site"]) == 0
    out = capsys.readouterr().out
    assert "CREATE OR REPLACE VIEW hx_queue AS" in out and "site: example_site" in out


def test_render_markdown_prints_the_document_tables(capsys) -> None:
    assert main(["render", "--markdown"]) == 0
    assert "### hx_queue" in capsys.readouterr().out


def test_render_to_a_file(tmp_path) -> None:
    out = tmp_path / "x.sql"
    assert main(["render", "--dialect", "sqlite", "--out", str(out)]) == 0
    assert "CREATE VIEW hx_queue AS" in out.read_text(encoding="utf-8")


def test_unknown_site_exits_2_with_a_message(capsys) -> None:
    assert main(["render", "--dialect", "postgresql", "--site", "nowhere"]) == 2
    assert "unknown site 'nowhere'" in capsys.readouterr().err


def test_unreachable_database_exits_1_with_a_message(capsys) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert main(["install", "--url", url, "--views-only"]) == 1
    assert "无法连接数据库" in capsys.readouterr().err
    assert main(["check", "--url", url]) == 1
    assert "无法连接数据库" in capsys.readouterr().err


def test_report_lists_findings_and_fails_only_on_errors() -> None:
    report = CheckReport(dialect="postgresql", site=None, title=TITLE)
    report.add(Code.READER_NOT_TESTED, "reader hx_reader", "未提供口令", Severity.WARNING)
    assert report.passed
    report.add(Code.COLUMN_MISSING, "hx_queue.PATIENT_NAME", "视图缺少契约列")
    assert not report.passed
    text = report.render()
    assert text.splitlines()[0].startswith("门诊候诊叫号视图契约检查：不通过（错误 1，警告 1）")
    assert "ERROR [column_missing] hx_queue.PATIENT_NAME" in text
    assert report.summary() == {
        "passed": False, "errors": 1, "warnings": 1, "codes": ["column_missing", "reader_not_tested"],
    }  # fmt: skip
