"""One feed run over one data window: extract → validate → plan against the ledger → correct → deliver → record.

Plain functions, no Airflow: the operator, the demo and the tests all call :func:`run_feed`.

Decisions per extracted record (docs/adr/0003-unknown-outcomes-are-withdrawn-with-3507-then-re-sent.md):

================================  ==========================================================================
ledger says / HIS says            action
================================  ==========================================================================
acknowledged, same content        skipped — never sent twice
acknowledged, content changed     withdraw its correction key (3507), then upload the new content
unknown or sent (no answer)       withdraw its correction key (3507; "not found" = nothing there), then upload
voided, on the platform           withdraw; the record becomes ``withdrawn``
voided, never on the platform     ``withdrawn`` without a message
fails validation                  ``quarantined`` with the reasons; the rest of the chunk goes on
rejected, same content            stays rejected — not retried until the data changes or ops re-queue it
anything else                     upload (new, pending/re-queued, rejected-then-changed, quarantined-now-fixed)
================================  ==========================================================================

A withdrawal removes every record of that correction key (3507 deletes by batch number and data type), so the
other records of the key that the platform held are re-sent from the ledger's stored payload in the same run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine

from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import REUPLOAD, Ledger, LedgerItem, RunContext
from hisbridge.pipeline.deliver import (
    TRANSIENT_OUTCOMES,
    DeliveryHalted,
    DeliveryMisconfigured,
    Mode,
    Outbox,
    batches,
)
from hisbridge.pipeline.extract import SourceRecord, extract_records
from hisbridge.pipeline.mapping import MappingError, map_record
from hisbridge.pipeline.spec import FeedSpec, all_feed_ids, cached_feed_spec
from hisbridge.pipeline.validate import Checked, validate_rows

log = logging.getLogger("hisbridge.pipeline")


@dataclass
class FeedSummary:
    """Counts for one run; ``selected`` = the sum of the per-state counts (design.md invariant 1)."""

    feed: str
    window_start: str
    window_end: str
    mode: str
    selected: int = 0
    acknowledged: int = 0
    rejected: int = 0
    quarantined: int = 0
    unknown: int = 0
    skipped: int = 0
    withdrawn: int = 0
    pending: int = 0
    resent_from_ledger: int = 0
    messages: int = 0
    seconds: float = 0.0
    halted: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def balanced(self) -> bool:
        parts = (self.acknowledged + self.rejected + self.quarantined + self.unknown + self.skipped
                 + self.withdrawn + self.pending)
        return parts == self.selected


def content_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass
class _Send:
    key: str
    model: BaseModel
    payload: dict[str, Any]
    correction_key: str | None
    counted: bool  # part of this window's selection (False: a sibling re-sent from the ledger)
    spec: FeedSpec | None = None  # another feed's record removed by the same withdrawal (None: this feed)


def deletion_scope(spec: FeedSpec) -> list[FeedSpec]:
    """Feeds whose records one withdrawal removes: same platform, delete transaction and data type (3507 deletes
    sales and sale returns of a batch together). This feed first, then by transaction number."""
    if not spec.txn.delete:
        return [spec]
    others = []
    for feed in all_feed_ids():
        other = cached_feed_spec(feed)
        if other.feed != spec.feed and (other.platform, other.txn.delete, other.txn.inv_data_type) == (
                spec.platform, spec.txn.delete, spec.txn.inv_data_type):
            others.append(other)
    return [spec, *sorted(others, key=lambda o: o.txn.single)]


class _FeedRun:
    def __init__(self, spec: FeedSpec, ledger: Ledger, outbox: Outbox, run: RunContext, mode: Mode,
                 batch_size: int, summary: FeedSummary) -> None:
        self.spec, self.ledger, self.outbox, self.run = spec, ledger, outbox, run
        self.mode, self.batch_size, self.summary = mode, batch_size, summary
        self.model_cls = outbox.model_for(spec)
        self.reasons: Counter[str] = Counter()

    # -- one chunk ----------------------------------------------------------------------------------------
    def process(self, records: list[SourceRecord]) -> None:
        spec, s = self.spec, self.summary
        s.selected += len(records)
        mapped = [self._mapped(r) for r in records]
        self.outbox.remember_pii(spec, [c.wire for c in mapped])
        checked = validate_rows(spec, self.model_cls, mapped)
        prior = self.ledger.lookup(spec.feed, [c.record.key for c in checked])

        quarantine: list[LedgerItem] = []
        void_quietly: list[LedgerItem] = []
        to_withdraw: dict[str, list[Checked]] = {}
        to_send: list[_Send] = []
        skipped_by_ck: dict[str, list[_Send]] = {}
        for c in checked:
            before = prior.get(c.record.key)
            on_platform = before is not None and before.state in (ls.ACKNOWLEDGED, ls.UNKNOWN, ls.SENT)
            ck = self._correction_key(c.wire)
            if c.record.voided:
                if on_platform and spec.txn.delete and ck:
                    to_withdraw.setdefault(ck, []).append(c)
                elif before is not None and before.state == ls.WITHDRAWN:
                    s.withdrawn += 1
                else:
                    void_quietly.append(self._item(c, "voided in the HIS before upload"))
                continue
            if not c.ok:
                quarantine.append(self._item(c, "; ".join(c.reasons)))
                self.reasons.update(c.reasons)
                continue
            payload = c.model.model_dump(mode="json", exclude_none=True)
            send = _Send(c.record.key, c.model, payload, ck, counted=True)
            digest = content_hash(payload)
            if before is not None and before.state == ls.ACKNOWLEDGED and before.content_hash == digest:
                s.skipped += 1
                if ck:
                    skipped_by_ck.setdefault(ck, []).append(send)
                continue
            if before is not None and before.state == ls.REJECTED and before.content_hash == digest:
                s.rejected += 1  # a refusal is not retried until the data changes or ops re-queue it
                continue
            if on_platform and spec.txn.delete and ck:
                to_withdraw.setdefault(ck, []).append(c)
            to_send.append(send)

        self.ledger.settle(spec.feed, self.outbox.platform, quarantine, ls.QUARANTINED, self.run)
        s.quarantined += len(quarantine)
        self.ledger.settle(spec.feed, self.outbox.platform, void_quietly, ls.WITHDRAWN, self.run)
        s.withdrawn += len(void_quietly)

        sending_keys = {x.key for x in to_send}
        withdrawals = list(to_withdraw.items())
        for n, (ck, triggers) in enumerate(withdrawals):
            if self._withdraw(ck, triggers, to_send, sending_keys, skipped_by_ck.get(ck, [])):
                continue
            # The platform did not confirm: what it may hold under these keys stays "unknown", never "pending",
            # so no later run uploads it again without withdrawing first.
            leftover = [t for _, group in withdrawals[n:] for t in group]
            keys = {t.record.key for t in leftover}
            to_send[:] = [x for x in to_send if x.key not in keys]
            self.ledger.settle(spec.feed, self.outbox.platform,
                               [self._item(t, "withdrawal not confirmed: run halted") for t in leftover],
                               ls.UNKNOWN, self.run)
            s.unknown += len(leftover)
            break
        self._deliver(to_send)

    def reupload_orphans(self) -> None:
        """Records an earlier withdrawal removed but a halted run did not upload again (they belong to other
        windows, so no re-run of their own window is needed: the next run of the feed takes them)."""
        orphans = self.ledger.awaiting_reupload(self.spec.feed)
        if not orphans:
            return
        self.summary.resent_from_ledger += len(orphans)
        self._deliver([
            _Send(r.business_key, self.model_cls.model_validate(r.payload_dict()), r.payload_dict(), r.correction_key,
                  counted=False)
            for r in orphans
        ])

    # -- corrections --------------------------------------------------------------------------------------
    def _withdraw(self, ck: str, triggers: list[Checked], to_send: list[_Send], sending_keys: set[str],
                  skipped_here: list[_Send]) -> bool:
        spec, s = self.spec, self.summary
        scope = deletion_scope(spec)
        held = [(other, rec) for other in scope
                for rec in self.ledger.on_platform_by_correction_key(other.feed, ck)]
        msgid = self.outbox.new_msgid()
        message_id = self.ledger.begin_message(
            feed=spec.feed, platform=self.outbox.platform, infno=spec.txn.delete or "", purpose="withdraw",
            msgid=msgid, items=[], run=self.run,
        )
        result = self.outbox.withdraw(spec, ck, msgid)
        self.ledger.finish_message(message_id, result, self.run)
        s.messages += 1
        if result.outcome in TRANSIENT_OUTCOMES or result.outcome == "refused_by_gateway":
            s.halted = f"{result.outcome} on {msgid}: {result.err_msg or ''}".strip()
            return False
        voided = [t for t in triggers if t.record.voided]
        if result.outcome != "acknowledged":
            reason = f"{spec.txn.delete} withdrawal refused: {result.err_msg}"
            refused = {t.record.key for t in triggers}
            self.ledger.settle(spec.feed, self.outbox.platform, [self._item(t, reason) for t in triggers],
                               ls.REJECTED, self.run, msgid=msgid)
            s.rejected += len(triggers)
            to_send[:] = [x for x in to_send if x.key not in refused]
            return True
        self.ledger.settle(spec.feed, self.outbox.platform,
                           [self._item(t, f"voided in the HIS, withdrawn by {msgid}") for t in voided],
                           ls.WITHDRAWN, self.run, msgid=msgid)
        s.withdrawn += len(voided)
        voided_keys = {t.record.key for t in voided}
        # Everything else the platform held under this key is gone too: upload it again.
        for sib in skipped_here:
            if sib.key not in sending_keys:
                s.skipped -= 1
                to_send.append(sib)
                sending_keys.add(sib.key)
        resend: dict[str, list[LedgerItem]] = {}
        for other, rec in held:
            mine = other.feed == spec.feed
            if mine and (rec.business_key in sending_keys or rec.business_key in voided_keys):
                continue
            payload = rec.payload_dict()
            model = self.outbox.model_for(other).model_validate(payload)
            to_send.append(_Send(rec.business_key, model, payload, ck, counted=False,
                                 spec=None if mine else other))
            if mine:
                sending_keys.add(rec.business_key)
            resend.setdefault(other.feed, []).append(LedgerItem(
                rec.business_key, rec.content_hash, payload, ck, f"{REUPLOAD} {msgid} of {ck}"))
        for feed, items in resend.items():
            self.ledger.settle(feed, self.outbox.platform, items, ls.PENDING, self.run, msgid=msgid)
            s.resent_from_ledger += len(items)
        return True

    # -- uploads ------------------------------------------------------------------------------------------
    def _deliver(self, to_send: list[_Send]) -> None:
        """Upload this feed's records, then other feeds' records a withdrawal removed (sales before returns)."""
        by_spec: dict[str, tuple[FeedSpec, list[_Send]]] = {}
        for x in to_send:
            target = x.spec or self.spec
            by_spec.setdefault(target.feed, (target, []))[1].append(x)
        plan = []
        for target, items in sorted(by_spec.values(), key=lambda e: (e[0].feed != self.spec.feed, e[0].txn.single)):
            groups = batches(items, self.mode, self.batch_size,
                             identity=lambda x, t=target: self.outbox.row_identity(t, x.model))
            plan.extend((target, g) for g in groups)
        self._send_groups(plan)

    def _send_groups(self, plan: list[tuple[FeedSpec, list[_Send]]]) -> None:
        s = self.summary
        for n, (spec, group) in enumerate(plan):
            if s.halted:
                for rest_spec, rest in plan[n:]:
                    self.ledger.settle(rest_spec.feed, self.outbox.platform,
                                       [self._send_item(x, "not sent: run halted") for x in rest], ls.PENDING,
                                       self.run)
                    s.pending += sum(1 for x in rest if x.counted)
                return
            infno = self.outbox.upload_infno(spec, self.mode)
            msgid = self.outbox.new_msgid()
            items = [self._send_item(x, None) for x in group]
            message_id = self.ledger.begin_message(
                feed=spec.feed, platform=self.outbox.platform, infno=infno, purpose="upload", msgid=msgid,
                items=items, run=self.run,
            )
            result = self.outbox.upload(spec, [x.model for x in group], self.mode, msgid)
            if result.outcome == "refused_by_gateway":
                result.row_states = [ls.PENDING] * len(group)
            self.ledger.finish_message(message_id, result, self.run)
            s.messages += 1
            for x, state, err in zip(group, result.row_states, result.row_errors, strict=True):
                if x.counted:
                    setattr(s, state, getattr(s, state) + 1)
                if err and state == ls.REJECTED:
                    self.reasons[err] += 1
            if result.outcome in TRANSIENT_OUTCOMES or result.outcome == "refused_by_gateway":
                s.halted = f"{result.outcome} on {msgid}: {result.err_msg or ''}".strip()

    # -- helpers ------------------------------------------------------------------------------------------
    def _mapped(self, record: SourceRecord) -> Checked:
        try:
            return Checked(record=record, wire=map_record(self.spec, record))
        except MappingError as exc:
            return Checked(record=record, wire={}, reasons=[str(exc)])

    def _correction_key(self, wire: dict[str, Any]) -> str | None:
        if not self.spec.correction_key:
            return None
        value = wire.get(self.spec.correction_key)
        return None if value in (None, "") else str(value)

    def _item(self, c: Checked, reason: str | None) -> LedgerItem:
        payload = c.model.model_dump(mode="json", exclude_none=True) if c.model is not None else _jsonable(c.wire)
        return LedgerItem(c.record.key, content_hash(payload), payload, self._correction_key(c.wire), reason)

    def _send_item(self, x: _Send, reason: str | None) -> LedgerItem:
        return LedgerItem(x.key, content_hash(x.payload), x.payload, x.correction_key, reason)


def _jsonable(wire: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(wire, default=str, ensure_ascii=False))


def lease_scope(spec: FeedSpec) -> str:
    """Feeds one withdrawal can touch run one at a time (see :func:`deletion_scope`)."""
    if spec.txn.delete:
        return f"{spec.platform}:{spec.txn.delete}:{spec.txn.inv_data_type}"
    return f"feed:{spec.feed}"


def _wait_for_lease(ledger: Ledger, scope: str, holder: str, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while not ledger.acquire_lease(scope, holder):
        if time.monotonic() >= deadline:
            raise DeliveryHalted(f"another run holds {scope}; this run will be retried")
        time.sleep(min(2.0, max(0.05, wait_s / 10)))


def run_feed(
    spec: FeedSpec, his: Engine, ledger: Ledger, outbox: Outbox, window_start: datetime, window_end: datetime, *,
    run_id: str, mode: Mode = "batch", batch_size: int = 200, chunk_size: int = 2000, actor: str = "hisbridge",
    raise_on_halt: bool = True, lease_wait_s: float = 300,
) -> FeedSummary:
    """Run ``spec`` over ``[window_start, window_end)`` (naive Asia/Shanghai local times, as the HIS keeps them).

    Raises :class:`DeliveryHalted` after a transport fault (so Airflow retries with back-off) once everything
    this run touched is in the ledger; :class:`DeliveryMisconfigured` when the gateway refuses our credentials.
    """
    started = time.monotonic()
    summary = FeedSummary(spec.feed, window_start.isoformat(sep=" "), window_end.isoformat(sep=" "), mode)
    run = RunContext(run_id=run_id, window_start=window_start, window_end=window_end, actor=actor)
    feed_run = _FeedRun(spec, ledger, outbox, run, mode, batch_size, summary)
    scope, holder = lease_scope(spec), f"{run_id}#{uuid.uuid4().hex[:8]}"
    _wait_for_lease(ledger, scope, holder, lease_wait_s)
    try:
        feed_run.reupload_orphans()
        for chunk in extract_records(his, spec, window_start, window_end, chunk_size=chunk_size):
            if summary.halted:
                break
            if not ledger.acquire_lease(scope, holder):  # renew; lost only if we stalled past the lease
                raise DeliveryHalted(f"{spec.feed}: lost the lease on {scope}; another run took over")
            feed_run.process(chunk)
            log.debug("%s: chunk of %d records done (ack %d, rejected %d, quarantined %d, skipped %d)",
                      spec.feed, len(chunk), summary.acknowledged, summary.rejected, summary.quarantined,
                      summary.skipped)
    finally:
        ledger.release_lease(scope, holder)
    summary.reasons = dict(feed_run.reasons.most_common(20))
    if summary.halted and "refused_by_gateway" in summary.halted:
        raise DeliveryMisconfigured(f"{spec.feed}: the gateway refused us ({summary.halted}); check the connection")
    summary.seconds = round(time.monotonic() - started, 3)
    log.log(logging.INFO if summary.selected or summary.messages else logging.DEBUG,
            "%s window %s → %s: %s", spec.feed, summary.window_start, summary.window_end,
            {k: v for k, v in summary.as_dict().items() if isinstance(v, int) and v})
    if summary.halted and raise_on_halt:
        raise DeliveryHalted(f"{spec.feed}: stopped sending after {summary.halted}; counts {summary.as_dict()}")
    return summary
