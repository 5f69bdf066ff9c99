"""Retention of old message bodies (ops/archive.py) on real databases, PostgreSQL and SQLite (the demo): bodies
older than the retention move to the archive compressed, the metadata rows stay, and a record page's data —
every message of the record with its request and answer — comes back exactly as before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.store import Ledger
from hisbridge.ops import archive
from tests.integration.ops.backup_support import FEED, NOW, build_ledger

BEFORE = archive.cutoff(NOW, 180)


@pytest.fixture(params=["postgres", "sqlite"])
def engine(request):
    url = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _record_page_data(ledger: Ledger) -> dict[int, list[dict]]:
    """What the record page shows of each record's messages (ledger_pages.record → Ledger.messages_for)."""
    return {r.id: ledger.messages_for(r.id) for r in ledger.records(FEED, limit=10_000)}


def test_old_bodies_move_to_the_archive_and_the_record_page_data_comes_back_identical(engine) -> None:
    made = build_ledger(engine)
    ledger = Ledger(engine)
    page_before = _record_page_data(ledger)
    journal_before = {e["id"]: (e["request"], e["response"]) for e in ledger.journal_entries(limit=100)}

    done = archive.archive_bodies(engine, BEFORE, actor="test", batch=4)

    assert done["delivery_message"].rows == len(made["old"]) == 6
    assert done["delivery_message"].batches == [4, 2]  # short transactions of at most ``batch`` rows
    assert done["call_journal"].rows == 2  # the two old answered calls; the in-flight one and the recent one stay
    assert done["delivery_message"].bytes_after < done["delivery_message"].bytes_before / 3
    m = s.delivery_message
    with engine.connect() as conn:
        old = conn.execute(select(m.c.msgid, m.c.request, m.c.response, m.c.request_headers, m.c.body_archive_id,
                                  m.c.outcome).where(m.c.msgid.in_(made["old"]))).all()
        recent = conn.execute(select(m.c.request, m.c.body_archive_id).where(m.c.msgid.in_(made["recent"]))).all()
        open_call = conn.execute(select(s.call_journal.c.request, s.call_journal.c.body_archive_id)
                                 .where(s.call_journal.c.msgid == "G-open")).one()
    # metadata in place, bodies gone from the hot row, a pointer to the archive
    assert {r.msgid for r in old} == set(made["old"]) and all(r.outcome for r in old)
    assert all(r.request is None and r.response is None and r.request_headers is None and r.body_archive_id
               for r in old)
    assert all(r.request is not None and r.body_archive_id is None for r in recent)
    assert open_call.request is not None and open_call.body_archive_id is None

    # the record page's data: without the archive the old bodies are missing; through it, identical to before
    page_after = _record_page_data(ledger)
    assert any(msg["request"] is None for msgs in page_after.values() for msg in msgs)
    restored = {rid: archive.with_bodies(engine, "delivery_message", msgs) for rid, msgs in page_after.items()}
    for rid, msgs in restored.items():
        assert [{k: v for k, v in msg.items() if k != "body_archived_at"} for msg in msgs] == page_before[rid]
    assert all(("body_archived_at" in msg) == (msg["msgid"] in made["old"])
               for msgs in restored.values() for msg in msgs)

    # one message by msgid or id, from either place
    body = archive.body_of(engine, "delivery_message", made["old"][0])
    assert body is not None and body.archived_at is not None and "selinfoDetail" in body.request
    assert body.request_headers == '{"x-tif-paasid":"hisbridge"}'
    assert archive.body_of(engine, "delivery_message", made["recent"][0]).archived_at is None
    for entry_id, (request, response) in journal_before.items():
        got = archive.body_of(engine, "call_journal", entry_id)
        assert (got.request, got.response) == (request, response)
    assert archive.body_of(engine, "delivery_message", "no-such-msgid") is None


def test_a_second_run_archives_nothing_and_counts_stay(engine) -> None:
    build_ledger(engine)
    assert archive.archive_bodies(engine, BEFORE, actor="test", dry_run=True)["delivery_message"].rows == 6
    archive.archive_bodies(engine, BEFORE, actor="test")
    again = archive.archive_bodies(engine, BEFORE, actor="test")
    assert {name: d.rows for name, d in again.items()} == {"delivery_message": 0, "call_journal": 0}
    st = archive.stats(engine)
    assert st["delivery_message"]["archived"] == 6 and st["delivery_message"]["hot"] == 6
    assert st["call_journal"]["archived"] == 2 and st["call_journal"]["hot"] == 2
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.delivery_message)).scalar() == 12


def test_a_damaged_archive_row_is_refused_not_shown(engine) -> None:
    made = build_ledger(engine)
    archive.archive_bodies(engine, BEFORE, actor="test")
    a = s.message_body_archive
    with engine.begin() as conn:
        first = conn.execute(select(a.c.id, a.c.body).order_by(a.c.id).limit(1)).one()
        import zlib

        conn.execute(update(a).where(a.c.id == first.id).values(body=zlib.compress(b'{"request":"forged"}')))
    with pytest.raises(archive.ArchiveIntegrityError):
        archive.body_of(engine, "delivery_message", made["old"][0])


def test_the_cutoff_is_the_runs_not_todays() -> None:
    assert archive.cutoff(NOW, 180).isoformat() == "2026-05-28T02:00:00+00:00"
    with pytest.raises(ValueError):
        archive.cutoff(NOW, 0)


def test_the_command_line_archives_and_shows_a_masked_body(pg_url, capsys) -> None:
    made = build_ledger(make_engine(pg_url))
    assert archive.main(["--url", pg_url, "run", "--after-days", "1", "--dry-run"]) == 0
    assert "would be archived" in capsys.readouterr().out
    assert archive.main(["--url", pg_url, "run", "--after-days", "100"]) == 0  # from today: March is older
    out = capsys.readouterr().out
    assert "delivery_message: archived 6 row(s)" in out and "KiB →" in out  # late November's: not yet
    assert archive.main(["--url", pg_url, "show", "--msgid", made["old"][0]]) == 0
    shown = capsys.readouterr().out
    assert "bodies archived" in shown and "selinfoDetail" in shown and "张三" not in shown
