"""A platform that lives only under tests/ (``echo``: delete by id, unordered, two messages in flight) goes
through the same pipeline as 医保, registered by the environment: adding a push platform touches no file in
``pipeline/`` or ``ledger/``.

The HIS is a tiny SQLite file made here; the ledger is PostgreSQL (and SQLite, as in the demo). Every test ends
with the platform holding exactly the HIS's rows that are not voided.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, insert, select, update

import hisbridge
from hisbridge.db import make_engine
from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import Ledger
from hisbridge.pipeline.platform import DeliveryHalted
from hisbridge.pipeline.run import FeedSummary, RunSettings, run_feed
from hisbridge.pipeline.spec import FeedSpec, load_feed_spec
from tests.support.echo_platform import CORRECTION_REFUSAL, REFUSAL, REFUSE, EchoSender

FEEDS_DIR = Path(__file__).resolve().parents[2] / "support" / "feeds"
FEED, TABLE = "echo_lab_item", "lab_item"
WINDOW = (datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 0))

his_meta = MetaData()
lab_item = Table(
    "lab_item", his_meta,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("value", String(20), nullable=False),
    Column("voided", Integer, nullable=False),
    Column("changed_at", DateTime, nullable=False),
)
ROWS = [  # id 6 was voided in the HIS before any run saw it
    (1, "葡萄糖", "5.2"), (2, "血红蛋白", "135"), (3, "白细胞计数", "6.1"), (4, "血小板计数", "210"),
    (5, "总胆固醇", "4.8"), (6, "甘油三酯", "1.3"),
]


@pytest.fixture(autouse=True)
def echo_registered(monkeypatch) -> None:
    monkeypatch.setenv("HISBRIDGE_PLATFORMS", json.dumps({"echo": "tests.support.echo_platform:PLATFORM"}))


@pytest.fixture
def spec(echo_registered) -> FeedSpec:
    return load_feed_spec(FEED, FEEDS_DIR)


@pytest.fixture
def his(tmp_path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'his.db'}")
    his_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(lab_item), [
            {"id": i, "name": name, "value": value, "voided": int(i == 6), "changed_at": datetime(2026, 3, 2, 8, i)}
            for i, name, value in ROWS])
    return engine


@pytest.fixture(params=["postgres", "sqlite"], ids=["pg-ledger", "sqlite-ledger"])
def ledger(request) -> Ledger:
    url = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    return ledger


@pytest.fixture
def sender() -> EchoSender:
    return EchoSender()


def run(spec: FeedSpec, his: Engine, ledger: Ledger, sender: EchoSender, run_id: str) -> FeedSummary:
    # two rows a message, so that several messages are in flight at once (the platform allows two)
    return run_feed(spec, his, ledger, sender, WINDOW, RunSettings(run_id=run_id, batch_size=2))


def change(his: Engine, row_id: int, **values) -> None:
    with his.begin() as conn:
        conn.execute(update(lab_item).where(lab_item.c.id == row_id).values(
            **values, changed_at=datetime(2026, 3, 2, 8, 30)))


def his_rows(his: Engine) -> dict[str, dict]:
    with his.connect() as conn:
        rows = conn.execute(select(lab_item).where(lab_item.c.voided == 0)).all()
    return {str(r.id): {"id": r.id, "name": r.name, "value": r.value} for r in rows}


def assert_platform_is_the_his(sender: EchoSender, his: Engine) -> None:
    assert sender.held(TABLE) == his_rows(his)


def state(ledger: Ledger, key: str):
    return ledger.lookup(FEED, [key])[key]


def corrections(ledger: Ledger) -> list[dict]:
    return [m for m in ledger.messages(FEED) if m["purpose"] == "correct"]


def test_first_run_delivers_every_row_and_a_rerun_sends_nothing(spec, his, ledger, sender) -> None:
    first = run(spec, his, ledger, sender, "first")
    assert (first.selected, first.acknowledged, first.withdrawn, first.messages) == (6, 5, 1, 3)
    assert first.balanced() and first.halted is None
    assert_platform_is_the_his(sender, his)
    assert state(ledger, "6").state == ls.WITHDRAWN  # voided before it was ever sent: no message for it
    assert sender.operations(TABLE, "6") == []

    again = run(spec, his, ledger, sender, "again")
    assert (again.selected, again.skipped, again.messages) == (6, 5, 0)
    assert again.balanced()
    assert len(ledger.messages(FEED)) == 3
    assert_platform_is_the_his(sender, his)


def test_changed_row_is_deleted_by_id_then_sent_again(spec, his, ledger, sender) -> None:
    run(spec, his, ledger, sender, "first")
    change(his, 3, value="7.4")

    summary = run(spec, his, ledger, sender, "after-change")
    assert (summary.acknowledged, summary.skipped, summary.messages) == (1, 4, 2)
    assert summary.balanced()
    assert sender.held(TABLE)["3"]["value"] == "7.4"
    assert sender.operations(TABLE, "3") == ["upload", "delete", "upload"]
    [correction] = corrections(ledger)
    assert (correction["operation"], correction["outcome"]) == ("delete", ls.ACKNOWLEDGED)
    assert state(ledger, "3").state == ls.ACKNOWLEDGED
    assert_platform_is_the_his(sender, his)


def test_row_voided_after_delivery_is_deleted_and_withdrawn(spec, his, ledger, sender) -> None:
    run(spec, his, ledger, sender, "first")
    change(his, 2, voided=1)

    summary = run(spec, his, ledger, sender, "after-void")
    assert (summary.withdrawn, summary.skipped, summary.messages) == (2, 4, 1)  # ids 2 and 6
    assert "2" not in sender.held(TABLE)
    [correction] = corrections(ledger)
    assert state(ledger, "2").state == ls.WITHDRAWN
    assert state(ledger, "2").last_msgid == correction["msgid"]
    assert_platform_is_the_his(sender, his)


def test_refused_row_is_rejected_with_the_platforms_words_until_it_changes(spec, his, ledger, sender) -> None:
    change(his, 4, name=REFUSE)
    summary = run(spec, his, ledger, sender, "first")
    assert (summary.acknowledged, summary.rejected, summary.withdrawn) == (4, 1, 1)
    assert summary.reasons == {REFUSAL: 1} and summary.balanced()
    refused = state(ledger, "4")
    assert (refused.state, refused.reason) == (ls.REJECTED, REFUSAL)
    assert "4" not in sender.held(TABLE)

    assert run(spec, his, ledger, sender, "unchanged").rejected == 1  # not retried while the same
    assert sender.operations(TABLE, "4") == []

    change(his, 4, name="血小板计数")
    fixed = run(spec, his, ledger, sender, "fixed")
    assert (fixed.acknowledged, fixed.messages) == (1, 1)  # never on the platform: sent without a correction
    assert corrections(ledger) == []
    assert_platform_is_the_his(sender, his)


def test_upload_that_times_out_after_storing_is_deleted_by_id_then_sent_once(spec, his, ledger, sender) -> None:
    sender.faults.upload_timeouts = 1
    with pytest.raises(DeliveryHalted, match="unknown"):
        run(spec, his, ledger, sender, "try1")
    unknown = [r.business_key for r in ledger.records(FEED, [ls.UNKNOWN])]
    assert len(unknown) == 2, "the timed-out message's rows are unknown, never pending"
    assert all(k in sender.held(TABLE) for k in unknown)  # the platform did store them: a blind re-send doubles

    final = run(spec, his, ledger, sender, "try2")
    assert final.halted is None and final.unknown == 0 and final.balanced()
    assert sorted(c["outcome"] for c in corrections(ledger)) == [ls.ACKNOWLEDGED] * 2
    for key in unknown:
        assert sender.operations(TABLE, key) == ["upload", "delete", "upload"]
        assert state(ledger, key).state == ls.ACKNOWLEDGED
    for key in set(his_rows(his)) - set(unknown):
        assert sender.operations(TABLE, key) == ["upload"]
    assert_platform_is_the_his(sender, his)


@pytest.mark.parametrize("how", ["changed", "voided"])
def test_refused_correction_keeps_the_record_unknown_until_a_later_run_corrects_it(
        spec, his, ledger, sender, how) -> None:
    run(spec, his, ledger, sender, "first")
    before = sender.held(TABLE)
    change(his, 3, **({"value": "7.4"} if how == "changed" else {"voided": 1}))
    sender.faults.refused_corrections = 1

    with pytest.raises(DeliveryHalted, match=re.escape(CORRECTION_REFUSAL)):
        run(spec, his, ledger, sender, "refused")
    assert state(ledger, "3").state == ls.UNKNOWN  # never rejected, never withdrawn: the platform still holds it
    assert sender.held(TABLE) == before
    [refusal] = corrections(ledger)
    assert (refusal["outcome"], refusal["err_msg"]) == (ls.REJECTED, CORRECTION_REFUSAL)
    assert ledger.requeue([state(ledger, "3").id], actor="ops", reason="try again") == []

    final = run(spec, his, ledger, sender, "after-fault")
    assert final.halted is None and final.unknown == 0 and final.balanced()
    assert state(ledger, "3").state == (ls.ACKNOWLEDGED if how == "changed" else ls.WITHDRAWN)
    assert_platform_is_the_his(sender, his)


@pytest.mark.parametrize("then", ["voided", "fixed"])
def test_delivered_row_that_turns_invalid_is_still_corrected_later(spec, his, ledger, sender, then) -> None:
    run(spec, his, ledger, sender, "first")
    change(his, 5, value="")  # fails validation: the delivered version is deleted, the record quarantined
    assert run(spec, his, ledger, sender, "invalid").quarantined == 1
    change(his, 5, **({"voided": 1} if then == "voided" else {"value": "4.9"}))
    run(spec, his, ledger, sender, then)
    assert sender.operations(TABLE, "5") == ["upload", "delete"] + (["upload"] if then == "fixed" else [])
    assert_platform_is_the_his(sender, his)


# Identifiers of the echo platform, not the English verb ("would echo the input" is prose in validate.py).
PLATFORM_NAMES = re.compile(r"""["']echo["']|\bEcho[A-Z_]\w*|echo_(platform|lab_item)|tests[./]support""")


def test_no_pipeline_or_ledger_file_names_the_echo_platform() -> None:
    package = Path(hisbridge.__file__).resolve().parent
    files = [p for d in ("pipeline", "ledger") for p in sorted((package / d).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts]
    assert len(files) > 10
    naming = [str(p.relative_to(package)) for p in files if PLATFORM_NAMES.search(p.read_text(encoding="utf-8"))]
    assert naming == []


def test_a_row_committed_after_its_window_was_read_is_caught_by_the_reread(spec, his, ledger, sender) -> None:
    # the next window reads 10 minutes back: id 7 changed at 08:59 but committed after 08:00–09:00 was read
    first = run(spec, his, ledger, sender, "r1")
    with his.begin() as conn:
        conn.execute(insert(lab_item).values(id=7, name="尿酸", value="350", voided=0,
                                             changed_at=datetime(2026, 3, 2, 8, 59)))
    later = (WINDOW[1], datetime(2026, 3, 2, 10, 0))
    missed = run_feed(spec, his, ledger, sender, later, RunSettings(run_id="r2"))
    assert first.acknowledged == 5 and missed.selected == 0 and "7" not in sender.held(TABLE)
    reread = spec.model_copy(update={"reread_s": 600})
    caught = run_feed(reread, his, ledger, sender, later, RunSettings(run_id="r3"))
    assert (caught.selected, caught.acknowledged, caught.skipped) == (1, 1, 0)
    assert sender.held(TABLE)["7"]["name"] == "尿酸"
    again = run_feed(reread, his, ledger, sender, (later[1], datetime(2026, 3, 2, 10, 5)), RunSettings(run_id="r4"))
    assert again.messages == 0  # nothing in 09:50–10:05 is new
