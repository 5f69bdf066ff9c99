"""What the settlement-list job does with each settlement, decided from the HIS row, the built body and the call
journal alone (no database, no platform): a table of cases."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from hisbridge.platforms.hsa.settlement_list import Action, Built, Case, Prior, decide, prior_of

CUTOFF = datetime(2026, 10, 26)  # window end 2026-11-25 00:00 − 30 days
ALREADY = ("已上传",)
WIRE = {"setlinfo": {"setl_id": "S1"}, "diseinfo": []}


def _case(due: datetime = datetime(2026, 11, 24, 9), **row) -> Case:
    return Case({"setl_id": "S1", "due_from": due, "setl_status": "normal", "cancelled_by": None} | row)


VALID = Built(WIRE)
INVALID = Built(None, ("无主诊断（住院诊断中没有主诊断标志为 1 的诊断）",))
OLD = datetime(2026, 10, 1)


@pytest.mark.parametrize(("case", "built", "prior", "action"), [
    (_case(), VALID, Prior(), Action.SEND),
    (_case(), INVALID, Prior(), Action.QUARANTINE),
    (_case(), VALID, Prior(upload_msgid="m1", held=True), Action.CHECK),
    (_case(), INVALID, Prior(held=True), Action.CHECK),  # found by 4103 earlier: not sent again
    (_case(OLD), VALID, Prior(upload_msgid="m1", held=True), Action.DONE),
    (_case(OLD), VALID, Prior(), Action.OVERDUE),
    (_case(OLD), INVALID, Prior(), Action.OVERDUE),
    (_case(setl_status="cancelled"), VALID, Prior(held=True), Action.CANCEL),
    (_case(cancelled_by="S9"), VALID, Prior(held=True), Action.CANCEL),
    (_case(setl_status="cancelled"), VALID, Prior(held=True, status_msgid="m4"), Action.CANCELLED),
    (_case(setl_status="cancelled"), VALID, Prior(), Action.ASK_CANCEL),  # uploaded outside hisbridge?
    (_case(datetime(2026, 10, 1), setl_status="cancelled"), VALID, Prior(), Action.VOID),
    (_case(OLD, setl_status="cancelled"), VALID, Prior(held=True), Action.CANCEL),
    (_case(), VALID, Prior(last_outcome="unknown"), Action.VERIFY),
    (_case(), VALID, Prior(last_outcome="in_flight"), Action.VERIFY),
    (_case(), VALID, Prior(last_outcome="rejected", last_words="结算清单已上传", last_wire={}), Action.VERIFY),
    (_case(), VALID, Prior(last_outcome="rejected", last_words="结算ID不存在", last_wire=WIRE), Action.REFUSED),
    (_case(), VALID, Prior(last_outcome="rejected", last_words="结算ID不存在", last_wire={"x": 1}), Action.SEND),
    (_case(), VALID, Prior(last_outcome="busy"), Action.SEND),
    (_case(), INVALID, Prior(last_outcome="rejected", last_words="x", last_wire=WIRE), Action.QUARANTINE),
], ids=lambda v: v.value if isinstance(v, Action) else None)
def test_decision(case: Case, built: Built, prior: Prior, action: Action) -> None:
    assert decide(case, built, prior, CUTOFF, ALREADY).action is action


def test_the_deadline_is_counted_from_the_discharge() -> None:
    assert decide(_case(CUTOFF), VALID, Prior(), CUTOFF, ALREADY).action is Action.SEND
    assert decide(_case(datetime(2026, 10, 25, 23, 59)), VALID, Prior(), CUTOFF, ALREADY).action is Action.OVERDUE


@pytest.mark.parametrize(("built", "prior", "words"), [
    (INVALID, Prior(), "数据问题：无主诊断"),
    (VALID, Prior(last_outcome="rejected", last_words="结算ID不存在"), "医保平台拒绝：结算ID不存在"),
    (VALID, Prior(last_outcome="unknown"), "结果未知"),
    (VALID, Prior(), "无上传记录"),
])
def test_an_overdue_list_says_why_it_was_not_uploaded(built: Built, prior: Prior, words: str) -> None:
    decision = decide(_case(OLD), built, prior, CUTOFF, ALREADY)
    assert decision.action is Action.OVERDUE and words in decision.reason


def test_a_quarantined_list_carries_its_reasons() -> None:
    assert "无主诊断" in decide(_case(), INVALID, Prior(), CUTOFF, ALREADY).reason


def _entry(n: int, operation: str, outcome: str, *, msgid: str = "", err_msg: str | None = None, inp=None) -> dict:
    request = orjson.dumps({"infno": operation, "input": inp}).decode() if inp is not None else None
    return {"id": n, "platform": "hsa", "operation": operation, "outcome": outcome, "msgid": msgid or f"m{n}",
            "err_msg": err_msg, "request": request}


def test_prior_reads_the_latest_upload_attempt_and_its_body() -> None:
    prior = prior_of([_entry(1, "4101A", "busy", inp={"a": 1}),
                      _entry(2, "4101A", "rejected", err_msg="结算ID不存在", inp=WIRE)])
    assert prior == Prior(last_outcome="rejected", last_words="结算ID不存在", last_wire=WIRE)


def test_prior_holds_after_an_acknowledged_upload_or_a_4103_that_found_the_list() -> None:
    uploaded = prior_of([_entry(1, "4101A", "acknowledged", msgid="up1"), _entry(2, "4103", "acknowledged")])
    assert uploaded.held and uploaded.upload_msgid == "up1"
    found = prior_of([_entry(1, "4101A", "rejected", err_msg="已上传"), _entry(2, "4103", "acknowledged")])
    assert found.held and found.upload_msgid is None
    assert not prior_of([_entry(1, "4103", "rejected", err_msg="未查询到")]).held


def test_prior_reads_the_acknowledged_status_change() -> None:
    body = {"data": {"stastinfo": [{"psn_no": "p", "setl_id": "S1", "stas_type": "0"}]}}
    prior = prior_of([_entry(1, "4101A", "acknowledged"), _entry(5, "4102", "acknowledged", msgid="st5", inp=body)])
    assert (prior.status_msgid, prior.status_stas_type) == ("st5", "0")
