"""Plan, then act: what to do with each extracted record, decided by a pure function of the record, what the
ledger knows of it, and how the platform corrects a delivered record. No database, no platform, no I/O.

==================================  ================  =====================================================
ledger says / HIS says              correction        action
==================================  ================  =====================================================
voided, on the platform¹            any but none      ``correct_void`` — the correction removes it → withdrawn
voided, on the platform¹            none              ``refuse`` — we cannot take it back: ops must
voided, already withdrawn           —                 ``already_withdrawn``
voided, never on the platform       —                 ``void_quietly`` — withdrawn without a message, unless
                                                      the platform may hold records from before the ledger²
                                                      (then ``correct_void``, "not found" counts as done)
fails validation, on the platform¹  group / by id /   ``correct_then_quarantine`` — the platform must not keep
                                    reversal          what the HIS no longer holds, nor get it twice once fixed
fails validation                    —                 ``quarantine`` with the reasons
acknowledged, same content          —                 ``skip`` — never sent twice
rejected, same content              —                 ``keep_rejected`` — not retried until it changes or is
                                                      re-queued
on the platform¹, content changed   group / by id /   ``correct_then_send`` — remove what is there, send anew
or outcome unknown                  reversal
on the platform¹, …                 upsert            ``send`` — the new content replaces the old
unknown¹, same content              none, platform    ``send`` — the platform keeps one copy per key, so the
                                    resends unknown³  same record again is safe
on the platform¹, …                 none              ``refuse`` — a second copy would be sent: ops must
anything else                       —                 ``send`` (new, pending, re-queued, fixed)
==================================  ================  =====================================================

¹ acknowledged, unknown or sent without an answer: the platform holds it or may hold it.
² ``unsent_may_exist``: a delete-by-id platform whose records may also be entered outside hisbridge (医保 目录对照
  made in the 医保 client before go-live): a void the ledger has never seen is still withdrawn there.
³ ``resend_unknown``: a platform that dedupes by our business key (the city brain's notifications by eventId):
  the resolution of an unknown outcome is to send the same record again.

A correction's *target* is the correction key for a group correction (医保 3507 deletes a whole batch) and the
business key otherwise. A group correction removes records this plan does not touch (the target's other
records, in this chunk — ``siblings`` — or elsewhere in the ledger); the executor sends those again once the
platform confirms the correction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from hisbridge.ledger.schema import ACKNOWLEDGED, ON_PLATFORM, QUARANTINED, REJECTED, WITHDRAWN
from hisbridge.ledger.store import Prior
from hisbridge.pipeline.platform import Correction


class Action(StrEnum):
    SKIP = "skip"
    KEEP_REJECTED = "keep_rejected"
    QUARANTINE = "quarantine"
    VOID_QUIETLY = "void_quietly"
    ALREADY_WITHDRAWN = "already_withdrawn"
    CORRECT_VOID = "correct_void"
    CORRECT_THEN_SEND = "correct_then_send"
    CORRECT_THEN_QUARANTINE = "correct_then_quarantine"
    SEND = "send"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One extracted record, as the planner needs to see it."""

    key: str
    voided: bool
    valid: bool
    digest: str | None
    correction_key: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    target: str | None = None  # the correction's target, for correct_* actions
    reason: str | None = None  # for refuse


@dataclass
class ChunkPlan:
    decisions: dict[str, Decision] = field(default_factory=dict)
    #: correction target → keys of this chunk that need it (in extraction order)
    corrections: dict[str, list[str]] = field(default_factory=dict)
    #: group correction target → keys of this chunk that are skipped but would be removed by it
    siblings: dict[str, list[str]] = field(default_factory=dict)

    def keys(self, *actions: Action) -> list[str]:
        return [k for k, d in self.decisions.items() if d.action in actions]


NO_CORRECTION = "the platform offers no correction of a delivered record: check it there, then re-queue"
NO_TARGET = "no correction key (e.g. 批次号) to correct it with on the platform"


def settled(source_hash: str, before: Prior | None) -> Action | None:
    """A record whose HIS values and feed declaration have not changed since the ledger settled it, in a state
    that is final for unchanged content, needs no new decision — nor mapping nor validation: a re-run of a
    delivered window costs an extraction and a look-up."""
    if before is None or before.source_hash != source_hash:
        return None
    return {ACKNOWLEDGED: Action.SKIP, REJECTED: Action.KEEP_REJECTED, QUARANTINED: Action.QUARANTINE}.get(before.state)


def plan_chunk(candidates: Sequence[Candidate], prior: Mapping[str, Prior], correction: Correction, *,
               unsent_may_exist: bool = False, resend_unknown: bool = False) -> ChunkPlan:
    plan = ChunkPlan()
    for c in candidates:
        decision = decide(c, prior.get(c.key), correction, unsent_may_exist=unsent_may_exist,
                          resend_unknown=resend_unknown)
        plan.decisions[c.key] = decision
        if decision.target is not None:
            plan.corrections.setdefault(decision.target, []).append(c.key)
    if correction is Correction.GROUP_DELETE:
        for c in candidates:
            if plan.decisions[c.key].action is Action.SKIP and c.correction_key in plan.corrections:
                plan.siblings.setdefault(c.correction_key, []).append(c.key)
    return plan


def decide(c: Candidate, before: Prior | None, correction: Correction, *, unsent_may_exist: bool = False,
           resend_unknown: bool = False) -> Decision:
    on_platform = before is not None and before.state in ON_PLATFORM
    if c.voided:
        if on_platform or (before is None and unsent_may_exist and correction is Correction.DELETE_BY_ID):
            return _correct(Action.CORRECT_VOID, c, correction)
        if before is not None and before.state == WITHDRAWN:
            return Decision(Action.ALREADY_WITHDRAWN)
        return Decision(Action.VOID_QUIETLY)
    if not c.valid:
        if on_platform and correction not in (Correction.NONE, Correction.UPSERT):
            return _correct(Action.CORRECT_THEN_QUARANTINE, c, correction)
        return Decision(Action.QUARANTINE)
    if before is not None and before.content_hash == c.digest:
        if before.state == ACKNOWLEDGED:
            return Decision(Action.SKIP)
        if before.state == REJECTED:
            return Decision(Action.KEEP_REJECTED)
    if not on_platform:
        return Decision(Action.SEND)
    if correction is Correction.UPSERT:
        return Decision(Action.SEND)
    if resend_unknown and before is not None and before.state != ACKNOWLEDGED and before.content_hash == c.digest:
        return Decision(Action.SEND)  # unknown or sent without an answer, unchanged: the platform keeps one copy
    return _correct(Action.CORRECT_THEN_SEND, c, correction)


def _correct(action: Action, c: Candidate, correction: Correction) -> Decision:
    if correction is Correction.NONE:
        return Decision(Action.REFUSE, reason=NO_CORRECTION)
    if correction is Correction.GROUP_DELETE:
        if not c.correction_key:
            return Decision(Action.REFUSE, reason=NO_TARGET)
        return Decision(action, target=c.correction_key)
    return Decision(action, target=c.key)  # by id, a reversal, or (upsert) the delete of a void
