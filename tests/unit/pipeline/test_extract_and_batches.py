"""Streaming extraction folds a record's rows together and never splits one across chunks; batching keeps
rows a batch answer could not tell apart in different messages."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import text

from hisbridge.db import make_engine
from hisbridge.pipeline.extract import extract_records, read_ahead
from hisbridge.pipeline.platform import Capabilities
from hisbridge.pipeline.run import batches
from hisbridge.pipeline.spec import FeedSpec

SQL = """SELECT id, name, code, voided FROM item WHERE at >= :window_start AND at < :window_end ORDER BY id, code"""


def _spec(tmp_path) -> FeedSpec:
    path = tmp_path / "t.sql"
    path.write_text(SQL, encoding="utf-8")
    return FeedSpec.model_validate({
        "feed": "t_feed", "title": "测试", "platform": "hsa", "window": "daily", "sql": str(path),
        "options": {"single": "3505"},
        "business_key": ["id"], "voided_column": "voided", "fields": {"memo": "name"},
        "lists": {"drugtracinfo": {"column": "code", "item_field": "drug_trac_codg"}},
    })


def _engine(tmp_path, rows):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE item (id INTEGER, name TEXT, code TEXT, voided INTEGER, at TIMESTAMP)"))
        if rows:
            conn.execute(text("INSERT INTO item VALUES (:id, :name, :code, :voided, :at)"), rows)
    return engine


def test_rows_of_one_record_fold_into_one_and_chunks_never_split_a_record(tmp_path) -> None:
    at = "2026-11-24 10:00:00.000000"
    rows = [{"id": i, "name": f"n{i}", "code": f"c{i}{j}", "voided": int(i == 3), "at": at}
            for i in range(1, 8) for j in range(3)]
    rows.append({"id": 8, "name": "no code", "code": None, "voided": 0, "at": at})
    rows.append({"id": 9, "name": "yesterday", "code": None, "voided": 0, "at": "2026-11-23 10:00:00.000000"})
    spec = _spec(tmp_path)
    chunks = list(extract_records(_engine(tmp_path, rows), spec, datetime(2026, 11, 24), datetime(2026, 11, 25),
                                  chunk_size=2))
    assert [len(c) for c in chunks] == [2, 2, 2, 2]
    records = [r for c in chunks for r in c]
    assert [r.key for r in records] == [str(i) for i in range(1, 9)]
    assert records[0].lists["drugtracinfo"] == ["c10", "c11", "c12"]
    assert records[7].lists["drugtracinfo"] == []
    assert [r.voided for r in records] == [False, False, True, False, False, False, False, False]


def test_missing_columns_are_reported_before_anything_is_sent(tmp_path) -> None:
    spec = _spec(tmp_path)
    (tmp_path / "t.sql").write_text(SQL.replace("name, ", ""), encoding="utf-8")
    with pytest.raises(ValueError, match=r"does not return columns \['name'\]"):
        list(extract_records(_engine(tmp_path, []), spec, datetime(2026, 11, 24), datetime(2026, 11, 25)))


def test_read_ahead_yields_the_same_chunks_in_order_and_reads_in_its_own_thread(tmp_path) -> None:
    at = "2026-11-24 10:00:00.000000"
    rows = [{"id": i, "name": f"n{i}", "code": f"c{i}", "voided": 0, "at": at} for i in range(1, 10)]
    engine, spec, window = _engine(tmp_path, rows), _spec(tmp_path), (datetime(2026, 11, 24), datetime(2026, 11, 25))
    plain = [[r.key for r in c] for c in extract_records(engine, spec, *window, chunk_size=2)]
    readers: set[str] = set()

    def noted(chunks):
        for chunk in chunks:
            readers.add(threading.current_thread().name)
            yield chunk

    ahead = [[r.key for r in c] for c in read_ahead(noted(extract_records(engine, spec, *window, chunk_size=2)))]
    assert ahead == plain == [["1", "2"], ["3", "4"], ["5", "6"], ["7", "8"], ["9"]]
    assert readers == {"his-read-ahead"}


def test_read_ahead_raises_the_readers_error_and_stops_the_reader_when_left_early() -> None:
    def failing():
        yield ["first"]
        raise RuntimeError("ORA-03113: end-of-file on communication channel")

    got = read_ahead(failing())
    assert next(got) == ["first"]
    with pytest.raises(RuntimeError, match="ORA-03113"):
        next(got)

    closed = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                n += 1
                yield [n]
        finally:
            closed.set()  # the cursor is closed when the caller leaves

    for chunk in read_ahead(endless()):
        if chunk == [3]:
            break
    assert closed.wait(5), "leaving the loop closed the reader's iterator"
    assert not any(t.name == "his-read-ahead" and t.is_alive() for t in threading.enumerate())


def test_batches_split_by_size_and_keep_twins_apart() -> None:
    items = ["a", "b", "a", "c", "a", "d"]
    out = batches(items, 3, lambda x: x)
    assert sorted(x for b in out for x in b) == sorted(items)
    assert all(len(b) <= 3 and len(set(b)) == len(b) for b in out)
    size = Capabilities(modes=("batch", "single"), max_batch=10).batch_size("single", 3)  # single mode …
    assert batches(items, size, lambda x: x) == [[x] for x in items]  # … one record per message
