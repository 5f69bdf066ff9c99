"""The 城市大脑's sender: what the pipeline asks of the platform, and every client outcome as ledger states.

==========================================  =====================  ===============================================
client outcome                              message outcome        rows
==========================================  =====================  ===============================================
notify ``0`` (``duplicate`` or not)         acknowledged           acknowledged (a duplicate is a re-send of an
                                                                   event the city brain already holds)
history ``0``, no record in ``failed``      acknowledged           acknowledged
history ``0``, some records in ``failed``   partial / rejected     failed records rejected with the city brain's
                                                                   words (``2001 records[3](收费结算): …``), the
                                                                   others acknowledged (rejected when all failed)
Refused (``2001`` … the whole call)         rejected               rejected with the city brain's words
Busy (``1007``/429, ``5003``, ``1004``)     busy                   pending — the task retries with back-off
OutcomeUnknown (read timeout, 5xx,          unknown                unknown — the next run sends them again, signed
``5000``, unreadable answer)                                       afresh (new timestamp and nonce): notify dedupes
                                                                   by eventId, history upserts by recordId
NotSent (connect failure, HTTP 408)         not_sent               pending — nothing reached the city brain
Misconfigured (``1001``–``1003``, ``1005``,   refused_by_gateway     pending — fix the connection (or the clock);
``1006``, ``2004``, HTTP 401/403/404)                              the task fails, no retry
==========================================  =====================  ===============================================

**batchNo.** A history page is named by its content: ``<dataType>-<first recordId>-<n>-<hash of the recordIds>``
(at most 64 characters). The same page sent again — an unknown outcome resolved by re-sending — carries the same
batchNo, so the city brain's batch journal shows it; a resumed capture sends only what was not acknowledged, in
pages of their own.

**Corrections.** The city brain withdraws nothing: notify events are facts (correction none) and history records
are replaced by delivering them again (upsert). :meth:`CityBrainSender.correct` is therefore never planned; if
it were called it answers "rejected" with that reason rather than pretending.

**Message ids.** The city brain has none of ours: each message gets a local ``cb-<uuid hex>`` for the ledger and
the city brain's ``requestId`` is kept as its reference. No Airflow here except in :func:`from_airflow`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hisbridge.ledger.store import MessageResult
from hisbridge.pipeline.platform import Mode
from hisbridge.pipeline.spec import ColumnSource, ConstSource, FeedSpec
from hisbridge.platforms.city_brain.client import CityBrainClient
from hisbridge.platforms.city_brain.errors import (
    Busy,
    CityBrainError,
    Exchange,
    Failure,
    Misconfigured,
    NotSent,
    OutcomeUnknown,
    Refused,
)
from hisbridge.platforms.city_brain.feeds import CityBrainFeedOptions
from hisbridge.platforms.city_brain.outbound import DATA_TYPES, REGISTRATION_EVENTS, NotifyEvent, OutboundBody

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger

#: the wire field holding a notify event's key / a history record's key
EVENT_KEY, RECORD_KEY = "eventId", "recordId"
#: the field naming a notify event's parent (its visit's REGISTERED event); never sent
PARENT_FIELD = "registrationEventId"
PARENT_FEED = "city_brain_push_registered"
NO_WITHDRAWAL = "城市大脑不提供撤回：推送的事件是事实（改动是新的事件），历史记录重新交付即覆盖"


def batch_no(data_type: str, record_ids: Sequence[str]) -> str:
    """The page's name from its content: the same records in the same order → the same batchNo (≤ 64 chars)."""
    digest = hashlib.sha256("\n".join(record_ids).encode("utf-8")).hexdigest()[:12]
    return f"{data_type}-{record_ids[0][:24]}-{len(record_ids)}-{digest}"


class CityBrainSender:
    """Pushes notify events one at a time and history records in pages."""

    platform = "city_brain"

    def __init__(self, client: CityBrainClient) -> None:
        self.client = client

    # -- what the pipeline asks ------------------------------------------------------------------------------
    def model_for(self, spec: FeedSpec) -> type[BaseModel]:
        """The feed's body model; the declaration is checked against it first (before anything is recorded), so a
        mistake in the YAML fails the run instead of quarantining every record."""
        return check_feed(spec)

    def operation(self, spec: FeedSpec, mode: Mode) -> str:
        options = _options(spec)
        return f"notify {options.event_type}" if options.operation == "notify" else f"history {options.data_type}"

    def correction_operation(self, spec: FeedSpec) -> str:
        return "none"

    def row_identity(self, spec: FeedSpec, row: dict[str, Any]) -> str | None:
        """A history answer names refused records by recordId: two rows with one recordId travel apart."""
        value = row.get(EVENT_KEY if _options(spec).operation == "notify" else RECORD_KEY)
        return None if value in (None, "") else str(value)

    def personal_fields(self, spec: FeedSpec) -> Sequence[str]:
        return ()  # nothing we send names a patient: the city brain knows the patient by patientId only

    def new_msgid(self) -> str:
        return f"cb-{uuid.uuid4().hex}"

    # -- messages --------------------------------------------------------------------------------------------
    def upload(self, spec: FeedSpec, rows: Sequence[dict[str, Any]], mode: Mode, msgid: str) -> MessageResult:
        options = _options(spec)
        if options.operation == "notify":
            return self._notify(rows)
        assert options.data_type is not None
        return self._history(options.data_type, rows)

    def correct(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        return _result("rejected", [], [], None, err_msg=NO_WITHDRAWAL)

    def close(self) -> None:
        self.client.close()

    def _notify(self, rows: Sequence[dict[str, Any]]) -> MessageResult:
        if len(rows) != 1:
            raise ValueError(f"notify pushes one event per message, not {len(rows)}")
        try:
            answer = self.client.notify(rows[0])
        except Refused as exc:
            return _result("rejected", ["rejected"], [exc.words], exc.exchange, code=exc.code, err_msg=exc.words)
        except CityBrainError as exc:
            return _transport(exc, 1)
        note = "重复事件：城市大脑已有此 eventId（重发）" if answer.duplicate else None
        return _result("acknowledged", ["acknowledged"], [None], answer.exchange, code=answer.code, err_msg=note)

    def _history(self, data_type: str, rows: Sequence[dict[str, Any]]) -> MessageResult:
        keys = [str(r.get(RECORD_KEY)) for r in rows]
        n = len(rows)
        try:
            answer = self.client.history(data_type, batch_no(data_type, keys), rows)
        except Refused as exc:
            return _result("rejected", ["rejected"] * n, [exc.words] * n, exc.exchange, code=exc.code,
                           err_msg=exc.words)
        except CityBrainError as exc:
            return _transport(exc, n)
        states = ["rejected" if k in answer.failed else "acknowledged" for k in keys]
        errors = [_words(answer.failed[k]) if k in answer.failed else None for k in keys]
        ok = states.count("acknowledged")
        outcome = "acknowledged" if ok == n else ("rejected" if ok == 0 else "partial")
        err_msg = None if outcome == "acknowledged" else f"{n - ok} of {n} records refused"
        return _result(outcome, states, errors, answer.exchange, code=answer.code, err_msg=err_msg)


def from_airflow(ledger: Ledger) -> CityBrainSender:
    """The sender of a task: the ``city_brain`` connection (the ledger is not needed: nothing is withdrawn)."""
    from hisbridge.platforms.city_brain.hooks import CityBrainHook

    return CityBrainSender(CityBrainHook().client)


# -- the feed's declaration against the operation -----------------------------------------------------------------


def _options(spec: FeedSpec) -> CityBrainFeedOptions:
    options = spec.platform_options
    assert isinstance(options, CityBrainFeedOptions), f"{spec.feed} is not a 城市大脑 feed"
    return options


def body_model(spec: FeedSpec) -> type[OutboundBody]:
    options = _options(spec)
    if options.operation == "notify":
        return NotifyEvent
    assert options.data_type is not None
    return DATA_TYPES[options.data_type].record


#: id(spec) → (the spec, kept alive so that its id is not reused, and its checked model)
_checked: dict[int, tuple[FeedSpec, type[OutboundBody]]] = {}


def check_feed(spec: FeedSpec) -> type[OutboundBody]:
    """The feed's body model, once the declaration is known to fit it (raises ``ValueError`` naming what is
    wrong)."""
    hit = _checked.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    model = _check(spec)
    _checked[id(spec)] = (spec, model)
    return model


def _check(spec: FeedSpec) -> type[OutboundBody]:
    options = _options(spec)
    model = body_model(spec)
    declared = set(spec.fields) | set(spec.lists)
    problems = []
    unknown = sorted(declared - set(model.model_fields))
    if unknown:
        problems.append(f"fields {unknown} are not fields of {model.__name__}")
    missing = sorted(n for n, f in model.model_fields.items() if f.is_required() and n not in declared)
    if missing:
        problems.append(f"required fields {missing} are not mapped")
    key = EVENT_KEY if options.operation == "notify" else RECORD_KEY
    source = spec.fields.get(key)
    if len(spec.business_key) != 1 or not isinstance(source, ColumnSource) or source.column != spec.business_key[0]:
        problems.append(f"the business key must be the one SQL column mapped to {key} (the city brain dedupes or "
                        f"upserts by it): business_key: [{getattr(source, 'column', key)}]")
    if options.operation == "notify":
        event_type = spec.fields.get("eventType")
        if not isinstance(event_type, ConstSource) or event_type.const != options.event_type:
            problems.append(f"eventType must be the constant {options.event_type} (options.event_type)")
        parents = [p for p in spec.parents if p.column == PARENT_FIELD]
        if options.event_type == "REGISTERED":
            if spec.parents:
                problems.append("REGISTERED is every other event's parent: it has none itself")
        elif PARENT_FIELD not in spec.fields or [p.feed for p in parents] != [PARENT_FEED]:
            problems.append(f"{options.event_type} events wait for their visit's REGISTERED: map {PARENT_FIELD} "
                            f"and declare parents: [{{column: {PARENT_FIELD}, feed: {PARENT_FEED}}}]")
        if options.event_type in REGISTRATION_EVENTS and spec.fields.get("amount") is not None:
            problems.append("registration events carry no amount")
    elif spec.parents:
        problems.append("history records have no parents (each page stands alone)")
    if spec.voided_column:
        problems.append("the city brain withdraws nothing: no voided_column (a void is a new event or a new "
                        "version of the record)")
    if problems:
        raise ValueError(f"feed {spec.feed} (platform city_brain, {options.operation}): " + "; ".join(problems))
    return model


# -- results ---------------------------------------------------------------------------------------------------


def _words(failure: Failure) -> str:
    return str(failure) or "refused"


def _transport(exc: CityBrainError, n: int) -> MessageResult:
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
        if exchange.nonce:
            headers["nonce"] = exchange.nonce
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
