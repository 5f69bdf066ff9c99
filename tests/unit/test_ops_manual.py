"""docs/运维手册.md: every command in it names the test (or the demo) that runs it, and that test exists — a command
whose test is renamed or removed fails here, so the manual cannot silently drift from what is exercised."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hisbridge import PROJECT_DIR

MANUAL = PROJECT_DIR / "docs" / "运维手册.md"
VERIFIED = re.compile(r"#\s*验证：(?P<refs>.+)$")
REF = re.compile(r"(?P<path>tests/[\w/]+\.py)(?:::(?P<test>\w+))?")


def commands() -> list[tuple[int, str]]:
    """(line number, text) of every command line in the manual's fenced blocks."""
    out, fenced = [], False
    for n, line in enumerate(MANUAL.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith("```"):
            fenced = not fenced
            continue
        if fenced and line.strip() and not line.strip().startswith("#"):
            out.append((n, line.strip()))
    return out


def test_the_manual_has_commands() -> None:
    assert len(commands()) >= 20


@pytest.mark.parametrize(("line", "text"), commands(), ids=lambda v: str(v) if isinstance(v, int) else None)
def test_every_command_names_an_existing_test(line: int, text: str) -> None:
    found = VERIFIED.search(text)
    assert found, f"line {line}: a command without '# 验证：<test>': {text}"
    refs = [m.groupdict() for m in REF.finditer(found["refs"])]
    assert refs, f"line {line}: no tests/… reference in {found['refs']!r}"
    for ref in refs:
        path = Path(PROJECT_DIR / ref["path"])
        assert path.is_file(), f"line {line}: {ref['path']} does not exist"
        if ref["test"]:
            names = {node.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
            assert ref["test"] in names, f"line {line}: {ref['path']} has no {ref['test']}"
