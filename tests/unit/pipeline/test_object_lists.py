"""Lists of objects: a record's items built from several columns of its consecutive rows (prescription lines, lab
results), each item once per its key, NULL-key rows adding none, code maps applied to item fields. The
one-column lists (医保's 追溯码) keep their shape and their declaration's fingerprint."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from hisbridge.db import make_engine
from hisbridge.pipeline.extract import count_records, extract_records
from hisbridge.pipeline.mapping import MappingError, map_record
from hisbridge.pipeline.spec import FeedSpec, ListSource

WINDOW = (datetime(2026, 11, 24), datetime(2026, 11, 25))
# a prescription joined with its drugs and (a second list in the same SQL) its diagnoses: rows repeat drugs
SQL = """SELECT r.rx_no, r.doctor, d.line_id, d.drug, d.qty, d.route, g.diag FROM rx r
LEFT JOIN line d ON d.rx_no = r.rx_no LEFT JOIN diag g ON g.rx_no = r.rx_no
WHERE r.at >= :window_start AND r.at < :window_end ORDER BY r.rx_no, d.line_id, g.diag"""


def _spec(tmp_path, **lists) -> FeedSpec:
    path = tmp_path / "rx.sql"
    path.write_text(SQL, encoding="utf-8")
    return FeedSpec.model_validate({
        "feed": "t_rx", "title": "处方", "platform": "hsa", "window": "daily", "sql": str(path),
        "options": {"single": "3505"}, "business_key": ["rx_no"], "fields": {"doctor": "doctor"},
        "codes": {"route": {"PO": "口服", "IV": "静脉滴注"}},
        "lists": lists or {
            "items": {"key": "line_id", "items": {"code": "drug", "quantity": "qty",
                                                  "route": {"column": "route", "codes": "route", "default": "口服"}}},
            "diagnoses": {"column": "diag", "item_field": "name"},
        },
    })


def _his(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    at = "2026-11-24 09:00:00.000000"
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE rx (rx_no TEXT, doctor TEXT, at TIMESTAMP)"))
        conn.execute(text("CREATE TABLE line (rx_no TEXT, line_id INTEGER, drug TEXT, qty NUMERIC, route TEXT)"))
        conn.execute(text("CREATE TABLE diag (rx_no TEXT, diag TEXT)"))
        conn.execute(text("INSERT INTO rx VALUES ('R1', 'D1', :at), ('R2', 'D2', :at), ('R3', 'D3', :at)"), {"at": at})
        conn.execute(text("INSERT INTO line VALUES ('R1', 1, 'A', 2, 'PO'), ('R1', 2, 'B', 1.5, NULL), "
                          "('R3', 1, 'C', 1, 'XX')"))
        conn.execute(text("INSERT INTO diag VALUES ('R1', 'J06'), ('R1', 'J20')"))
    return engine


def test_a_list_of_objects_folds_one_item_per_key_and_a_null_key_adds_none(tmp_path) -> None:
    spec, his = _spec(tmp_path), _his(tmp_path)
    records = [r for c in extract_records(his, spec, *WINDOW) for r in c]
    assert [r.key for r in records] == ["R1", "R2", "R3"]
    # R1 has 2 drugs × 2 diagnoses = 4 rows: each drug once, each diagnosis once
    assert records[0].lists["items"] == [("A", 2, "PO"), ("B", 1.5, None)]
    assert records[0].lists["diagnoses"] == ["J06", "J20"]
    assert records[1].lists == {"items": [], "diagnoses": []}  # no drug: the LEFT JOIN's NULL key adds nothing
    assert count_records(his, spec, *WINDOW) == 3  # distinct records, not rows


def test_item_fields_keep_their_sql_values_and_go_through_code_maps_and_defaults(tmp_path) -> None:
    spec, his = _spec(tmp_path), _his(tmp_path)
    r1, _, r3 = [r for c in extract_records(his, spec, *WINDOW) for r in c]
    wire = map_record(spec, r1)
    assert wire["items"] == [{"code": "A", "quantity": 2, "route": "口服"}, {"code": "B", "quantity": 1.5, "route": "口服"}]
    assert wire["diagnoses"] == [{"name": "J06"}, {"name": "J20"}]
    with pytest.raises(MappingError) as raised:
        map_record(spec, r3)
    assert raised.value.problems == ["代码未对照：items[].route 的 HIS 代码 'XX' 不在对照表 route 中"
                                     "（在 include/mappings 中补充对照后重新排队）"]
    assert raised.value.wire["items"] == [{"code": "C", "quantity": 1, "route": None}]


@pytest.mark.parametrize(("shape", "message"), [
    ({"column": "x"}, "one column"),
    ({"items": {"a": "x"}}, "the column identifying an item"),
    ({"items": {"a": "x"}, "key": "k", "column": "x"}, "the column identifying an item"),
    ({"column": "x", "item_field": "y", "key": "k"}, "one column"),
    ({"items": {}, "key": "k"}, "the column identifying an item"),
])
def test_a_list_declares_exactly_one_shape(shape, message) -> None:
    with pytest.raises(ValidationError, match=message):
        ListSource.model_validate(shape)


def test_an_item_code_map_must_be_declared(tmp_path) -> None:
    with pytest.raises(ValidationError, match="list items, field route: code map 'nope' is not declared"):
        _spec(tmp_path, items={"key": "line_id", "items": {"route": {"column": "route", "codes": "nope"}}})


def test_a_one_column_list_keeps_its_declaration_fingerprint() -> None:
    one = ListSource.model_validate({"column": "code", "item_field": "drug_trac_codg"})
    assert one.model_dump() == {"column": "code", "item_field": "drug_trac_codg"}
    objects = ListSource.model_validate({"items": {"a": "x"}, "key": "k"})
    assert objects.model_dump() == {"items": {"a": {"column": "x", "codes": None, "default": None}}, "key": "k"}
    assert objects.source_columns == {"x", "k"}


def test_the_source_hash_covers_the_items(tmp_path) -> None:
    """A changed item changes the record's source: the run re-decides it (values as fetched, Decimal included)."""
    from hisbridge.pipeline.extract import SourceRecord

    a = SourceRecord("R1", {"rx_no": "R1"}, {"items": [("A", Decimal("2"), "PO")]})
    b = SourceRecord("R1", {"rx_no": "R1"}, {"items": [("A", Decimal("3"), "PO")]})
    import orjson
    assert orjson.dumps(a.lists, default=str) != orjson.dumps(b.lists, default=str)
