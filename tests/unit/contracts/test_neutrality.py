"""hisbridge.contracts names no platform, so the next platform's contract can reuse it as it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hisbridge.contracts

SOURCES = sorted(Path(hisbridge.contracts.__file__).parent.glob("*.py"))
PLATFORM_WORDS = re.compile(r"hx_|add_state|queue|候诊|叫号|hisbridge\.platforms|\bhsa\b|医保|\bemr_", re.IGNORECASE)


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_module_names_no_platform(path: Path) -> None:
    hits = [
        f"{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PLATFORM_WORDS.search(line)
    ]
    assert hits == []
