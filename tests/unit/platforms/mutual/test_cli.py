"""``python -m hisbridge mutual``: the docs table, and the workstation service's commands (serve, ddl, token)
handed to its own command line."""

from __future__ import annotations

from hisbridge.__main__ import main as hisbridge_main
from hisbridge.platforms.mutual.service import cli as service_cli


def test_mutual_is_a_hisbridge_command_printing_the_docs_table(capsys) -> None:
    assert hisbridge_main(["mutual", "doc"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## 接口一览") and "### uploadLabReport — 检验报告" in out


def test_serve_hands_its_command_and_arguments_to_the_service(monkeypatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(service_cli, "main", lambda argv: seen.append(argv) or 0)
    assert hisbridge_main(["mutual", "serve", "--port", "8095"]) == 0
    assert hisbridge_main(["mutual", "token", "list"]) == 0
    assert seen == [["serve", "--port", "8095"], ["token", "list"]]


def test_ddl_prints_the_his_side_quote_tables_for_oracle(capsys) -> None:
    assert hisbridge_main(["mutual", "ddl", "--dialect", "oracle"]) == 0
    out = capsys.readouterr().out
    assert "CREATE TABLE mutual_quoted_report" in out and "CREATE TABLE mutual_quoted_result" in out
    assert "VARCHAR2" in out
