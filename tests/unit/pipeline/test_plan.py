"""The planner as a table of cases (plan.py's docstring, row by row), for every way a platform corrects.

No database, no platform: :func:`decide` and :func:`plan_chunk` are pure. Each case reads
"what the HIS says / what the ledger says / how the platform corrects → what the run does".
"""

from __future__ import annotations

import pytest

from hisbridge.ledger.schema import (
    ACKNOWLEDGED,
    PENDING,
    QUARANTINED,
    REJECTED,
    SENT,
    UNKNOWN,
    WITHDRAWN,
)
from hisbridge.ledger.store import Prior
from hisbridge.pipeline.plan import (
    NO_CORRECTION,
    NO_TARGET,
    Action,
    Candidate,
    Decision,
    decide,
    plan_chunk,
    settled,
)
from hisbridge.pipeline.platform import Correction

GROUP, BY_ID, UPSERT, REVERSAL, NONE = (Correction.GROUP_DELETE, Correction.DELETE_BY_ID, Correction.UPSERT,
                                        Correction.REVERSAL, Correction.NONE)
ALL_MODES = tuple(Correction)
KEY, BATCH = "k1", "B1"  # the record's business key and its correction key (e.g. 医保 fixmedins_bchno)
OLD, NEW = "digest-old", "digest-new"


def record(*, voided: bool = False, valid: bool = True, digest: str | None = NEW, ck: str | None = BATCH,
           key: str = KEY) -> Candidate:
    return Candidate(key=key, voided=voided, valid=valid, digest=digest, correction_key=ck)


def ledger(state: str, digest: str = OLD, ck: str | None = BATCH) -> Prior:
    return Prior(id=1, state=state, content_hash=digest, correction_key=ck)


def correct_void(target: str) -> Decision:
    return Decision(Action.CORRECT_VOID, target=target)


def correct_then_send(target: str) -> Decision:
    return Decision(Action.CORRECT_THEN_SEND, target=target)


def refuse(reason: str) -> Decision:
    return Decision(Action.REFUSE, reason=reason)


SEND, SKIP = Decision(Action.SEND), Decision(Action.SKIP)

CASES: list = []


def case(name: str, candidate: Candidate, before: Prior | None, modes: tuple[Correction, ...] | Correction,
         expected: Decision) -> None:
    for mode in (modes,) if isinstance(modes, Correction) else modes:
        CASES.append(pytest.param(candidate, before, mode, expected, id=f"{name} [{mode.value}]"))


# -- voided in the HIS, the platform holds (or may hold) it: the correction removes it ------------------------
for state in (ACKNOWLEDGED, UNKNOWN, SENT):
    voided, prior = record(voided=True), ledger(state)
    case(f"voided+{state} -> correct_void by correction key", voided, prior, GROUP, correct_void(BATCH))
    case(f"voided+{state}, no correction key -> refuse", record(voided=True, ck=None), ledger(state, ck=None),
         GROUP, refuse(NO_TARGET))
    case(f"voided+{state} -> correct_void by business key", voided, prior, (BY_ID, UPSERT, REVERSAL),
         correct_void(KEY))
    case(f"voided+{state} -> refuse (cannot take it back)", voided, prior, NONE, refuse(NO_CORRECTION))
    case(f"voided+{state}, same content -> still correct_void", record(voided=True, digest=OLD), prior, BY_ID,
         correct_void(KEY))
    # voided comes before validity: a voided record is withdrawn even when it no longer validates
    case(f"voided+invalid+{state} -> correct_void", record(voided=True, valid=False, digest=None), prior, BY_ID,
         correct_void(KEY))

# -- voided, not on the platform -------------------------------------------------------------------------------
case("voided+withdrawn -> already_withdrawn", record(voided=True), ledger(WITHDRAWN), ALL_MODES,
     Decision(Action.ALREADY_WITHDRAWN))
case("voided, never seen -> void_quietly", record(voided=True), None, ALL_MODES, Decision(Action.VOID_QUIETLY))
for state in (PENDING, REJECTED, QUARANTINED):
    case(f"voided+{state} (never on the platform) -> void_quietly", record(voided=True), ledger(state), ALL_MODES,
         Decision(Action.VOID_QUIETLY))

# -- fails validation: quarantined whatever the ledger says ----------------------------------------------------
case("invalid, never seen -> quarantine", record(valid=False, digest=None), None, ALL_MODES,
     Decision(Action.QUARANTINE))
# a record the platform holds is corrected first where a re-send would otherwise duplicate it
for state in (ACKNOWLEDGED, UNKNOWN, SENT):
    case(f"invalid+{state} (on the platform) -> correct_then_quarantine [group]", record(valid=False, digest=None),
         ledger(state), (GROUP,), Decision(Action.CORRECT_THEN_QUARANTINE, target=BATCH))
    case(f"invalid+{state} (on the platform) -> correct_then_quarantine [by id]", record(valid=False, digest=None),
         ledger(state), (BY_ID, REVERSAL), Decision(Action.CORRECT_THEN_QUARANTINE, target=KEY))
    case(f"invalid+{state} (on the platform) -> quarantine [upsert, none]", record(valid=False, digest=None),
         ledger(state), (UPSERT, NONE), Decision(Action.QUARANTINE))
case("invalid+rejected -> quarantine", record(valid=False, digest=None), ledger(REJECTED), ALL_MODES,
     Decision(Action.QUARANTINE))

# -- same content as the ledger's ------------------------------------------------------------------------------
case("acknowledged, same digest -> skip", record(digest=OLD), ledger(ACKNOWLEDGED), ALL_MODES, SKIP)
case("rejected, same digest -> keep_rejected", record(digest=OLD), ledger(REJECTED), ALL_MODES,
     Decision(Action.KEEP_REJECTED))
case("pending, same digest -> send", record(digest=OLD), ledger(PENDING), ALL_MODES, SEND)

# -- changed, or uncertain even if unchanged: the platform holds (or may hold) an older copy --------------------
for state, digest, what in ((ACKNOWLEDGED, NEW, "changed"), (UNKNOWN, OLD, "same digest (uncertain)"),
                            (UNKNOWN, NEW, "changed"), (SENT, OLD, "same digest (uncertain)")):
    rec, prior = record(digest=digest), ledger(state)
    case(f"{state}, {what} -> correct_then_send by correction key", rec, prior, GROUP, correct_then_send(BATCH))
    case(f"{state}, {what}, no correction key -> refuse", record(digest=digest, ck=None), ledger(state, ck=None),
         GROUP, refuse(NO_TARGET))
    case(f"{state}, {what} -> correct_then_send by business key", rec, prior, (BY_ID, REVERSAL),
         correct_then_send(KEY))
    case(f"{state}, {what} -> send (upsert replaces it)", rec, prior, UPSERT, SEND)
    case(f"{state}, {what} -> refuse (a second copy)", rec, prior, NONE, refuse(NO_CORRECTION))

# -- not on the platform: send ---------------------------------------------------------------------------------
case("new record -> send", record(), None, ALL_MODES, SEND)
case("rejected, changed -> send", record(), ledger(REJECTED), ALL_MODES, SEND)
case("quarantined, now valid -> send", record(), ledger(QUARANTINED), ALL_MODES, SEND)
case("pending (re-queued) -> send", record(), ledger(PENDING), ALL_MODES, SEND)
case("withdrawn, no longer voided -> send", record(), ledger(WITHDRAWN), ALL_MODES, SEND)


@pytest.mark.parametrize(("candidate", "before", "correction", "expected"), CASES)
def test_decide(candidate: Candidate, before: Prior | None, correction: Correction, expected: Decision) -> None:
    assert decide(candidate, before, correction) == expected


def test_every_action_is_reachable_from_the_table() -> None:
    reached = {p.values[3].action for p in CASES}
    assert reached == set(Action)


# -- plan_chunk: corrections grouped by target, siblings of a group correction --------------------------------
def _changed(key: str, ck: str | None = BATCH) -> tuple[Candidate, Prior]:
    return record(key=key, ck=ck, digest=NEW), ledger(ACKNOWLEDGED, OLD, ck)


def _unchanged(key: str, ck: str | None = BATCH) -> tuple[Candidate, Prior]:
    return record(key=key, ck=ck, digest=OLD), ledger(ACKNOWLEDGED, OLD, ck)


def _plan(rows: list[tuple[Candidate, Prior | None]], correction: Correction):
    return plan_chunk([c for c, _ in rows], {c.key: p for c, p in rows if p is not None}, correction)


def test_two_records_of_one_batch_need_one_group_correction_listing_both_in_order() -> None:
    plan = _plan([_changed("k2"), _unchanged("k9", "B2"), _changed("k1")], GROUP)
    assert plan.corrections == {BATCH: ["k2", "k1"]}
    assert plan.decisions["k2"] == plan.decisions["k1"] == correct_then_send(BATCH)
    assert plan.keys(Action.CORRECT_THEN_SEND) == ["k2", "k1"]


def test_a_voided_and_a_changed_record_of_one_batch_share_the_correction() -> None:
    voided = (record(key="k3", voided=True), ledger(ACKNOWLEDGED))
    plan = _plan([_changed("k1"), voided], GROUP)
    assert plan.corrections == {BATCH: ["k1", "k3"]}
    assert plan.decisions["k3"] == correct_void(BATCH)


def test_corrections_by_id_have_one_target_per_record() -> None:
    plan = _plan([_changed("k1"), _changed("k2"), (record(key="k3", voided=True), ledger(UNKNOWN))], BY_ID)
    assert plan.corrections == {"k1": ["k1"], "k2": ["k2"], "k3": ["k3"]}


def test_upsert_needs_a_correction_only_for_a_void() -> None:
    plan = _plan([_changed("k1"), (record(key="k3", voided=True), ledger(ACKNOWLEDGED))], UPSERT)
    assert plan.corrections == {"k3": ["k3"]}
    assert plan.decisions["k1"] == SEND


def test_refused_records_need_no_correction() -> None:
    plan = _plan([_changed("k1", ck=None), _changed("k2")], GROUP)
    assert plan.decisions["k1"] == refuse(NO_TARGET)
    assert plan.corrections == {BATCH: ["k2"]}
    assert _plan([_changed("k1")], NONE).corrections == {}


def test_skipped_record_of_the_corrected_batch_is_a_sibling_one_of_another_batch_is_not() -> None:
    plan = _plan([_unchanged("k0"), _changed("k1"), _unchanged("k2"), _unchanged("k9", "B2")], GROUP)
    assert plan.siblings == {BATCH: ["k0", "k2"]}
    assert plan.decisions["k0"] == plan.decisions["k9"] == SKIP


def test_only_skipped_records_are_siblings() -> None:
    rejected = (record(key="k5", digest=OLD), ledger(REJECTED))
    quarantined = (record(key="k6", valid=False, digest=None), ledger(ACKNOWLEDGED))
    plan = _plan([_changed("k1"), rejected, quarantined, _unchanged("k2")], GROUP)
    assert plan.siblings == {BATCH: ["k2"]}


def test_no_siblings_without_a_correction_in_their_batch() -> None:
    plan = _plan([_unchanged("k0"), _changed("k9", "B2"), _unchanged("k2")], GROUP)
    assert plan.siblings == {}
    assert plan.corrections == {"B2": ["k9"]}


@pytest.mark.parametrize("correction", [BY_ID, UPSERT, REVERSAL, NONE], ids=lambda c: c.value)
def test_siblings_only_under_group_delete(correction: Correction) -> None:
    plan = _plan([_unchanged("k0"), _changed("k1"), _unchanged("k2")], correction)
    assert plan.siblings == {}


# -- settled: unchanged HIS values and declaration need no new decision ----------------------------------------
@pytest.mark.parametrize(("state", "expected"), [
    (ACKNOWLEDGED, Action.SKIP), (REJECTED, Action.KEEP_REJECTED), (QUARANTINED, Action.QUARANTINE),
    (UNKNOWN, None), (SENT, None), (PENDING, None), (WITHDRAWN, None),
])
def test_a_record_with_an_unchanged_source_keeps_a_final_state_without_being_mapped(state, expected) -> None:
    before = Prior(id=1, state=state, content_hash=OLD, correction_key=BATCH, source_hash="src")
    assert settled("src", before) is expected


def test_a_changed_source_or_a_new_record_is_decided_anew() -> None:
    assert settled("src-2", Prior(id=1, state=ACKNOWLEDGED, content_hash=OLD, correction_key=BATCH,
                                  source_hash="src")) is None
    assert settled("src", Prior(id=1, state=ACKNOWLEDGED, content_hash=OLD, correction_key=BATCH)) is None
    assert settled("src", None) is None


def test_a_void_the_ledger_never_saw_is_withdrawn_where_the_platform_may_hold_records_from_before() -> None:
    voided = Candidate(key="XM0035|201|OLD", voided=True, valid=True, digest="d", correction_key=None)
    assert decide(voided, None, Correction.DELETE_BY_ID).action is Action.VOID_QUIETLY
    made_before = decide(voided, None, Correction.DELETE_BY_ID, unsent_may_exist=True)
    assert (made_before.action, made_before.target) == (Action.CORRECT_VOID, "XM0035|201|OLD")
    # a group delete would remove records the ledger does know: never guessed at
    assert decide(voided, None, Correction.GROUP_DELETE, unsent_may_exist=True).action is Action.VOID_QUIETLY
