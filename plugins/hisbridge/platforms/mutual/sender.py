"""The 互认 platform's sender: what the pipeline asks of the platform, and every client outcome as ledger states.

==========================================  =====================  ===============================================
client outcome                              message outcome        rows
==========================================  =====================  ===============================================
``00000``, no failed rows                   acknowledged           acknowledged
``00000``, some rows in ``failed``          partial                failed rows rejected with the platform's words
                                                                   (``code msg``), the others acknowledged
Refused (``A0400`` …) naming failed rows    rejected / partial     named rows rejected with their words; the others
                                                                   rejected with the message's words — unless the
                                                                   answer says it accepted them (partial)
Refused, NotFound (whole message)           rejected               rejected with the platform's words
Busy (``A0429``, HTTP 429)                  busy                   pending — the task retries with back-off
OutcomeUnknown (read timeout, 5xx,          unknown                unknown — the next run sends them again: an
``B0001``, unreadable answer)                                      upload upserts by BusinessNo, safe to repeat
NotSent (connect failure, HTTP 408)         not_sent               pending — nothing reached the platform
Misconfigured (``A0401``, HTTP 401/403,     refused_by_gateway     pending — fix the connection; the task fails, no
wrong path, batch > ``max_batch``)                                 retry
==========================================  =====================  ===============================================

**Voids.** A record voided in the HIS (the feed's ``voided_column``) that the platform holds is withdrawn
(:meth:`MutualSender.correct`) with ``deleteData`` for the feed's data type and the record's ``BusinessNo``
(the ledger's business key); ``A0404`` (nothing there) counts as done. The platform refuses to withdraw a
report whose children it still holds: their feeds run first (the DAG orders them), and a refusal leaves the
report uncertain until they have.

**Message ids.** The platform has none of ours: each message gets a local ``mr-<uuid hex>`` for the ledger, and
the platform's ``request_id`` is kept as its reference. No Airflow here except in :func:`from_airflow`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hisbridge.ledger.store import MessageResult
from hisbridge.pipeline.platform import Mode
from hisbridge.pipeline.spec import ColumnSource, FeedSpec
from hisbridge.platforms.mutual.answers import AnswerClass
from hisbridge.platforms.mutual.catalogue import Operation
from hisbridge.platforms.mutual.client import MutualClient
from hisbridge.platforms.mutual.errors import (
    Busy,
    Exchange,
    Failure,
    Misconfigured,
    MutualError,
    NotFound,
    NotSent,
    OutcomeUnknown,
    Refused,
)
from hisbridge.platforms.mutual.feeds import MutualFeedOptions
from hisbridge.platforms.mutual.fields import MutualBody, pii_fields

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger

KEY = "BusinessNo"


class MutualSender:
    """Uploads a feed's rows in batches, withdraws voided records by key."""

    platform = "mutual"

    def __init__(self, client: MutualClient) -> None:
        self.client = client

    # -- what the pipeline asks ------------------------------------------------------------------------------
    def model_for(self, spec: FeedSpec) -> type[BaseModel]:
        """The operation's row model; the feed's declaration is checked against it first (before anything is
        recorded), so a mistake in the YAML fails the run instead of quarantining every record."""
        return check_feed(spec).body

    def operation(self, spec: FeedSpec, mode: Mode) -> str:
        return operation_of(spec).name  # single mode is a batch of one: the platform has batch uploads only

    def correction_operation(self, spec: FeedSpec) -> str:
        check_feed(spec)
        return f"deleteData {_options(spec).data_type}"

    def row_identity(self, spec: FeedSpec, row: dict[str, Any]) -> str | None:
        """The answer names failed rows by BusinessNo: two rows with one BusinessNo travel apart."""
        value = row.get(KEY)
        return None if value in (None, "") else str(value)

    def personal_fields(self, spec: FeedSpec) -> Sequence[str]:
        return tuple(f for f in pii_fields(operation_of(spec).body) if f in spec.fields)

    def new_msgid(self) -> str:
        return f"mr-{uuid.uuid4().hex}"

    # -- messages --------------------------------------------------------------------------------------------
    def upload(self, spec: FeedSpec, rows: Sequence[dict[str, Any]], mode: Mode, msgid: str) -> MessageResult:
        op = operation_of(spec)
        keys = [str(r.get(KEY)) for r in rows]
        n = len(rows)
        try:
            answer = self.client.upload(op.name, rows)
        except Refused as exc:
            return self._refused(exc, keys)
        except MutualError as exc:
            return _transport(exc, n)
        states = ["rejected" if k in answer.failed else "acknowledged" for k in keys]
        errors = [_words(answer.failed[k]) if k in answer.failed else None for k in keys]
        ok = states.count("acknowledged")
        outcome = "acknowledged" if ok == n else ("rejected" if ok == 0 else "partial")
        err_msg = None if outcome == "acknowledged" else f"{n - ok} of {n} rows refused"
        return _result(outcome, states, errors, answer.exchange, code=answer.code, err_msg=err_msg)

    def correct(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        """Withdraw the record whose BusinessNo is ``target`` (the pipeline corrects only voids: an upsert
        platform replaces a changed record when it is sent again)."""
        data_type = _options(spec).data_type
        try:
            answer = self.client.delete(data_type, [target])
        except NotFound as exc:  # nothing there is what a withdrawal wants
            return _result("acknowledged", [], [], exc.exchange, code=exc.code, err_msg=exc.words)
        except Refused as exc:
            return _result("rejected", [], [], exc.exchange, code=exc.code, err_msg=exc.words)
        except MutualError as exc:
            return _transport(exc, 0)
        failure = answer.failed.get(target)
        if failure is None:
            return _result("acknowledged", [], [], answer.exchange, code=answer.code)
        kind = self.client.answer_codes.classify(failure.code)
        outcome = {AnswerClass.NOT_FOUND: "acknowledged", AnswerClass.OK: "acknowledged", AnswerClass.BUSY: "busy",
                   AnswerClass.UNKNOWN: "unknown"}.get(kind, "rejected")
        return _result(outcome, [], [], answer.exchange, code=failure.code, err_msg=_words(failure))

    def close(self) -> None:
        self.client.close()

    # -- refusals --------------------------------------------------------------------------------------------
    def _refused(self, exc: Refused, keys: list[str]) -> MessageResult:
        n = len(keys)
        if not exc.failed:
            return _result("rejected", ["rejected"] * n, [exc.words] * n, exc.exchange, code=exc.code,
                           err_msg=exc.words)
        # the answer names the rows it refused; the others were accepted only if it says so
        others_ok = exc.accepted > 0 and exc.accepted == n - len(exc.failed)
        batch_words = f"整批被拒：{exc.words}"
        states = ["rejected" if k in exc.failed or not others_ok else "acknowledged" for k in keys]
        errors = [_words(exc.failed[k]) if k in exc.failed else (None if others_ok else batch_words) for k in keys]
        outcome = "partial" if others_ok and len(exc.failed) < n else "rejected"
        return _result(outcome, states, errors, exc.exchange, code=exc.code, err_msg=exc.words)


def from_airflow(ledger: Ledger) -> MutualSender:
    """The sender of a task: the ``mutual_recognition`` connection (the ledger is not needed: the platform
    upserts, so a correction never re-sends what was delivered)."""
    from hisbridge.platforms.mutual.hooks import MutualHook

    return MutualSender(MutualHook().client)


# -- the feed's declaration against the operation -----------------------------------------------------------------


def _options(spec: FeedSpec) -> MutualFeedOptions:
    options = spec.platform_options
    assert isinstance(options, MutualFeedOptions), f"{spec.feed} is not a 互认 platform feed"
    return options


def operation_of(spec: FeedSpec) -> Operation:
    return _options(spec).op


#: id(spec) → (the spec, kept alive so that its id is not reused, and its checked operation)
_checked: dict[int, tuple[FeedSpec, Operation]] = {}


def check_feed(spec: FeedSpec) -> Operation:
    """The feed's operation, once the declaration is known to fit it (raises ``ValueError`` naming what is
    wrong)."""
    hit = _checked.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    op = _check(spec)
    _checked[id(spec)] = (spec, op)
    return op


def _check(spec: FeedSpec) -> Operation:
    op = operation_of(spec)
    model = op.body
    problems = []
    unknown = sorted(set(spec.fields) - set(model.model_fields))
    if unknown:
        problems.append(f"fields {unknown} are not fields of {op.name} ({model.__name__})")
    if spec.lists:
        problems.append("the platform takes flat rows: no lists")
    named = getattr(model, "named_codes", {}) if issubclass(model, MutualBody) else {}
    filled = {name for code, (name, _) in named.items() if code in spec.fields}  # from the code set
    missing = sorted(n for n, f in model.model_fields.items()
                     if f.is_required() and n not in spec.fields and n not in filled)
    if missing:
        problems.append(f"required fields {missing} are not mapped")
    source = spec.fields.get(KEY)
    if len(spec.business_key) != 1 or not isinstance(source, ColumnSource) or source.column != spec.business_key[0]:
        problems.append(f"the business key must be the one SQL column mapped to {KEY} (the platform upserts and "
                        f"withdraws by it): business_key: [{getattr(source, 'column', KEY)}]")
    if op.parent_field and not any(p.column == op.parent_field for p in spec.parents):
        problems.append(f"{op.name} rows belong to a report: declare parents: [{{column: {op.parent_field}, "
                        f"feed: <the {op.parent_op} feed>}}] (the platform refuses a child before its report)")
    if problems:
        raise ValueError(f"feed {spec.feed} (platform mutual, {op.name}): " + "; ".join(problems))
    return op


# -- results ---------------------------------------------------------------------------------------------------


def _words(failure: Failure) -> str:
    return str(failure) or "refused"


def _transport(exc: MutualError, n: int) -> MessageResult:
    outcome, state = {
        OutcomeUnknown: ("unknown", "unknown"),
        Misconfigured: ("refused_by_gateway", "pending"),
        Busy: ("busy", "pending"),
        NotSent: ("not_sent", "pending"),
    }.get(type(exc), ("unknown", "unknown"))
    return _result(outcome, [state] * n, [str(exc)] * n, exc.exchange, code=getattr(exc, "code", None),
                   err_msg=str(exc))


def _result(outcome: str, states: list[str], errors: list[str | None], exchange: Exchange | None, *,
            code: str | None = None, err_msg: str | None = None) -> MessageResult:
    headers: Mapping[str, str] | None = None
    if exchange is not None:
        headers = {"method": exchange.method, "url": exchange.url, **exchange.request_headers}
    return MessageResult(
        outcome=outcome, row_states=states, row_errors=errors,
        platform_code=(code or None) and code[:64], err_msg=err_msg,
        http_status=exchange.status if exchange else None,
        request=exchange.request_text if exchange else None,
        request_headers=dict(headers) if headers is not None else None,
        response=exchange.response_text if exchange else None,
        platform_ref=(exchange.request_id or None) and exchange.request_id[:200] if exchange else None,
        duration_ms=exchange.duration_ms if exchange else None,
    )
