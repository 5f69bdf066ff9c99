"""``python -m hisbridge mutual``: the docs table, and ``serve`` handed to the workstation service's own command
line when it is installed."""

from __future__ import annotations

import importlib.machinery
import sys
import types

from hisbridge.__main__ import main as hisbridge_main
from hisbridge.platforms.mutual import cli


def test_mutual_is_a_hisbridge_command_printing_the_docs_table(capsys) -> None:
    assert hisbridge_main(["mutual", "doc"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## 接口一览") and "### uploadLabReport — 检验报告" in out


def test_serve_hands_its_arguments_to_the_service(monkeypatch) -> None:
    seen: list[list[str]] = []
    fake = types.ModuleType("fake_mutual_service_cli")
    fake.__spec__ = importlib.machinery.ModuleSpec("fake_mutual_service_cli", None)
    fake.main = lambda argv: seen.append(argv) or 0
    monkeypatch.setitem(sys.modules, "fake_mutual_service_cli", fake)
    monkeypatch.setattr(cli, "SERVE", "fake_mutual_service_cli")
    assert hisbridge_main(["mutual", "serve", "--port", "8095"]) == 0
    assert seen == [["--port", "8095"]]


def test_serve_without_the_service_says_so(monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli, "SERVE", "hisbridge.platforms.mutual.no_such_service.cli")
    assert cli.main(["serve"]) == 2
    assert "not installed" in capsys.readouterr().err
