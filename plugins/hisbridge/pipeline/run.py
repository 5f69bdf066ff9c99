"""One feed run over one data window: extract → map → validate → plan (pure) → correct → deliver → record.

Plain functions, no Airflow: the operator, the demo, the benchmark and the tests all call :func:`run_feed`.
What to do with each record is decided by :func:`hisbridge.pipeline.plan.plan_chunk`; this module carries the
plan out against the ledger and the platform's sender, and counts what became of each record of the window.

A feed may name parents (``parents`` in its YAML: a wire field holding the business key of another feed's
record); a record whose parent the platform has not acknowledged is quarantined with that reason, never sent.

Runs whose feeds one correction can touch (the platform's correction scope) hold one lease for the whole run,
so a correction never interleaves with another run's upload. A correction the platform does not confirm leaves
its records uncertain (``unknown``) and stops the run: Airflow retries later, and the retry corrects them first.
Docs: docs/adr/0003-unknown-outcomes-are-withdrawn-with-3507-then-re-sent.md,
docs/adr/0008-platforms-are-plug-ins-and-the-pipeline-plans-before-it-acts.md.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

import orjson
from sqlalchemy import Engine

from hisbridge.ledger import schema as ls
from hisbridge.ledger.store import REUPLOAD, LeaseBusy, Ledger, LedgerItem, MessageResult, RunContext, Ticket
from hisbridge.ops.windows import record_window
from hisbridge.pipeline.checks import compile_checks
from hisbridge.pipeline.extract import SourceRecord, count_records, extract_records, read_ahead
from hisbridge.pipeline.mapping import MappingError, map_record
from hisbridge.pipeline.plan import Action, Candidate, plan_chunk, settled
from hisbridge.pipeline.platform import (
    TRANSIENT_OUTCOMES,
    Capabilities,
    DeliveryHalted,
    DeliveryMisconfigured,
    Mode,
    Sender,
)
from hisbridge.pipeline.spec import FeedSpec, all_feed_ids, cached_feed_spec
from hisbridge.pipeline.validate import Checked, validate_rows

log = logging.getLogger("hisbridge.pipeline")

#: the final states a selected record can end a run in (design.md invariant 1)
FINAL_STATES = (ls.ACKNOWLEDGED, ls.REJECTED, ls.QUARANTINED, ls.UNKNOWN, "skipped", ls.WITHDRAWN, ls.PENDING)


#: a message recorded as leaving that a halt kept from leaving (recorded as not_sent, its records pending)
RECORDED_UNSENT = "recorded-unsent"


@dataclass(frozen=True)
class RunSettings:
    """How one run goes about its window (the window itself is the run's input)."""

    run_id: str
    mode: Mode = "batch"
    batch_size: int = 200
    chunk_size: int = 2000
    actor: str = "hisbridge"
    #: raise DeliveryHalted after a transport fault (the operator lets Airflow retry); the demo reports instead
    raise_on_halt: bool = True
    lease_wait_s: float = 300
    #: at most this many messages in flight (bounded again by the platform's capabilities)
    in_flight: int = 4


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
    in_flight_resolved: int = 0
    seconds: float = 0.0
    halted: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def balanced(self) -> bool:
        return sum(getattr(self, state) for state in FINAL_STATES) == self.selected


@dataclass
class _Send:
    key: str
    payload: dict[str, Any]
    text: str
    digest: str
    correction_key: str | None
    counted: bool  # one of this window's records (False: a record re-sent from the ledger)
    source_hash: str | None = None


class _Tally:
    """The run's counts, bumped in one place: where a record's final state is decided."""

    def __init__(self) -> None:
        self.states: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.messages = 0
        self.resent = 0

    def final(self, state: str, n: int = 1) -> None:
        self.states[state] += n


def scope_feeds(spec: FeedSpec) -> list[FeedSpec]:
    """The feeds one correction of ``spec`` can touch: this feed first, then the others of its scope."""
    return [spec, *(cached_feed_spec(f) for f in _scope_members(spec.platform, _scope(spec)) if f != spec.feed)]


def _scope(spec: FeedSpec) -> str:
    from hisbridge.platforms.registry import platform

    return platform(spec.platform).correction_scope(spec)


@cache
def _scope_members(platform_name: str, scope: str) -> tuple[str, ...]:
    members = [f for f in all_feed_ids() if (s := cached_feed_spec(f)).platform == platform_name
               and _scope(s) == scope]
    return tuple(members)


class _FeedRun:
    def __init__(self, spec: FeedSpec, ledger: Ledger, sender: Sender, caps: Capabilities, run: RunContext,
                 settings: RunSettings, tally: _Tally, scope: list[FeedSpec]) -> None:
        self.spec, self.ledger, self.sender, self.caps, self.run = spec, ledger, sender, caps, run
        self.mode: Mode = caps.mode(settings.mode)
        self.batch_size = caps.batch_size(self.mode, settings.batch_size)
        self.tally = tally
        self.scope = scope
        self.halted: str | None = None
        self.model_cls = sender.model_for(spec)
        self.checks = compile_checks(spec)
        self.personal = tuple(sender.personal_fields(spec))
        from hisbridge.platforms.registry import platform

        self.platform_title = platform(spec.platform).title
        # what a record's source hash also covers: a change of the declaration or the model re-decides every record
        self.fingerprint = hashlib.sha256(spec.model_dump_json().encode())
        self.fingerprint.update(orjson.dumps(self.model_cls.model_json_schema(mode="serialization"), default=str))
        self.sources: dict[str, str] = {}
        # Messages are queued to sender threads so that extraction and validation of what comes next overlap
        # with the wire and the ledger. An ordered platform gets one thread: it sends in queue order.
        workers = 1 if caps.ordered else max(1, min(settings.in_flight, caps.max_in_flight))
        # Up to two chunks' messages wait in the queue, so the stages work through this chunk while the next one
        # is extracted and validated; memory stays bounded by the chunk size, whatever the window's size.
        self.depth = max(1, settings.in_flight, 2 * -(-settings.chunk_size // self.batch_size))
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"send-{spec.feed}")
        self.stop = threading.Event()  # set by the first transient fault: queued messages are then not sent
        self.in_flight: deque[tuple[FeedSpec, list[_Send], Future[tuple[Ticket, MessageResult] | str | None]]] = deque()
        self.beginner = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"begin-{spec.feed}")
        self.recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"record-{spec.feed}")
        self.recording: deque[Future[None]] = deque()
        # each stage thread writes on one connection of its own for the whole run
        self.beginner.submit(ledger.pin).result()
        self.recorder.submit(ledger.pin_answers).result()
        #: set by run_feed for a feed that reports progress (``progress: true``)
        self.progress: Progress | None = None

    # -- one chunk ----------------------------------------------------------------------------------------
    def process(self, records: list[SourceRecord]) -> None:
        self.sources = {r.key: self._source_hash(r) for r in records}
        prior = self.ledger.priors(self.spec.feed, self.sources)
        fresh = []
        for r in records:
            action = settled(self.sources[r.key], prior.get(r.key))
            if action is Action.SKIP:
                self.tally.final("skipped")
            elif action is Action.KEEP_REJECTED:
                self.tally.final(ls.REJECTED)
            elif action is Action.QUARANTINE and not self.spec.parents:  # as bad as when its reasons were recorded
                self.tally.final(ls.QUARANTINED)
            else:
                fresh.append(r)
        if not fresh:
            return
        checked = validate_rows(self.model_cls, self.checks, [self._mapped(r) for r in fresh])
        if self.spec.parents:
            self._check_parents(checked)
        _remember_personal(self.personal, checked)
        by_key = {c.record.key: c for c in checked}
        plan = plan_chunk([self._candidate(c) for c in checked], prior, self.caps.correction,
                          unsent_may_exist=self.caps.unsent_may_exist, resend_unknown=self.caps.resend_unknown)

        quarantine = [self._item(by_key[k], "; ".join(by_key[k].reasons)) for k in plan.keys(Action.QUARANTINE)]
        for k in plan.keys(Action.QUARANTINE):
            self.tally.reasons.update(by_key[k].reasons)
        self._settle(quarantine, ls.QUARANTINED)
        self._settle([self._item(by_key[k], "voided in the HIS before upload") for k in plan.keys(Action.VOID_QUIETLY)],
                     ls.WITHDRAWN)
        refused = [self._item(by_key[k], plan.decisions[k].reason) for k in plan.keys(Action.REFUSE)]
        self._settle(refused, ls.REJECTED)
        self.tally.final("skipped", len(plan.keys(Action.SKIP)))
        self.tally.final(ls.REJECTED, len(plan.keys(Action.KEEP_REJECTED)))
        self.tally.final(ls.WITHDRAWN, len(plan.keys(Action.ALREADY_WITHDRAWN)))

        to_send = [self._send(by_key[k]) for k in plan.keys(Action.SEND, Action.CORRECT_THEN_SEND)]
        extra: list[tuple[FeedSpec, _Send]] = []
        if plan.corrections:
            self.drain()  # a correction may remove records still in flight: let every answer land first
            for n, (target, keys) in enumerate(plan.corrections.items()):
                if self.halted:
                    self._uncertain([k for _, ks in list(plan.corrections.items())[n:] for k in ks], by_key,
                                    to_send, "not corrected: run halted")
                    break
                siblings = [self._send(by_key[k]) for k in plan.siblings.get(target, [])]
                if not self._correct(target, [by_key[k] for k in keys], siblings, to_send, extra, plan):
                    self._uncertain(keys, by_key, to_send, f"correction {target} not confirmed: {self.halted}")
        self._deliver([(self.spec, x) for x in to_send] + extra)

    def _check_parents(self, checked: list[Checked]) -> None:
        """A record naming a parent that the platform has not acknowledged is not sent: it gets a reason (and is
        quarantined). One ledger look-up per parent feed per chunk; a parent delivered by an earlier task of the
        same DAG run counts, as its answers are in the ledger when that task ends. Voided records are not
        checked (a void removes, it needs no parent). A record quarantined only for its parent has an unchanged
        source, so feeds with parents re-decide their quarantined records on every run (see :meth:`process`):
        once the parent is there, a re-run of the window sends the child."""
        wanted: dict[str, set[str]] = {}
        for ref in self.spec.parents:
            keys = wanted.setdefault(ref.feed, set())
            keys.update(k for c in checked if not c.record.voided and (k := _parent_key(c.wire.get(ref.column))))
        held = {feed: {k for k, p in self.ledger.priors(feed, keys).items() if p.state == ls.ACKNOWLEDGED}
                for feed, keys in wanted.items() if keys}
        for c in checked:
            if c.record.voided:
                continue
            for ref in self.spec.parents:
                key = _parent_key(c.wire.get(ref.column))
                if key is not None and key not in held.get(ref.feed, ()):
                    c.reasons.append(f"父记录 {ref.label or ref.feed} id={key} 尚未上报{self.platform_title}")

    def reupload_orphans(self) -> None:
        """Records an earlier correction removed but a halted run did not upload again (they belong to other
        windows, so no re-run of their own window is needed: the next run of the feed takes them)."""
        orphans = self.ledger.awaiting_reupload(self.spec.feed)
        if orphans:
            self.tally.resent += len(orphans)
            self._deliver([(self.spec, _Send(r.business_key, r.payload_dict(), r.payload, r.content_hash,
                                             r.correction_key, counted=False)) for r in orphans])

    # -- corrections --------------------------------------------------------------------------------------
    def _correct(self, target: str, triggers: list[Checked], siblings: list[_Send], to_send: list[_Send],
                 extra: list[tuple[FeedSpec, _Send]], plan) -> bool:
        """Send one correction; True when the platform confirmed it (then the records it removed are queued
        again), False when it did not (the run halts; the caller keeps the records uncertain)."""
        held = self._held(target) if self.caps.correction == "group_delete" else []
        result, msgid = self._message(self.spec, [], purpose="correct",
                                      operation=self.sender.correction_operation(self.spec),
                                      call=lambda m: self.sender.correct(self.spec, target, m))
        if result.outcome != ls.ACKNOWLEDGED:
            self._halt(result, msgid)
            return False
        voided = [c for c in triggers if plan.decisions[c.record.key].action is Action.CORRECT_VOID]
        self._settle([self._item(c, f"voided in the HIS, removed by {msgid}") for c in voided], ls.WITHDRAWN,
                     msgid=msgid)
        invalid = [c for c in triggers if plan.decisions[c.record.key].action is Action.CORRECT_THEN_QUARANTINE]
        for c in invalid:
            self.tally.reasons.update(c.reasons)
        self._settle([self._item(c, f"{'; '.join(c.reasons)} (old version removed by {msgid})") for c in invalid],
                     ls.QUARANTINED, msgid=msgid)
        sending = {x.key for x in to_send} | {c.record.key for c in voided + invalid}
        for sib in siblings:  # skipped in this chunk, but the correction removed them: send them again
            if sib.key not in sending:
                self.tally.final("skipped", -1)
                to_send.append(sib)
                sending.add(sib.key)
        resend: dict[str, tuple[FeedSpec, list[LedgerItem]]] = {}
        for other, rec in held:
            if other.feed == self.spec.feed and rec.business_key in sending:
                continue
            x = _Send(rec.business_key, rec.payload_dict(), rec.payload, rec.content_hash, target, counted=False)
            if other.feed == self.spec.feed:
                to_send.append(x)
                sending.add(x.key)
            else:
                extra.append((other, x))
            resend.setdefault(other.feed, (other, []))[1].append(
                LedgerItem(x.key, x.digest, x.text, target, f"{REUPLOAD} {msgid} of {target}"))
        for other, items in resend.values():
            self.ledger.settle(other.feed, other.platform, items, ls.PENDING, self.run, msgid=msgid)
            self.tally.resent += len(items)
        return True

    def _held(self, target: str) -> list[tuple[FeedSpec, Any]]:
        return [(other, rec) for other in self.scope
                for rec in self.ledger.on_platform_by_correction_key(other.feed, target)]

    def _uncertain(self, keys: list[str], by_key: dict[str, Checked], to_send: list[_Send], reason: str) -> None:
        """The platform may still hold these records: they stay ``unknown`` (never ``pending``, so no later run
        uploads them again without correcting first) and are not sent now."""
        dropped = set(keys)
        to_send[:] = [x for x in to_send if x.key not in dropped]
        self._settle([self._item(by_key[k], reason) for k in keys], ls.UNKNOWN)

    # -- uploads ------------------------------------------------------------------------------------------
    def _deliver(self, items: list[tuple[FeedSpec, _Send]]) -> None:
        """Upload this feed's records, then other feeds' records a correction removed."""
        by_feed: dict[str, tuple[FeedSpec, list[_Send]]] = {}
        for spec, x in items:
            by_feed.setdefault(spec.feed, (spec, []))[1].append(x)
        order = sorted(by_feed.values(), key=lambda e: (e[0].feed != self.spec.feed, e[0].feed))
        for spec, group_items in order:
            for group in batches(group_items, self.batch_size, partial(_identity, self.sender, spec)):
                if self.halted:
                    self._not_sent(spec, group)
                    continue
                self._submit(spec, group)

    def _submit(self, spec: FeedSpec, group: list[_Send]) -> None:
        while len(self.in_flight) >= self.depth:
            self._collect_one()
        if self.halted:
            self._not_sent(spec, group)
            return
        operation = self.sender.operation(spec, self.mode)
        # three stages, each in queue order: record the message as leaving, send it, record the answer — so the
        # next message is written to the ledger while this one is on the wire. A crash leaves every message
        # recorded but unanswered (up to the queue's depth) in_flight: all are resolved as unknown outcomes.
        begun = self.beginner.submit(self._begin_message, spec, group, operation)
        future = self.pool.submit(self._send_message, spec, group, begun)
        self.in_flight.append((spec, group, future))

    def _begin_message(self, spec: FeedSpec, group: list[_Send], operation: str) -> Ticket | None:
        if self.stop.is_set():
            return None
        return self.ledger.begin_message(
            feed=spec.feed, platform=spec.platform, operation=operation, purpose="upload", msgid=self.sender.new_msgid,
            items=[LedgerItem(x.key, x.digest, x.text, x.correction_key, None, x.source_hash) for x in group],
            run=self.run)

    def _send_message(self, spec: FeedSpec, group: list[_Send],
                      begun: Future[Ticket | None]) -> tuple[Ticket, MessageResult] | str | None:
        ticket = begun.result()
        if ticket is None:
            return None
        if self.stop.is_set():  # recorded as leaving, but an earlier message halted the run: it never left
            reason = "not sent: run halted"
            unsent = MessageResult("not_sent", [ls.PENDING] * len(group), [reason] * len(group), err_msg=reason)
            self.recording.append(self.recorder.submit(self.ledger.finish_message, ticket, unsent, self.run))
            return RECORDED_UNSENT
        result = self.sender.upload(spec, [x.payload for x in group], self.mode, ticket.msgid)
        if result.outcome == "refused_by_gateway":
            result.row_states = [ls.PENDING] * len(group)
        if result.outcome in TRANSIENT_OUTCOMES or result.outcome == "refused_by_gateway":
            self.stop.set()
        # The answer is recorded by its own thread while this one sends the next message; until it is, the
        # message stays in_flight and its records sent — what a crash would leave, and resolve, anyway.
        self.recording.append(self.recorder.submit(self.ledger.finish_message, ticket, result, self.run))
        return ticket, result

    def _collect_one(self) -> None:
        spec, group, future = self.in_flight.popleft()
        answered = future.result()
        if answered is None:  # queued behind a message that halted the run, never recorded
            self._not_sent(spec, group)
            return
        if answered == RECORDED_UNSENT:  # its records are already back to pending, by its answer
            self.tally.final(ls.PENDING, sum(1 for x in group if x.counted))
            return
        ticket, result = answered
        self.tally.messages += 1
        for x, state, err in zip(group, result.row_states, result.row_errors, strict=True):
            if x.counted:
                self.tally.final(state)
            if err and state == ls.REJECTED:
                self.tally.reasons[err] += 1
        if result.outcome in TRANSIENT_OUTCOMES or result.outcome == "refused_by_gateway":
            self._halt(result, ticket.msgid)
        if self.progress is not None:
            self.progress.report(self.tally)

    def drain(self) -> None:
        """Every queued message sent and its answer recorded."""
        while self.in_flight:
            self._collect_one()
        while self.recording:
            self.recording.popleft().result()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self.pool.shutdown(wait=True)
            for stage in (self.beginner, self.recorder):
                stage.submit(self.ledger.unpin)
                stage.shutdown(wait=True)

    def _not_sent(self, spec: FeedSpec, group: list[_Send]) -> None:
        items = [LedgerItem(x.key, x.digest, x.text, x.correction_key, "not sent: run halted") for x in group]
        self.ledger.settle(spec.feed, spec.platform, items, ls.PENDING, self.run)
        self.tally.final(ls.PENDING, sum(1 for x in group if x.counted))

    # -- helpers ------------------------------------------------------------------------------------------
    def _message(self, spec: FeedSpec, items: list[LedgerItem], *, purpose: str, operation: str,
                 call: Callable[[str], MessageResult]) -> tuple[MessageResult, str]:
        ticket = self.ledger.begin_message(feed=spec.feed, platform=spec.platform, operation=operation,
                                           purpose=purpose, msgid=self.sender.new_msgid, items=items, run=self.run)
        result = call(ticket.msgid)
        self.ledger.finish_message(ticket, result, self.run)
        self.tally.messages += 1
        return result, ticket.msgid

    def _halt(self, result: MessageResult, msgid: str) -> None:
        if not self.halted:
            self.halted = f"{result.outcome} on {msgid}: {result.err_msg or ''}".strip()

    def _settle(self, items: list[LedgerItem], state: str, *, msgid: str | None = None) -> None:
        self.ledger.settle(self.spec.feed, self.spec.platform, items, state, self.run, msgid=msgid)
        self.tally.final(state, len(items))

    def _mapped(self, record: SourceRecord) -> Checked:
        try:
            return Checked(record=record, wire=map_record(self.spec, record))
        except MappingError as exc:
            return Checked(record=record, wire=exc.wire, reasons=list(exc.problems))

    def _candidate(self, c: Checked) -> Candidate:
        return Candidate(c.record.key, c.record.voided, c.ok, c.digest, self._correction_key(c.wire))

    def _correction_key(self, wire: dict[str, Any]) -> str | None:
        if not self.spec.correction_key:
            return None
        value = wire.get(self.spec.correction_key)
        return None if value in (None, "") else str(value)

    def _item(self, c: Checked, reason: str | None) -> LedgerItem:
        return LedgerItem(c.record.key, c.digest or "", c.text or "{}", self._correction_key(c.wire), reason,
                          self.sources.get(c.record.key))

    def _send(self, c: Checked) -> _Send:
        assert c.payload is not None and c.text is not None and c.digest is not None
        return _Send(c.record.key, c.payload, c.text, c.digest, self._correction_key(c.wire), counted=True,
                     source_hash=self.sources.get(c.record.key))

    def _source_hash(self, record: SourceRecord) -> str:
        digest = self.fingerprint.copy()
        digest.update(orjson.dumps(record.row, default=str))
        digest.update(orjson.dumps(record.lists, default=str))
        return digest.hexdigest()


class Progress:
    """The progress line of a long window (``progress: true`` in the feed's YAML), logged after every answered
    message: ``city_brain_history_bill 2026-10-03: 页 3/12，已确认 600/2317 条（26%）``.

    ``total`` is counted before the run (:func:`~hisbridge.pipeline.extract.count_records`); a page is
    ``batch_size`` records; "confirmed" counts the records the platform holds — acknowledged by this run or
    skipped as acknowledged before (so a resumed run starts where the killed one stopped, not at 0); the page
    number follows every record with a final state (quarantined and rejected ones too)."""

    def __init__(self, feed: str, window: tuple[datetime, datetime], total: int, batch_size: int,
                 logger: logging.Logger = log) -> None:
        self.feed, self.total, self.batch_size, self.log = feed, total, max(1, batch_size), logger
        self.label = window_label(*window)
        self.pages = -(-total // self.batch_size)
        self.last: tuple[int, int] | None = None

    def line(self, tally: _Tally) -> tuple[str, tuple[int, int]]:
        confirmed = tally.states[ls.ACKNOWLEDGED] + tally.states["skipped"]
        handled = sum(tally.states[state] for state in FINAL_STATES)
        page = min(self.pages, -(-handled // self.batch_size))
        pct = 100 if not self.total else min(100, round(100 * confirmed / self.total))
        return (f"{self.feed} {self.label}: 页 {page}/{self.pages}，已确认 {confirmed}/{self.total} 条（{pct}%）",
                (page, confirmed))

    def report(self, tally: _Tally) -> None:
        text, state = self.line(tally)
        if state != self.last:
            self.last = state
            self.log.info("%s", text)


def window_label(start: datetime, end: datetime) -> str:
    """``2026-10-03`` for a calendar day, ``2026-10-03 08:00 → 2026-10-03 08:02`` otherwise."""
    midnight = start.hour == start.minute == start.second == start.microsecond == 0
    if midnight and end - start == timedelta(days=1):
        return start.date().isoformat()
    return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}"


def batches(items: Sequence[_Send], size: int, identity: Callable[[_Send], Hashable | None]) -> list[list[_Send]]:
    """Split into messages of at most ``size``, never two rows of the same identity in one message: the
    platform's answer names failed rows by their fields, so twins could not be told apart."""
    if size == 1:
        return [[x] for x in items]
    out: list[list[_Send]] = []
    open_batches: list[tuple[list[_Send], set[Hashable]]] = []
    for item in items:
        key = identity(item)
        for rows, keys in open_batches:
            if len(rows) < size and key not in keys:
                rows.append(item)
                keys.add(key)
                break
        else:
            rows, keys = [item], {key}
            open_batches.append((rows, keys))
            out.append(rows)
        open_batches = [(r, k) for r, k in open_batches if len(r) < size][-4:]
    return out


def _parent_key(value: Any) -> str | None:
    """A parent's business key as the ledger holds it (extraction keys are the text of the SQL value)."""
    return None if value is None or value == "" else str(value)


def _identity(sender: Sender, spec: FeedSpec, x: _Send) -> Hashable | None:
    return sender.row_identity(spec, x.payload)


def _remember_personal(fields: Sequence[str], checked: Sequence[Checked]) -> None:
    """Let the log masker know this chunk's names and identifiers (a Chinese name has no pattern)."""
    if fields:
        from hisbridge.logging import register_pii

        register_pii(c.wire.get(f) for c in checked for f in fields)


def run_feed(spec: FeedSpec, his: Engine, ledger: Ledger, sender: Sender, window: tuple[datetime, datetime],
             settings: RunSettings) -> FeedSummary:
    """Run ``spec`` over ``window`` = [start, end) (naive Asia/Shanghai local times, as the HIS keeps them).

    Raises :class:`DeliveryHalted` after a transport fault or an unconfirmed correction (so Airflow retries with
    back-off) once everything this run touched is in the ledger; :class:`DeliveryMisconfigured` when the
    gateway refuses our credentials.
    """
    from hisbridge.platforms.registry import platform

    started = time.monotonic()
    window_start, window_end = window
    target = platform(spec.platform)
    caps = target.capabilities_for(spec)
    run = RunContext(run_id=settings.run_id, window_start=window_start, window_end=window_end, actor=settings.actor)
    tally = _Tally()
    scope = scope_feeds(spec)
    feed_run = _FeedRun(spec, ledger, sender, caps, run, settings, tally, scope)
    summary = FeedSummary(spec.feed, window_start.isoformat(sep=" "), window_end.isoformat(sep=" "), feed_run.mode)
    if spec.progress:
        total = count_records(his, spec, window_start - timedelta(seconds=spec.reread_s), window_end)
        feed_run.progress = Progress(spec.feed, window, total, feed_run.batch_size)
    holder = f"{settings.run_id}#{uuid.uuid4().hex[:8]}"
    try:
        with ledger.lease(target.correction_scope(spec), holder, settings.lease_wait_s):
            summary.in_flight_resolved = ledger.resolve_in_flight([s.feed for s in scope], run)
            try:
                feed_run.reupload_orphans()
                for chunk in read_ahead(extract_records(his, spec, window_start - timedelta(seconds=spec.reread_s), window_end,
                                                        chunk_size=settings.chunk_size)):
                    if feed_run.halted:  # the rest of the window is left to the retry, which selects it again
                        break
                    summary.selected += len(chunk)
                    feed_run.process(chunk)
            finally:
                feed_run.close()
            if feed_run.progress is not None:  # the closing figure (also when nothing was left to send)
                feed_run.progress.report(tally)
    except LeaseBusy as exc:
        raise DeliveryHalted(f"{spec.feed}: {exc}") from None
    if tally.states[ls.ACKNOWLEDGED] + tally.states[ls.QUARANTINED] > 20_000:
        ledger.analyze()  # a bulk load changes the ledger's statistics: keep look-up plans flat
    for state in FINAL_STATES:
        setattr(summary, state, tally.states[state])
    summary.messages, summary.resent_from_ledger = tally.messages, tally.resent
    summary.reasons = dict(tally.reasons.most_common(20))
    summary.halted = feed_run.halted
    summary.seconds = round(time.monotonic() - started, 3)
    log.log(logging.INFO if summary.selected or summary.messages else logging.DEBUG,
            "%s window %s → %s: %s", spec.feed, summary.window_start, summary.window_end,
            {k: v for k, v in summary.as_dict().items() if isinstance(v, int) and v})
    if summary.halted and "refused_by_gateway" in summary.halted:
        raise DeliveryMisconfigured(f"{spec.feed}: the gateway refused us ({summary.halted}); check the connection")
    if summary.halted and settings.raise_on_halt:
        raise DeliveryHalted(f"{spec.feed}: stopped sending after {summary.halted}; counts {summary.as_dict()}")
    record_window(ledger, spec.feed, window, settings.run_id, summary)  # the window is done (gap check: ops/windows)
    return summary

