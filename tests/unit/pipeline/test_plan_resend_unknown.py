"""A platform that keeps one copy per business key (``resend_unknown``: the city brain's notifications, deduped by
eventId) resolves an unknown outcome by sending the same record again — even where it offers no correction. A
changed record still follows the platform's correction; without the capability nothing changes."""

from __future__ import annotations

import pytest

from hisbridge.ledger.schema import ACKNOWLEDGED, SENT, UNKNOWN
from hisbridge.ledger.store import Prior
from hisbridge.pipeline.plan import NO_CORRECTION, Action, Candidate, Decision, decide, plan_chunk
from hisbridge.pipeline.platform import Capabilities, Correction

SAME, CHANGED = "digest-1", "digest-2"


def record(digest: str = SAME) -> Candidate:
    return Candidate(key="E1", voided=False, valid=True, digest=digest, correction_key=None)


def prior(state: str) -> Prior:
    return Prior(id=1, state=state, content_hash=SAME, correction_key=None)


@pytest.mark.parametrize(("state", "digest", "resend", "expected"), [
    (UNKNOWN, SAME, True, Decision(Action.SEND)),
    (SENT, SAME, True, Decision(Action.SEND)),
    (UNKNOWN, CHANGED, True, Decision(Action.REFUSE, reason=NO_CORRECTION)),
    (ACKNOWLEDGED, CHANGED, True, Decision(Action.REFUSE, reason=NO_CORRECTION)),
    (ACKNOWLEDGED, SAME, True, Decision(Action.SKIP)),
    (UNKNOWN, SAME, False, Decision(Action.REFUSE, reason=NO_CORRECTION)),  # as before: no correction, no resend
])
def test_an_unknown_record_is_sent_again_only_unchanged_and_only_where_the_platform_dedupes(
        state, digest, resend, expected) -> None:
    assert decide(record(digest), prior(state), Correction.NONE, resend_unknown=resend) == expected


def test_plan_chunk_passes_the_capability_on() -> None:
    plan = plan_chunk([record()], {"E1": prior(UNKNOWN)}, Correction.NONE, resend_unknown=True)
    assert plan.keys(Action.SEND) == ["E1"]


def test_the_capability_is_off_by_default() -> None:
    assert Capabilities().resend_unknown is False
