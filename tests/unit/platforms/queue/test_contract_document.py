"""docs/queue_views_contract.md and include/mappings/queue_views.yaml describe the same columns."""

from __future__ import annotations

import re

import pytest

from hisbridge import PROJECT_DIR
from hisbridge.platforms.queue.declaration import VIEW_NAMES, load_contract
from hisbridge.platforms.queue.docs import column_row

DOC = PROJECT_DIR / "docs" / "queue_views_contract.md"


def doc_tables() -> dict[str, list[tuple[str, ...]]]:
    """Per ``### hx_…`` heading, the rows of the first table under it, cells with backticks stripped."""
    tables: dict[str, list[tuple[str, ...]]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (hx_\w+)\b", line)
        if heading:
            current = heading.group(1)
            tables[current] = []
            continue
        if line.startswith("#"):
            current = None
        elif current and line.startswith("| `"):
            cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            tables[current].append(tuple(cells))
    return tables


def test_document_has_a_table_for_every_view() -> None:
    assert list(doc_tables()) == list(VIEW_NAMES)


@pytest.mark.parametrize("view", VIEW_NAMES)
def test_document_table_matches_the_contract(view: str) -> None:
    contract = load_contract(site=None)
    expected = [column_row(c) for c in contract.views[view].columns]
    assert doc_tables()[view] == expected, (
        f"docs/queue_views_contract.md is out of step with the YAML for {view}: "
        "paste `python -m hisbridge queue-views render --markdown`"
    )


def test_document_states_the_rules() -> None:
    text = DOC.read_text(encoding="utf-8")
    for needle in (
        "ADD_STATE 规则",
        "当天规则",
        "只读账号规则",
        "站点字段调整",
        "TRUNC(SYSDATE)",
        "CURRENT_TIMESTAMP",
    ):
        assert needle in text
