"""``python -m hisbridge ledger``: what ops read and do from a shell, on a ledger built through the Ledger API.

The ledger is a real database (a SQLite file, and once PostgreSQL); the CLI is called in-process with ``--url``.
"""

from __future__ import annotations

import signal
from datetime import datetime

import pytest
from sqlalchemy import select

import hisbridge.__main__ as entry
from hisbridge.db import make_engine
from hisbridge.ledger import schema as s
from hisbridge.ledger.cli import main
from hisbridge.ledger.store import Ledger, LedgerItem, MessageResult, RunContext, dumps

SALE, PURCHASE = "hsa_trace_sale", "hsa_trace_purchase"
# The pipeline stores windows as naive Asia/Shanghai wall-clock times (operators.local_naive).
RUN = RunContext(run_id="scheduled__2026-11-24T00:00:00+00:00", window_start=datetime(2026, 11, 24, 8),
                 window_end=datetime(2026, 11, 24, 9), actor="airflow:hsa_trace_sale.deliver#1")
LATER = RunContext(run_id="scheduled__2026-11-24T02:00:00+00:00", window_start=datetime(2026, 11, 24, 10),
                   window_end=datetime(2026, 11, 24, 11), actor="airflow:hsa_trace_purchase.deliver#1")
MSGID = "H36010000001202611240805010001"
REFUSAL = "追溯码已被其他机构销售"
ID_NUMBER, MOBILE = "360102198001010018", "13912345678"
PII_REASON = f"患者身份证号{ID_NUMBER}与联系电话{MOBILE}不符"


def _item(key: str, reason: str | None = None) -> LedgerItem:
    return LedgerItem(key, f"hash-{key}".ljust(64, "0"), dumps({"key": key}), correction_key="B1", reason=reason)


def build(url: str) -> dict[str, int]:
    """Records in every failure state plus acknowledged ones, in two feeds; returns business key → record id."""
    ledger = Ledger(make_engine(url))
    ledger.ensure_schema()
    ticket = ledger.begin_message(feed=SALE, platform="hsa", operation="3505A", purpose="upload", msgid=MSGID,
                                  items=[_item("S-ack"), _item("S-rej")], run=RUN)
    ledger.finish_message(ticket, MessageResult(
        outcome="partial", row_states=[s.ACKNOWLEDGED, s.REJECTED], row_errors=[None, REFUSAL], platform_code="0",
        http_status=200, request=dumps({"infno": "3505A", "input": {"selinfoDetail": [{"mdtrt_sn": "S-ack"}]}}),
        response='{"infcode": 0, "output": {"retRslt": [1, 0]}}', duration_ms=42), RUN)
    ticket = ledger.begin_message(feed=SALE, platform="hsa", operation="3505A", purpose="upload",
                                  msgid="H36010000001202611240806010002", items=[_item("S-unk")], run=RUN)
    ledger.finish_message(ticket, MessageResult(outcome="unknown", row_states=[s.UNKNOWN],
                                                row_errors=["read timeout after 30 s"]), RUN)
    ledger.settle(SALE, "hsa", [_item("S-quar", PII_REASON)], s.QUARANTINED, RUN)
    ledger.settle(PURCHASE, "hsa", [_item("P-quar", "批号为空")], s.QUARANTINED, LATER)
    ledger.settle(PURCHASE, "hsa", [_item("P-ack")], s.ACKNOWLEDGED, LATER)
    return {r.business_key: r.id for r in ledger.records(limit=100)}


def states(url: str) -> dict[str, str]:
    return {r.business_key: r.state for r in Ledger(make_engine(url)).records(limit=100)}


@pytest.fixture
def ids(sqlite_url) -> dict[str, int]:
    return build(sqlite_url)


def run_cli(capsys, url: str, *args: str) -> tuple[int, str, str]:
    code = main(["--url", url, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_summary_shows_each_feed_with_its_counts_per_state(capsys, sqlite_url, ids) -> None:
    code, out, _ = run_cli(capsys, sqlite_url, "summary")
    assert code == 0
    header, *rows = out.splitlines()
    columns = header.split()
    assert columns == ["feed", "acknowledged", "rejected", "quarantined", "unknown"]  # only states in use
    table = {r.split()[0]: dict(zip(columns[1:], map(int, r.split()[1:]), strict=True)) for r in rows}
    assert table == {
        PURCHASE: {"acknowledged": 1, "rejected": 0, "quarantined": 1, "unknown": 0},
        SALE: {"acknowledged": 1, "rejected": 1, "quarantined": 1, "unknown": 1},
    }


def test_summary_of_one_feed_and_of_an_empty_ledger(capsys, sqlite_url, tmp_path, ids) -> None:
    _, out, _ = run_cli(capsys, sqlite_url, "summary", "--feed", PURCHASE)
    assert PURCHASE in out and SALE not in out
    code, out, _ = run_cli(capsys, f"sqlite:///{tmp_path / 'empty.db'}", "summary")
    assert code == 0 and out.strip() == "ledger is empty"


def test_failures_lists_refused_quarantined_and_unknown_records_with_reasons(capsys, sqlite_url, ids) -> None:
    code, out, _ = run_cli(capsys, sqlite_url, "failures")
    assert code == 0
    lines = {line.split()[2]: line for line in out.splitlines()[1:]}  # business key → line
    assert set(lines) == {"S-rej", "S-unk", "S-quar", "P-quar"}  # never an acknowledged record
    assert f"{ids['S-rej']}" == lines["S-rej"].split()[0]
    assert "rejected" in lines["S-rej"] and REFUSAL in lines["S-rej"] and MSGID in lines["S-rej"]
    assert "unknown" in lines["S-unk"] and "read timeout after 30 s" in lines["S-unk"]
    assert "quarantined" in lines["P-quar"] and "批号为空" in lines["P-quar"]


def test_failures_filtered_by_feed_and_state(capsys, sqlite_url, ids) -> None:
    _, out, _ = run_cli(capsys, sqlite_url, "failures", "--feed", PURCHASE)
    assert [line.split()[2] for line in out.splitlines()[1:]] == ["P-quar"]
    _, out, _ = run_cli(capsys, sqlite_url, "failures", "--feed", SALE, "--state", "unknown")
    assert [line.split()[2] for line in out.splitlines()[1:]] == ["S-unk"]
    _, out, _ = run_cli(capsys, sqlite_url, "failures", "--feed", PURCHASE, "--state", "rejected")
    assert out.strip() == "no failures"


def test_reasons_with_an_id_number_or_a_mobile_number_are_printed_masked(capsys, sqlite_url, ids) -> None:
    for args in (["failures"], ["show", str(ids["S-quar"])]):
        _, out, _ = run_cli(capsys, sqlite_url, *args)
        assert ID_NUMBER not in out and MOBILE not in out
        assert "360*************18" in out and "139****5678" in out


def test_show_prints_the_record_its_messages_and_its_audit_events(capsys, sqlite_url, ids) -> None:
    code, out, _ = run_cli(capsys, sqlite_url, "show", str(ids["S-rej"]))
    assert code == 0
    head, window, reason, messages, message, events, *event_lines = out.splitlines()
    assert f"record {ids['S-rej']}" in head and SALE in head and "S-rej" in head and "state rejected" in head
    assert "2026-11-24 08:00:00" in window and "2026-11-24 09:00:00" in window and "correction key B1" in window
    assert REFUSAL in reason
    assert messages.strip() == "messages:" and events.strip() == "events:"
    assert MSGID in message and "3505A" in message and "upload" in message and "partial" in message
    assert "rejected" in message and REFUSAL in message
    assert [e.split("by")[0].split()[-3:] for e in event_lines] == [["-", "→", "sent"], ["sent", "→", "rejected"]]
    assert all("by airflow:hsa_trace_sale.deliver#1" in e for e in event_lines)


def test_show_of_an_unknown_id_exits_1(capsys, sqlite_url, ids) -> None:
    code, out, _ = run_cli(capsys, sqlite_url, "show", "999999")
    assert code == 1 and "no record 999999" in out


def test_requeue_by_id_moves_only_refused_and_quarantined_records_to_pending(capsys, sqlite_url, ids) -> None:
    chosen = [ids[k] for k in ("S-rej", "S-quar", "S-unk", "S-ack")]
    code, out, _ = run_cli(capsys, sqlite_url, "requeue", "--id", *map(str, chosen), "--by", "药剂科-王工",
                           "--reason", "批号已在 HIS 更正")
    assert code == 0
    assert "re-queued 2 record(s)" in out
    assert states(sqlite_url) == {"S-ack": "acknowledged", "S-rej": "pending", "S-unk": "unknown",
                                  "S-quar": "pending", "P-quar": "quarantined", "P-ack": "acknowledged"}
    # runs are keyed by their window start, in Shanghai time whatever the CLI's default zone
    assert (f"airflow tasks clear {SALE} --start-date '2026-11-24T08:00:00+08:00' "
            "--end-date '2026-11-24T08:00:00+08:00' --yes") in out
    assert PURCHASE not in out
    ev = s.delivery_event.c
    with make_engine(sqlite_url).connect() as conn:
        trail = conn.execute(select(ev.record_id, ev.from_state, ev.to_state, ev.actor, ev.reason)
                             .where(ev.to_state == s.PENDING).order_by(ev.record_id)).all()
    assert [tuple(t) for t in trail] == [
        (ids["S-rej"], "rejected", "pending", "药剂科-王工", "re-queued by 药剂科-王工: 批号已在 HIS 更正"),
        (ids["S-quar"], "quarantined", "pending", "药剂科-王工", "re-queued by 药剂科-王工: 批号已在 HIS 更正"),
    ]


def test_requeue_by_feed_and_state(capsys, sqlite_url, ids) -> None:
    code, out, _ = run_cli(capsys, sqlite_url, "requeue", "--feed", PURCHASE, "--state", "quarantined",
                           "--by", "王工", "--reason", "fixed")
    assert code == 0 and "re-queued 1 record(s)" in out
    assert states(sqlite_url)["P-quar"] == "pending" and states(sqlite_url)["S-quar"] == "quarantined"
    assert f"airflow tasks clear {PURCHASE} --start-date '2026-11-24T10:00:00+08:00'" in out


def test_requeue_hints_only_at_the_windows_of_records_it_re_queued(capsys, sqlite_url, ids) -> None:
    _, out, _ = run_cli(capsys, sqlite_url, "requeue", "--id", str(ids["S-rej"]), str(ids["P-ack"]),
                        "--by", "王工", "--reason", "x")
    assert "re-queued 1 record(s)" in out and f"airflow tasks clear {SALE}" in out
    assert f"airflow tasks clear {PURCHASE}" not in out  # P-ack was left alone: nothing to re-run there


def test_requeue_that_changes_nothing_suggests_no_re_run(capsys, sqlite_url, ids) -> None:
    code, out, _ = run_cli(capsys, sqlite_url, "requeue", "--id", str(ids["S-ack"]), str(ids["S-unk"]),
                           "--by", "王工", "--reason", "x")
    assert code == 0 and "re-queued 0 record(s)" in out and "airflow tasks clear" not in out
    assert states(sqlite_url)["S-ack"] == "acknowledged" and states(sqlite_url)["S-unk"] == "unknown"


@pytest.mark.parametrize("selection", [[], ["--feed", SALE], ["--state", "rejected"]], ids=["none", "feed", "state"])
def test_requeue_without_ids_or_feed_and_state_exits_2_and_changes_nothing(capsys, sqlite_url, ids,
                                                                           selection) -> None:
    before = states(sqlite_url)
    code, out, err = run_cli(capsys, sqlite_url, "requeue", *selection, "--by", "王工", "--reason", "x")
    assert code == 2 and "requeue needs --id, or --feed with --state" in err and out == ""
    assert states(sqlite_url) == before


def test_requeue_refuses_acknowledged_as_a_state_and_needs_who_and_why(capsys, sqlite_url, ids) -> None:
    for args in (["requeue", "--feed", SALE, "--state", "acknowledged", "--by", "王工", "--reason", "x"],
                 ["requeue", "--id", str(ids["S-rej"]), "--reason", "x"]):
        with pytest.raises(SystemExit) as exc:
            main(["--url", sqlite_url, *args])
        assert exc.value.code == 2
    assert states(sqlite_url)["S-rej"] == "rejected"


def test_on_postgresql_summary_failures_and_requeue(capsys, pg_url) -> None:
    ids = build(pg_url)
    _, out, _ = run_cli(capsys, pg_url, "summary")
    assert [line.split() for line in out.splitlines()[1:]] == [[PURCHASE, "1", "0", "1", "0"],
                                                               [SALE, "1", "1", "1", "1"]]
    _, out, _ = run_cli(capsys, pg_url, "failures")
    assert sorted(line.split()[2] for line in out.splitlines()[1:]) == ["P-quar", "S-quar", "S-rej", "S-unk"]
    assert ID_NUMBER not in out and "360*************18" in out
    code, out, _ = run_cli(capsys, pg_url, "requeue", "--id", str(ids["S-rej"]), str(ids["S-unk"]),
                           "--by", "王工", "--reason", "fixed")
    assert code == 0 and "re-queued 1 record(s)" in out and f"airflow tasks clear {SALE}" in out
    assert states(pg_url)["S-rej"] == "pending" and states(pg_url)["S-unk"] == "unknown"


def test_on_postgresql_the_clear_hint_names_the_window_in_shanghai_time(capsys, pg_url) -> None:
    # the windows are Shanghai wall-clock; the hint must say so on PostgreSQL (server zone UTC) as on SQLite
    ids = build(pg_url)
    _, out, _ = run_cli(capsys, pg_url, "requeue", "--id", str(ids["S-rej"]), "--by", "王工", "--reason", "x")
    hint = next(line for line in out.splitlines() if "airflow tasks clear" in line)
    start = hint.split("--start-date '")[1].split("'")[0]
    assert datetime.fromisoformat(start) == datetime.fromisoformat("2026-11-24T08:00:00+08:00")


@pytest.fixture
def keep_sigpipe():
    """hisbridge.__main__ sets SIGPIPE to its default (for `| head`); give the test process its own back."""
    before = signal.getsignal(signal.SIGPIPE)
    yield
    signal.signal(signal.SIGPIPE, before)


def test_entry_point_without_a_command_prints_usage_and_exits_0(capsys, keep_sigpipe) -> None:
    assert entry.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m hisbridge {ledger|alerts|demo|queue-views|gateway|hsa-catalogue|cdc|mutual|city-brain|jiulonghu}")
    assert "投递台账" in out


def test_entry_point_with_an_unknown_command_prints_usage_and_exits_2(capsys, keep_sigpipe) -> None:
    assert entry.main(["ledgr"]) == 2
    assert "usage: python -m hisbridge" in capsys.readouterr().out


def test_entry_point_dispatches_ledger_to_its_cli(capsys, keep_sigpipe, sqlite_url, ids) -> None:
    assert entry.main(["ledger", "--url", sqlite_url, "failures", "--feed", PURCHASE]) == 0
    assert "P-quar" in capsys.readouterr().out
