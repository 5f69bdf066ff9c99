"""A ledger with real records and messages, written through the Ledger API as the feeds write them: the data the
backup, restore and archive tests work on. Times are set by the ledger's clock, so some messages are old
(archivable) and some recent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from hisbridge.ledger import schema as s
from hisbridge.ledger.store import JournalEntry, Ledger, LedgerItem, MessageResult, RunContext, dumps

OLD = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # more than 180 days before NOW
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
FEED, PLATFORM = "hsa_trace_sale", "hsa"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


def _items(start: int, n: int) -> list[LedgerItem]:
    return [LedgerItem(f"S{k:06d}", f"hash-{k}", dumps({"sale": k, "trace": [f"8{k:019d}"], "qty": "1.00"}),
                       correction_key=f"B{k // 10}") for k in range(start, start + n)]


def build_ledger(engine: Engine, *, messages: int = 12, per_message: int = 25) -> dict[str, list[str]]:
    """Records in every final state, messages (half old, half recent), a quarantine, a re-queue, journal calls
    and a counter. Returns the msgids written, old and recent."""
    clock = Clock(OLD)
    ledger = Ledger(engine, clock=clock)
    ledger.ensure_schema()
    made: dict[str, list[str]] = {"old": [], "recent": []}
    for n in range(messages):
        if n == messages // 2:
            clock.at = NOW - timedelta(days=3)
        run = RunContext(run_id=f"scheduled__run{n}", window_start=datetime(2026, 11, 24, 8, n),
                         window_end=datetime(2026, 11, 24, 8, n + 1))
        items = _items(n * per_message, per_message)
        msgid = f"H36010000001{n:018d}"
        ticket = ledger.begin_message(feed=FEED, platform=PLATFORM, operation="3505A", purpose="upload",
                                      msgid=msgid, items=items, run=run)
        states = [s.ACKNOWLEDGED] * per_message
        errors: list[str | None] = [None] * per_message
        if n % 3 == 1:
            states[0], errors[0] = s.REJECTED, "追溯码已销售"
        request = dumps({"infno": "3505A", "msgid": msgid, "input": {"selinfoDetail": [
            {"fixmedins_bchno": i.business_key, "drug_trac_codg": f"8{n:019d}", "prsc_dr_name": "张三"}
            for i in items]}})
        ledger.finish_message(ticket, MessageResult(
            outcome="partial" if n % 3 == 1 else "acknowledged", row_states=states, row_errors=errors,
            platform_code="0", http_status=200, request=request, request_headers={"x-tif-paasid": "hisbridge"},
            response=dumps({"infcode": 0, "inf_refmsgid": f"R{n}", "output": {"result": "ok"}}),
            platform_ref=f"R{n}", duration_ms=120 + n), run)
        made["old" if clock.at < NOW - timedelta(days=180) else "recent"].append(msgid)
    run = RunContext(run_id="manual__quarantine")
    ledger.settle(FEED, PLATFORM, [LedgerItem("Q000001", "hash-q", dumps({"sale": "Q1"}), reason="数量不能为空")],
                  s.QUARANTINED, run)
    rejected = [r.id for r in ledger.records(FEED, [s.REJECTED])]
    ledger.requeue(rejected[:1], actor="王运维", reason="HIS 已更正")
    for k, at in enumerate((OLD, OLD + timedelta(hours=1), NOW - timedelta(days=1))):
        ledger.journal(JournalEntry(platform="hsa", operation="2207", direction="in", outcome="acknowledged",
                                    started_at=at, caller="his-ws-01", msgid=f"G{k}", business_ref=f"SETL{k}",
                                    request=dumps({"infno": "2207", "input": {"data": {"setl": k}}}),
                                    response=dumps({"infcode": 0, "output": {"setlinfo": {"setl_id": k}}}),
                                    duration_ms=80))
    # an old call never answered (a process died): its body may be needed to reverse it, never archived
    ledger.journal(JournalEntry(platform="hsa", operation="2207", direction="out", outcome="in_flight",
                                started_at=OLD, msgid="G-open", business_ref="SETL-open",
                                request=dumps({"infno": "2207", "input": {"data": {"setl": "open"}}})))
    ledger.next_value("hsa_msgid:20261124", 42)
    return made


def table_rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every ledger table, in primary-key order: what a restore must give back exactly."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for name, table in s.metadata.tables.items():
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out
