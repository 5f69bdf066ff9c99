"""The CDC senders: what the pipeline asks of the front-end, by push API (:class:`CdcSender`, here) or by rows
written into its database (:class:`~hisbridge.platforms.cdc.frontend_db.FrontendDbSender`). Which one a site
uses is the Airflow Variable ``cdc_delivery_target`` (``api``, the default, or ``db``), read by
:func:`from_airflow`.

=================================  =====================  ======================================================
client outcome                     message outcome        record
=================================  =====================  ======================================================
``result: true``                   acknowledged           acknowledged
``result: false``                  rejected               rejected with the front-end's words (and errorCode)
HTTP 429                           busy                   pending — the task retries with back-off
OutcomeUnknown (read timeout, 5xx) unknown                unknown — the next run sends it again: an upsert by
                                                          id is safe to repeat
NotSent (connect failure)          not_sent               pending — nothing reached the front-end
EndpointRefused (HTTP 4xx, no      refused_by_gateway     pending — fix the connection; the task fails, no retry
answer of the front-end)
=================================  =====================  ======================================================

**Voids.** A record voided in the HIS (the feed's ``voided_column``) that the front-end holds is corrected
(:meth:`correct`) by its key, as the site's ``void_mode`` says:

* ``delete`` (default): ``DELETE`` with ``{"id": <key>}``; a refusal whose words say the record is not there
  counts as done;
* ``flag``: the record as last delivered (from the ledger) is sent again with ``invalidFlag: "1"`` — the
  front-end keeps it, marked 作废. Tables without ``invalid_flag`` (``base_dept``) are deleted in either mode.

Either way the ledger then holds the record ``withdrawn``; if the HIS un-voids it, the next run sends it again.

**Message ids.** The front-end has none: each message gets a local ``cdc-<uuid>`` for the ledger, and the
front-end's ``id`` answer is kept as the platform reference.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hisbridge.ledger.store import MessageResult
from hisbridge.pipeline.platform import Mode
from hisbridge.pipeline.spec import ColumnSource, FeedSpec
from hisbridge.platforms.cdc.client import CdcClient, VoidMode
from hisbridge.platforms.cdc.errors import (
    Busy,
    CdcError,
    EndpointRefused,
    Exchange,
    NotSent,
    OutcomeUnknown,
    Refused,
)
from hisbridge.platforms.cdc.feeds import CdcFeedOptions
from hisbridge.platforms.cdc.models import model_for, named_pairs, pii_fields, wire_pii_values
from hisbridge.platforms.cdc.tables import CdcTable

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger

FLAG_VALUE = "1"


class CdcSenderBase:
    """What both delivery targets share: the feed's table and model, identities, personal fields, message ids,
    and how a void is carried out (delete, or a flagged re-send)."""

    platform = "cdc"

    def __init__(self, *, void_mode: VoidMode = "delete", ledger: Ledger | None = None) -> None:
        if void_mode not in ("delete", "flag"):
            raise ValueError(f"void_mode must be 'delete' or 'flag', not {void_mode!r}")
        if void_mode == "flag" and ledger is None:
            raise ValueError("void_mode 'flag' re-sends what was delivered: the sender needs the ledger")
        self.void_mode = void_mode
        self.ledger = ledger

    # -- what the pipeline asks ------------------------------------------------------------------------------
    def model_for(self, spec: FeedSpec) -> type[BaseModel]:
        """The table's model; the feed's declaration is checked against the table first (before anything is
        recorded), so a mistake in the YAML fails the run instead of quarantining every record."""
        return model_for(check_feed(spec).name)

    def row_identity(self, spec: FeedSpec, row: dict[str, Any]) -> str | None:
        t = table_of(spec)
        value = row.get(t.column(t.key).camel)
        return None if value is None else str(value)

    def personal_fields(self, spec: FeedSpec) -> Sequence[str]:
        return tuple(f for f in pii_fields(table_of(spec)) if f in spec.fields)

    def new_msgid(self) -> str:
        return f"cdc-{uuid.uuid4().hex}"

    def flags_voids(self, spec: FeedSpec) -> bool:
        """Whether a void of this feed's records is a flagged re-send rather than a delete."""
        return self.void_mode == "flag" and table_of(spec).voidable

    def correct(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        """Withdraw the record whose key is ``target`` (the pipeline corrects only voids: an upsert platform
        replaces changed records by sending them again)."""
        if not self.flags_voids(spec):
            return self._remove(spec, target, msgid)
        body = self._flagged(spec, target)
        if body is None:
            reason = f"{target}: no delivered content in the ledger to send again with invalid_flag 1"
            return MessageResult("rejected", [], [], err_msg=reason)
        return self._write_flagged(spec, body, msgid)

    # -- per target ------------------------------------------------------------------------------------------
    def _remove(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        raise NotImplementedError

    def _write_flagged(self, spec: FeedSpec, body: dict[str, Any], msgid: str) -> MessageResult:
        raise NotImplementedError

    def _flagged(self, spec: FeedSpec, target: str) -> dict[str, Any] | None:
        assert self.ledger is not None
        held = self.ledger.lookup(spec.feed, [target]).get(target)
        if held is None or not held.payload:
            return None
        body = held.payload_dict()
        if not isinstance(body, dict) or not body:
            return None
        body[table_of(spec).column("invalid_flag").camel] = FLAG_VALUE
        return body


class CdcSender(CdcSenderBase):
    """Push API: one ``POST`` per record; voids by ``DELETE`` (or a flagged ``POST``)."""

    def __init__(self, client: CdcClient, *, ledger: Ledger | None = None, void_mode: VoidMode | None = None) -> None:
        super().__init__(void_mode=void_mode or client.settings.void_mode, ledger=ledger)
        self.client = client

    def operation(self, spec: FeedSpec, mode: Mode) -> str:
        return f"POST {table_of(spec).entity}"

    def correction_operation(self, spec: FeedSpec) -> str:
        check_feed(spec)
        entity = table_of(spec).entity
        return f"POST {entity} invalid_flag=1" if self.flags_voids(spec) else f"DELETE {entity}"

    def upload(self, spec: FeedSpec, rows: Sequence[dict[str, Any]], mode: Mode, msgid: str) -> MessageResult:
        if len(rows) != 1:
            raise ValueError(f"the CDC front-end takes one record per request, not {len(rows)}")
        t = table_of(spec)
        try:
            answer = self.client.post(t.entity, rows[0], pii_values=wire_pii_values(t, rows))
        except Refused as exc:
            return _result("rejected", ["rejected"], [exc.words], exc.exchange, code=exc.error_code,
                           err_msg=exc.words)
        except CdcError as exc:
            return _transport(exc, 1)
        return _result("acknowledged", ["acknowledged"], [None], answer.exchange, ref=answer.id)

    def _remove(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        t = table_of(spec)
        body = {t.column(t.key).camel: target}
        try:
            answer = self.client.delete(t.entity, body)
        except Refused as exc:
            done = self.client.is_not_found(exc.words)  # nothing there is what a delete wants
            return _result("acknowledged" if done else "rejected", [], [], exc.exchange, code=exc.error_code,
                           err_msg=exc.words)
        except CdcError as exc:
            return _transport(exc, 0)
        return _result("acknowledged", [], [], answer.exchange, ref=answer.id)

    def _write_flagged(self, spec: FeedSpec, body: dict[str, Any], msgid: str) -> MessageResult:
        t = table_of(spec)
        try:
            answer = self.client.post(t.entity, body, pii_values=wire_pii_values(t, [body]))
        except Refused as exc:
            return _result("rejected", [], [], exc.exchange, code=exc.error_code, err_msg=exc.words)
        except CdcError as exc:
            return _transport(exc, 0)
        return _result("acknowledged", [], [], answer.exchange, ref=answer.id)

    def close(self) -> None:
        self.client.close()


def from_airflow(ledger: Ledger) -> CdcSenderBase:
    """The sender of a task: ``cdc_delivery_target`` says push (``cdc_frontend``) or database (``cdc_frontend_db``)."""
    from hisbridge.platforms.cdc import hooks

    if hooks.delivery_target() == "db":
        from hisbridge.platforms.cdc.frontend_db import FrontendDbSender

        db = hooks.CdcFrontendDbHook()
        return FrontendDbSender(db.engine, schema=db.settings.table_schema, void_mode=db.settings.void_mode,
                                ledger=ledger)
    return CdcSender(hooks.CdcFrontendHook().client, ledger=ledger)


# -- the feed's declaration against the table -----------------------------------------------------------------


def table_of(spec: FeedSpec) -> CdcTable:
    options = spec.platform_options
    assert isinstance(options, CdcFeedOptions), f"{spec.feed} is not a CDC feed"
    return options.cdc_table


#: id(spec) → (the spec, kept alive so that its id is not reused, and its checked table)
_checked: dict[int, tuple[FeedSpec, CdcTable]] = {}


def check_feed(spec: FeedSpec) -> CdcTable:
    """The feed's table, once the declaration is known to fit it (raises ``ValueError`` naming what is wrong)."""
    hit = _checked.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    t = _check(spec)
    _checked[id(spec)] = (spec, t)
    return t


def _check(spec: FeedSpec) -> CdcTable:
    t = table_of(spec)
    problems = []
    unknown = sorted(set(spec.fields) - {c.name for c in t.columns})
    if unknown:
        problems.append(f"fields {unknown} are not columns of {t.name}")
    if spec.lists:
        problems.append("the front-end takes flat records: no lists")
    filled = {name.name for code, name in named_pairs(t) if code.name in spec.fields}  # from the code set
    missing = sorted(c.name for c in t.columns if c.required and c.name not in spec.fields and c.name not in filled)
    if missing:
        problems.append(f"required columns {missing} are not mapped")
    source = spec.fields.get(t.key)
    if len(spec.business_key) != 1 or not isinstance(source, ColumnSource) or source.column != spec.business_key[0]:
        problems.append(f"the business key must be the one SQL column mapped to {t.key} (the front-end upserts "
                        f"and deletes by it): business_key: [{getattr(source, 'column', t.key)}]")
    if problems:
        raise ValueError(f"feed {spec.feed} (platform cdc, table {t.name}): " + "; ".join(problems))
    return t


# -- results ---------------------------------------------------------------------------------------------------


def _transport(exc: CdcError, n: int) -> MessageResult:
    outcome, state = {
        OutcomeUnknown: ("unknown", "unknown"),
        EndpointRefused: ("refused_by_gateway", "pending"),
        Busy: ("busy", "pending"),
        NotSent: ("not_sent", "pending"),
    }.get(type(exc), ("unknown", "unknown"))
    return _result(outcome, [state] * n, [str(exc)] * n, exc.exchange, err_msg=str(exc))


def _result(outcome: str, states: list[str], errors: list[str | None], exchange: Exchange | None, *,
            code: str | None = None, err_msg: str | None = None, ref: str | None = None) -> MessageResult:
    headers = None
    if exchange is not None:
        headers = {"method": exchange.method, "url": exchange.url, **exchange.request_headers}
    return MessageResult(
        outcome=outcome, row_states=states, row_errors=errors,
        platform_code=(code or None) and code[:64], err_msg=err_msg,
        http_status=exchange.status if exchange else None,
        request=exchange.request_text if exchange else None,
        request_headers=headers,
        response=exchange.response_text if exchange else None,
        platform_ref=(ref or None) and ref[:200],
        duration_ms=exchange.duration_ms if exchange else None,
    )
