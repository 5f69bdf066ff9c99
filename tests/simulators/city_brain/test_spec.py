"""The simulator's own specification: well formed, documented in its README, independent of hisbridge."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from simulators.city_brain import samples, spec

README = (Path(spec.__file__).parent / "README.md").read_text(encoding="utf-8")
TABLES = [spec.NOTIFY, spec.HISTORY, *spec.RECORDS.values(), spec.PRESCRIPTION_ITEM, spec.REPORT_ITEM]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_field_has_a_chinese_name_and_a_known_code_set(table: spec.Table) -> None:
    assert len(set(table.names)) == len(table.names)
    for f in table.fields:
        assert re.search(r"[\u4e00-\u9fff]", f.cn), f.name
        assert f.codes is None or f.codes in spec.DICTS
        assert (f.type == "items") == (f.name in ("items", "records"))
        assert f.name.lower() not in spec.PII_KEYS


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_the_readme_lists_every_field_of_every_table(table: spec.Table) -> None:
    section = re.split(r"^#", README.split(f"#### `{table.name}` — {table.cn}", 1)[1], maxsplit=1, flags=re.M)[0]
    listed = re.findall(r"^\| `(\w+)`(\*?) \|", section, flags=re.M)
    assert listed == [(f.name, "*" if f.required else "") for f in table.fields]


def test_the_readme_lists_every_rule() -> None:
    for table in TABLES:
        for rule in table.rules:
            assert rule.__doc__ and rule.__doc__.replace("<eventType>:<HIS业务键>", "`<eventType>:<HIS业务键>`") in README


def test_every_record_type_has_a_record_id_key_and_a_valid_sample() -> None:
    assert set(spec.RECORDS) == set(spec.DATA_TYPES)
    for name, table in spec.RECORDS.items():
        assert table.key == "recordId" and table.fields[0].name == "recordId" and table.fields[0].required
        assert spec.check(table, samples.record(name)) == []
    assert spec.check(spec.RECORDS["report"], samples.PACS_REPORT) == []


def test_every_journey_event_is_valid_and_each_type_appears() -> None:
    events = samples.journey_events()
    assert [e["occurredAt"] for e in events] == sorted(e["occurredAt"] for e in events)
    assert {e["eventType"] for e in events} == set(spec.EVENT_TYPES) - {"REGISTRATION_CANCELLED"}
    assert all(spec.check(spec.NOTIFY, e) == [] for e in events)
    cancelled = samples.notify(eventType="REGISTRATION_CANCELLED", eventId="REGISTRATION_CANCELLED:R1")
    assert spec.check(spec.NOTIFY, cancelled) == []


def test_answer_codes_are_the_shared_specs() -> None:
    assert set(spec.ANSWER_CODES) == {"0", "1001", "1002", "1003", "1004", "1005", "1006", "1007", "2001", "2002",
                                      "2004", "5000", "5003"}  # fmt: skip
    assert spec.HTTP_STATUS == {"1007": 429, "5000": 500, "5003": 503}


def test_problems_of_nested_items_carry_their_path() -> None:
    bad = samples.record("prescription", items=[samples.record("prescription")["items"][0], {"itemCode": "X"}])
    fields = [p.field for p in spec.check(spec.RECORDS["prescription"], bad)]
    assert fields == ["items[1].itemName", "items[1].quantity", "items[1].unit"]


def test_simulator_never_imports_hisbridge() -> None:
    for path in Path(spec.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "hisbridge" for a in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "hisbridge", path
