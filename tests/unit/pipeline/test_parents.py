"""Parent checks: a feed may name parents (``parents:`` in its YAML); a record whose parent the platform has not
acknowledged is quarantined with a reason naming the parent, never sent — and is sent by a re-run once the
parent is there. The pipeline looks parents up in the ledger, once per parent feed per chunk.

The platform is the test-only ``echo`` platform (registered by the environment) with a row model that carries a
parent key; the HIS and the ledger are SQLite files made here.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Engine, text

from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import FeedSpec
from tests.support.echo_platform import EchoSender

WINDOW = (datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 0))
REPORT_SQL = ("SELECT id, name, value, voided FROM report WHERE changed_at >= :window_start "
              "AND changed_at < :window_end ORDER BY id")
ITEM_SQL = ("SELECT id, report_id, other_report_id, name, value, voided FROM item WHERE changed_at >= :window_start "
            "AND changed_at < :window_end ORDER BY id")


class Row(BaseModel):
    """A wire row that may name its parent report."""

    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    value: str
    report_id: int | None = None
    other_report_id: int | None = None


class ParentAwareEcho(EchoSender):
    def model_for(self, spec: FeedSpec) -> type[BaseModel]:
        return Row


@pytest.fixture(autouse=True)
def echo_registered(monkeypatch) -> None:
    monkeypatch.setenv("HISBRIDGE_PLATFORMS", json.dumps({"echo": "tests.support.echo_platform:PLATFORM"}))


def spec_for(tmp_path, feed: str, table: str, sql: str, **extra: Any) -> FeedSpec:
    path = tmp_path / f"{feed}.sql"
    path.write_text(sql, encoding="utf-8")
    fields = {"id": "id", "name": "name", "value": "value", **extra.pop("fields", {})}
    return FeedSpec.model_validate({
        "feed": feed, "title": feed, "platform": "echo", "window": "1h", "sql": str(path),
        "options": {"table": table}, "business_key": ["id"], "voided_column": "voided", "fields": fields, **extra,
    })


@pytest.fixture
def report_spec(tmp_path) -> FeedSpec:
    return spec_for(tmp_path, "t_report", "report", REPORT_SQL)


@pytest.fixture
def item_spec(tmp_path) -> FeedSpec:
    return spec_for(tmp_path, "t_item", "item", ITEM_SQL, fields={"report_id": "report_id"},
                    parents=[{"column": "report_id", "feed": "t_report", "label": "report"}])


@pytest.fixture
def his(tmp_path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE report (id INTEGER, name TEXT, value TEXT, voided INTEGER, "
                          "changed_at TIMESTAMP)"))
        conn.execute(text("CREATE TABLE item (id INTEGER, report_id INTEGER, other_report_id INTEGER, name TEXT, "
                          "value TEXT, voided INTEGER, changed_at TIMESTAMP)"))
    return engine


@pytest.fixture
def ledger(tmp_path) -> Ledger:
    ledger = Ledger(make_engine(f"sqlite:///{tmp_path / 'ledger.db'}"))
    ledger.ensure_schema()
    return ledger


@pytest.fixture
def sender() -> ParentAwareEcho:
    return ParentAwareEcho()


def add(his: Engine, table: str, *rows: dict[str, Any]) -> None:
    columns = {"report": ("id", "name", "value", "voided"),
               "item": ("id", "report_id", "other_report_id", "name", "value", "voided")}[table]
    with his.begin() as conn:
        for row in rows:
            values = {c: row.get(c, 0 if c == "voided" else None) for c in columns}
            values["changed_at"] = row.get("changed_at", datetime(2026, 3, 2, 8, 10))
            names = ", ".join(values)
            conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + c for c in values)})"),
                         values)


def run(spec: FeedSpec, his: Engine, ledger: Ledger, sender: EchoSender, run_id: str) -> FeedSummary:
    summary = run_feed(spec, his, ledger, sender, WINDOW, RunSettings(run_id=run_id, mode="single"))
    assert summary.balanced()
    return summary


def state(ledger: Ledger, feed: str, key: str):
    return ledger.lookup(feed, [key])[key]


def test_child_of_an_acknowledged_parent_is_sent_and_an_orphan_is_quarantined_with_the_parent_named(
        report_spec, item_spec, his, ledger, sender) -> None:
    add(his, "report", {"id": 1, "name": "血常规", "value": "ok"})
    add(his, "item", {"id": 10, "report_id": 1, "name": "WBC", "value": "6.1"},
        {"id": 11, "report_id": 9, "name": "RBC", "value": "4.5"})
    run(report_spec, his, ledger, sender, "parents-first")  # the DAG runs the parent task first

    summary = run(item_spec, his, ledger, sender, "children")

    assert (summary.acknowledged, summary.quarantined) == (1, 1)
    assert set(sender.held("item")) == {"10"}
    orphan = state(ledger, "t_item", "11")
    assert orphan.state == ls.QUARANTINED
    assert orphan.reason == "父记录 report id=9 尚未上报回声测试平台"
    assert summary.reasons == {"父记录 report id=9 尚未上报回声测试平台": 1}
    assert sender.operations("item", "11") == []


def test_a_parent_that_is_not_acknowledged_does_not_count(report_spec, item_spec, his, ledger, sender) -> None:
    add(his, "report", {"id": 1, "name": "REFUSE", "value": "x"}, {"id": 2, "name": "尿常规", "value": "ok"})
    add(his, "item", {"id": 10, "report_id": 1, "name": "WBC", "value": "6.1"},
        {"id": 11, "report_id": 2, "name": "PRO", "value": "-"})
    run(report_spec, his, ledger, sender, "parents")
    assert state(ledger, "t_report", "1").state == ls.REJECTED

    summary = run(item_spec, his, ledger, sender, "children")

    assert (summary.acknowledged, summary.quarantined) == (1, 1)
    assert "父记录 report id=1" in state(ledger, "t_item", "10").reason


def test_orphan_is_sent_by_a_rerun_once_its_parent_is_delivered(report_spec, item_spec, his, ledger, sender) -> None:
    add(his, "item", {"id": 10, "report_id": 1, "name": "WBC", "value": "6.1"})
    first = run(item_spec, his, ledger, sender, "child-too-early")
    assert first.quarantined == 1

    add(his, "report", {"id": 1, "name": "血常规", "value": "ok"})
    run(report_spec, his, ledger, sender, "parent-arrives")
    again = run(item_spec, his, ledger, sender, "child-rerun")  # same window, unchanged HIS row

    assert (again.acknowledged, again.quarantined) == (1, 0)
    assert state(ledger, "t_item", "10").state == ls.ACKNOWLEDGED
    assert sender.held("item")["10"]["report_id"] == 1
    assert run(item_spec, his, ledger, sender, "third").skipped == 1  # and nothing is sent twice


def test_voided_child_needs_no_parent(report_spec, item_spec, his, ledger, sender) -> None:
    add(his, "item", {"id": 10, "report_id": 7, "name": "WBC", "value": "6.1", "voided": 1})

    summary = run(item_spec, his, ledger, sender, "void")

    assert (summary.withdrawn, summary.quarantined) == (1, 0)


def test_a_record_without_a_parent_value_is_not_checked(report_spec, item_spec, his, ledger, sender) -> None:
    add(his, "item", {"id": 10, "report_id": None, "name": "WBC", "value": "6.1"})

    assert run(item_spec, his, ledger, sender, "no-parent").acknowledged == 1


def test_parents_are_looked_up_once_per_parent_feed_per_chunk(tmp_path, report_spec, his, ledger, sender,
                                                             monkeypatch) -> None:
    spec = spec_for(tmp_path, "t_item", "item", ITEM_SQL,
                    fields={"report_id": "report_id", "other_report_id": "other_report_id"},
                    parents=[{"column": "report_id", "feed": "t_report"},
                             {"column": "other_report_id", "feed": "t_report"}])
    add(his, "report", *({"id": n, "name": f"r{n}", "value": "ok"} for n in range(1, 6)))
    add(his, "item", *({"id": 100 + n, "report_id": n, "other_report_id": n % 5 + 1 if n < 5 else 99,
                        "name": "x", "value": "1"} for n in range(1, 6)))
    run(report_spec, his, ledger, sender, "parents")
    looked_up: list[tuple[str, int]] = []
    priors = ledger.priors

    def counting(feed, keys):
        keys = list(keys)
        looked_up.append((feed, len(keys)))
        return priors(feed, keys)

    monkeypatch.setattr(ledger, "priors", counting)
    summary = run_feed(spec, his, ledger, sender, WINDOW, RunSettings(run_id="c", mode="single", chunk_size=2))

    assert [feed for feed, _ in looked_up].count("t_report") == 3  # chunks of 2, 2 and 1 records
    assert (summary.acknowledged, summary.quarantined) == (4, 1)
    assert state(ledger, "t_item", "105").reason == "父记录 t_report id=99 尚未上报回声测试平台"  # label: the feed


@pytest.mark.parametrize(("parents", "message"), [
    ([{"column": "ghost", "feed": "t_report"}], "'ghost' is not a wire field"),
    ([{"column": "report_id", "feed": "t_item"}], "cannot be its own parent"),
    ([{"column": "report_id", "feed": "Bad-Feed"}], "should match pattern"),
    ([{"column": "report_id", "feed": "t_report", "surprise": 1}], "surprise"),
])
def test_mistakes_in_parents_are_refused(tmp_path, parents, message) -> None:
    with pytest.raises(ValidationError, match=message):
        spec_for(tmp_path, "t_item", "item", ITEM_SQL, fields={"report_id": "report_id"}, parents=parents)


def test_a_declaration_without_parents_keeps_its_fingerprint(report_spec, item_spec) -> None:
    """The run's source hash covers the declaration's dump: feeds declared before parents existed must not see
    every settled record re-decided."""
    assert "parents" not in report_spec.model_dump_json()
    assert '"parents":[{"column":"report_id","feed":"t_report","label":"report"}]' in item_spec.model_dump_json()


def test_a_loaded_feed_must_name_parent_feeds_that_are_declared(tmp_path) -> None:
    from hisbridge.pipeline.spec import load_feed_spec

    (tmp_path / "t_item.sql").write_text(ITEM_SQL, encoding="utf-8")
    declaration = {"feed": "t_item", "title": "t", "platform": "echo", "window": "1h",
                   "sql": str(tmp_path / "t_item.sql"), "options": {"table": "item"}, "business_key": ["id"],
                   "fields": {"id": "id", "name": "name", "value": "value", "report_id": "report_id"},
                   "parents": [{"column": "report_id", "feed": "t_report"}]}
    (tmp_path / "t_item.yaml").write_text(json.dumps(declaration), encoding="utf-8")
    with pytest.raises(ValueError, match="parent feed 't_report' has no declaration"):
        load_feed_spec("t_item", tmp_path)
    (tmp_path / "t_report.yaml").write_text("{}", encoding="utf-8")
    assert load_feed_spec("t_item", tmp_path).parents[0].feed == "t_report"
