"""Every record upload of the workstation service goes through this outbox, kept in the ledger's ``call_journal``.

The five record uploads (提醒记录, 不互认记录, 调阅/互认记录, 引用记录, 撤销不互认) are evidence the province counts:
a reminder shown but never recorded is a reminder the hospital did not give. So an upload is

1. written to the journal as leaving (``outcome`` ``pending``, ``direction`` ``out``, the whole body as
   ``request``) **before** it is sent — a process that dies now leaves a ``pending`` entry, not nothing;
2. sent, and the entry completed with the answer: ``acknowledged``; ``rejected`` (the platform refused it: not
   sent again — the words are in ``err_msg``); or, when it may not have arrived, ``not_sent`` / ``unknown`` /
   ``busy`` / ``misconfigured``;
3. re-sent by :func:`resend_pending_records` (DAG ``mutual_record_resend``, every 10 minutes) while it is in one of
   those states. Re-sending is safe: every record carries its own GUID (remindId, mrId, reviewId, quoteId) and the
   platform keeps one record per GUID; a revoke whose 不互认 is already gone (A0404) counts as done.

The bodies hold no name and no ID number (patientId is the HIS's own id), so the journal keeps them whole, as
the evidence and as what a re-send sends. Logs carry the operation, entry id, outcome and counts only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import select

from hisbridge.ledger import schema as s
from hisbridge.ledger.store import JournalEntry, Ledger

log = logging.getLogger("hisbridge.mutual.service")

PLATFORM = "mutual"
#: the record uploads (op name → Chinese title for messages)
RECORD_OPS = {
    "uploadReminderRecords": "提醒记录",
    "uploadRecognitionRecord": "不互认记录",
    "uploadRetrievalRecord": "调阅记录",
    "uploadQuoteLog": "引用记录",
    "revokeNonRecognition": "撤销不互认",
}
#: the GUID field of each record body (the entry's msgid: how a record is found again)
GUID_FIELDS = {"uploadReminderRecords": "remindId", "uploadRecognitionRecord": "mrId",
               "uploadRetrievalRecord": "reviewId", "uploadQuoteLog": "quoteId"}
PENDING = "pending"
ACKNOWLEDGED = "acknowledged"
REJECTED = "rejected"
#: outcomes after which the record may not have reached the platform: the resender sends it again
RESENDABLE = (PENDING, "not_sent", "unknown", "busy", "misconfigured")


@dataclass(frozen=True)
class Posted:
    """What became of one upload: its journal entry, its outcome and a sentence for the doctor."""

    entry_id: int
    outcome: str
    message: str
    code: str | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome == ACKNOWLEDGED

    @property
    def refused(self) -> bool:
        return self.outcome == REJECTED


def _body_data(body: BaseModel | Sequence[BaseModel]) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", exclude_none=True)
    return [row.model_dump(mode="json", exclude_none=True) for row in body]


def _guid(op: str, data: Any) -> str | None:
    field = GUID_FIELDS.get(op)
    first = data[0] if isinstance(data, list) and data else data
    return str(first.get(field)) if field and isinstance(first, dict) and first.get(field) else None


class Outbox:
    def __init__(self, ledger: Ledger, client: Any, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.ledger = ledger
        self.client = client
        self.clock = clock

    def post(self, op: str, body: BaseModel | Sequence[BaseModel], *, caller: str | None,
             business_ref: str | None) -> Posted:
        """Journal ``body`` as leaving, then send it; never raises for a platform fault (the answer says it)."""
        if op not in RECORD_OPS:
            raise ValueError(f"{op} is not a record upload")
        data = _body_data(body)
        entry = self.ledger.journal(JournalEntry(
            platform=PLATFORM, operation=op, direction="out", outcome=PENDING, started_at=self.clock(),
            caller=caller, msgid=_guid(op, data), business_ref=business_ref,
            request=orjson.dumps(data).decode()))
        return self._send(entry, op, body)

    def resend(self, row: dict) -> Posted:
        """Send a journalled record again, exactly as it was first sent."""
        op = row["operation"]
        return self._send(row["id"], op, _rebuild(op, orjson.loads(row["request"])))

    def _send(self, entry: int, op: str, body: BaseModel | Sequence[BaseModel]) -> Posted:
        from hisbridge.platforms.mutual import errors as e

        started = time.monotonic()
        title = RECORD_OPS[op]
        values: dict[str, Any] = {}
        try:
            exchange = self.client.record(op, body)
        except e.NotFound as exc:
            if op == "revokeNonRecognition":  # nothing left to revoke: what the revoke wanted is true
                posted = Posted(entry, ACKNOWLEDGED, f"{title}已完成（平台上已无该不互认记录）", exc.code)
            else:
                posted = Posted(entry, REJECTED, f"平台拒收{title}：{exc.msg}", exc.code)
            values = _failure(exc)
        except e.Refused as exc:
            posted = Posted(entry, REJECTED, f"平台拒收{title}：{exc.msg}", exc.code)
            values = _failure(exc)
        except e.Busy as exc:
            posted = Posted(entry, "busy", f"平台繁忙，{title}已保存，稍后自动补传")
            values = _failure(exc)
        except e.Misconfigured as exc:
            posted = Posted(entry, "misconfigured", f"平台认证失败（请联系信息科检查连接配置），{title}已保存，修复后自动补传")
            values = _failure(exc)
        except e.OutcomeUnknown as exc:
            posted = Posted(entry, "unknown", f"平台未应答，{title}已保存，稍后自动补传")
            values = _failure(exc)
        except e.NotSent as exc:
            posted = Posted(entry, "not_sent", f"平台暂不可用，{title}已保存，稍后自动补传")
            values = _failure(exc)
        except e.MutualError as exc:  # any other platform fault: kept for the resender
            posted = Posted(entry, "unknown", f"平台异常，{title}已保存，稍后自动补传")
            values = _failure(exc)
        else:
            posted = Posted(entry, ACKNOWLEDGED, f"{title}已上传", "00000")
            values = _exchange(exchange)
        values |= {"outcome": posted.outcome, "duration_ms": round((time.monotonic() - started) * 1000)}
        if posted.code:
            values.setdefault("platform_code", posted.code)
        self.ledger.journal_update(entry, **{k: v for k, v in values.items() if v is not None})
        level = logging.INFO if posted.outcome in (ACKNOWLEDGED, REJECTED) else logging.WARNING
        log.log(level, "mutual %s entry=%d %s in %dms", op, entry, posted.outcome, values["duration_ms"])
        return posted


def _exchange(exchange: Any) -> dict[str, Any]:
    if exchange is None:
        return {}
    # ``request`` stays the body as journalled: it is what a re-send rebuilds the records from
    return {"response": getattr(exchange, "response_text", None),
            "http_status": getattr(exchange, "status", None), "platform_ref": getattr(exchange, "request_id", None)}


def _failure(exc: Exception) -> dict[str, Any]:
    values = _exchange(getattr(exc, "exchange", None))
    values["err_msg"] = str(getattr(exc, "msg", None) or exc)[:2000]
    if getattr(exc, "code", None):
        values["platform_code"] = str(exc.code)  # type: ignore[attr-defined]
    return values


def _rebuild(op: str, data: Any) -> BaseModel | list[BaseModel]:
    """The record models of a journalled body (the catalogue says which model and whether it is a list)."""
    from hisbridge.platforms.mutual.catalogue import OPERATIONS

    operation = OPERATIONS[op]
    if operation.many:
        return [operation.body.model_validate(row) for row in data]
    return operation.body.model_validate(data)


def resend_pending_records(ledger: Ledger, client: Any, *, older_than_s: float = 120, limit: int = 500,
                           clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> dict[str, int]:
    """Send again the record uploads not acknowledged — those still ``pending`` (a process died), or that met a
    fault (not sent, no answer, busy, misconfigured) — journalled more than ``older_than_s`` ago (so an upload
    still on the wire is left alone), oldest first, at most ``limit``. Returns counts by new outcome."""
    j = s.call_journal
    before = clock() - timedelta(seconds=older_than_s)
    q = (select(j.c.id, j.c.operation, j.c.request)
         .where(j.c.platform == PLATFORM, j.c.direction == "out", j.c.operation.in_(list(RECORD_OPS)),
                j.c.outcome.in_(RESENDABLE), j.c.started_at < before)
         .order_by(j.c.id).limit(limit))
    with ledger.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    outbox = Outbox(ledger, client, clock=clock)
    counts: dict[str, int] = {}
    for row in rows:
        try:
            posted = outbox.resend(row)
        except Exception:  # a body that no longer validates: kept, counted, and the others still go
            log.exception("mutual resend of entry %d failed before sending", row["id"])
            counts["failed"] = counts.get("failed", 0) + 1
            continue
        counts[posted.outcome] = counts.get(posted.outcome, 0) + 1
    if rows:
        log.info("mutual record resend: %d entr(ies) — %s", len(rows),
                 ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return counts
