"""The 医保 sender: uploads (single or batch "A"), corrections (3507 by batch, 3302 by id), and every client outcome
as ledger states.

=================================  =====================  ======================================================
client outcome                     message outcome        rows
=================================  =====================  ======================================================
infcode 0, every row ok            acknowledged           acknowledged
infcode 0, some rows failed        partial                failed rows rejected (their errMsg), others acknowledged
refusal (infcode / retRslt 0)      rejected               rejected with the platform's words
refusal meaning "try later"        busy                   pending — the task retries with back-off
OutcomeUnknown                     unknown                unknown — resolved by the next run (ADR 3)
NotSent                            not_sent               pending — nothing reached the platform
GatewayRejected                    refused_by_gateway     pending — fix the connection; the task fails, no retry
=================================  =====================  ======================================================

A correction's body is built by its kind (:data:`hisbridge.platforms.hsa.feeds.CORRECTIONS`): a group delete
(3507) from the target batch and the feed's data type, a delete by id (3302) from the target business key, whose
columns are named as the body's fields. A correction is ``acknowledged`` when the platform deleted, or answered
with words meaning "nothing found" (``include/mappings/hsa_answers.yaml``: a 3302 of a 对照 the platform does not
hold, as after a lost 3301 answer); any other refusal is ``rejected`` and the pipeline keeps the records
uncertain. No Airflow here except in :func:`from_airflow`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hisbridge.ledger.store import MessageResult
from hisbridge.pipeline.extract import KEY_SEP
from hisbridge.pipeline.platform import Correction, Mode
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.hsa import catalogue
from hisbridge.platforms.hsa.answers import AnswerMeanings, Meaning, load_meanings
from hisbridge.platforms.hsa.client import HsaClient, row_key
from hisbridge.platforms.hsa.envelope import Exchange
from hisbridge.platforms.hsa.errors import (
    GatewayRejected,
    HsaError,
    NotSent,
    OutcomeUnknown,
    Rejected,
    RowRejected,
)
from hisbridge.platforms.hsa.feeds import HsaFeedOptions
from hisbridge.platforms.hsa.models import InventoryDelete, pii_fields

if TYPE_CHECKING:
    from hisbridge.ledger.store import Ledger


class HsaSender:
    platform = "hsa"

    def __init__(self, client: HsaClient, meanings: AnswerMeanings | None = None) -> None:
        self.client = client
        self.meanings = meanings or load_meanings()

    # -- what the pipeline asks ------------------------------------------------------------------------------
    def model_for(self, spec: FeedSpec) -> type[BaseModel]:
        return catalogue.get(_options(spec).single).body

    def operation(self, spec: FeedSpec, mode: Mode) -> str:
        options = _options(spec)
        return options.batch if mode == "batch" and options.batch else options.single

    def correction_operation(self, spec: FeedSpec) -> str:
        """The correction's infno; also checked to be buildable for this feed, before anything is recorded."""
        options = _options(spec)
        if options.correction is Correction.DELETE_BY_ID:
            _key_fields(spec, options)
        return options.delete or ""

    def row_identity(self, spec: FeedSpec, row: dict[str, Any]) -> tuple[str, ...]:
        """Rows a batch answer could not tell apart must travel in different messages."""
        return row_key(catalogue.get(_options(spec).single), row)

    def personal_fields(self, spec: FeedSpec) -> Sequence[str]:
        return sorted(pii_fields(self.model_for(spec)))

    def new_msgid(self) -> str:
        return self.client.next_msgid()

    # -- messages --------------------------------------------------------------------------------------------
    def upload(self, spec: FeedSpec, rows: Sequence[dict[str, Any]], mode: Mode, msgid: str) -> MessageResult:
        infno = self.operation(spec, mode)
        n = len(rows)
        try:
            if catalogue.get(infno).many:
                batch = self.client.call_batch(infno, rows, msgid=msgid, wire=True)
                states = ["acknowledged" if r.ok else "rejected" for r in batch.rows]
                errors = [None if r.ok else (r.err_msg or "refused") for r in batch.rows]
                ok = sum(r.ok for r in batch.rows)
                outcome = "acknowledged" if ok == n else ("rejected" if ok == 0 else "partial")
                return _result(outcome, states, errors, batch.answer.exchange, code=batch.answer.infcode,
                               err_msg=batch.answer.msg_rslt if outcome != "acknowledged" else None,
                               ref=batch.answer.inf_refmsgid, asked=msgid)
            answer = self.client.call(infno, rows[0], msgid=msgid, wire=True)
            return _result("acknowledged", ["acknowledged"], [None], answer.exchange, code=answer.infcode,
                           ref=answer.inf_refmsgid, asked=msgid)
        except RowRejected as exc:
            return self._refusal(exc.msg_rslt or str(exc), n, exc.exchange, 0, msgid)
        except Rejected as exc:
            return self._refusal(exc.err_msg, n, exc.exchange, exc.infcode, msgid)
        except HsaError as exc:
            return _transport(exc, n, msgid)

    def correct(self, spec: FeedSpec, target: str, msgid: str) -> MessageResult:
        """Remove ``target`` from the platform: a batch for a group delete (3507), a business key for a delete
        by id (3302)."""
        options = _options(spec)
        body = _CORRECTION_BODIES[options.correction](spec, options, target, self.client.settings.fixmedins_code)
        try:
            answer = self.client.call(options.delete or "", body, msgid=msgid)
            return _result("acknowledged", [], [], answer.exchange, code=answer.infcode, ref=answer.inf_refmsgid,
                           asked=msgid)
        except RowRejected as exc:
            return self._correction_refusal(exc.msg_rslt or str(exc), exc.exchange, 0, msgid)
        except Rejected as exc:
            return self._correction_refusal(exc.err_msg, exc.exchange, exc.infcode, msgid)
        except HsaError as exc:
            return _transport(exc, 0, msgid)

    def close(self) -> None:
        self.client.close()

    # -- refusals by meaning ---------------------------------------------------------------------------------
    def _refusal(self, words: str, n: int, exchange: Exchange | None, code: int, asked: str) -> MessageResult:
        if self.meanings.meaning(words) is Meaning.TRY_LATER:
            return _result("busy", ["pending"] * n, [words] * n, exchange, code=code, err_msg=words, asked=asked)
        return _result("rejected", ["rejected"] * n, [words] * n, exchange, code=code, err_msg=words, asked=asked)

    def _correction_refusal(self, words: str, exchange: Exchange | None, code: int, asked: str) -> MessageResult:
        meaning = self.meanings.meaning(words)
        outcome = {Meaning.NOT_FOUND: "acknowledged", Meaning.TRY_LATER: "busy"}.get(meaning, "rejected")
        return _result(outcome, [], [], exchange, code=code, err_msg=words, asked=asked)


def from_airflow(ledger: Ledger) -> HsaSender:
    """The sender of a task: the ``hsa_platform`` connection, msgids from the ledger's shared counters, and the
    day's sign-in shared by every task through the ledger (one 9001 per operator and day)."""
    from hisbridge.ledger.sessions import SessionStore
    from hisbridge.platforms.hsa.hooks import HsaHook
    from hisbridge.platforms.hsa.msgid import CounterMsgIds

    msgids = CounterMsgIds(ledger.next_value, ledger.drop_counters)
    return HsaSender(HsaHook(msgids=msgids, sessions=SessionStore(ledger.engine)).client)


def _options(spec: FeedSpec) -> HsaFeedOptions:
    options = spec.platform_options
    assert isinstance(options, HsaFeedOptions), f"{spec.feed} is not a 医保 feed"
    return options


# -- correction bodies, by kind (feeds.CORRECTIONS says which kind a transaction is) -----------------------------
def _group_delete_body(spec: FeedSpec, options: HsaFeedOptions, target: str, fixmedins_code: str) -> BaseModel:
    """3507: everything of batch ``target`` (the feed's correction key) and the feed's data type."""
    return InventoryDelete(fixmedins_bchno=target, inv_data_type=options.inv_data_type)


def _delete_by_id_body(spec: FeedSpec, options: HsaFeedOptions, target: str, fixmedins_code: str) -> BaseModel:
    """3302: the record whose business key is ``target``; its columns are the body's fields, and the institution
    code, when the body asks for it, is ours (e.g. ``fixmedins_hilist_id|list_type|med_list_codg``)."""
    fields = _key_fields(spec, options)
    parts = target.split(KEY_SEP)
    if len(parts) != len(fields):
        raise ValueError(f"feed {spec.feed}: correction target {target!r} is not a {KEY_SEP.join(fields)} key")
    values: dict[str, str] = dict(zip(fields, parts, strict=True))
    body = catalogue.get(options.delete or "").body
    if "fixmedins_code" in body.model_fields:
        values["fixmedins_code"] = fixmedins_code
    return body.model_validate(values)


def _key_fields(spec: FeedSpec, options: HsaFeedOptions) -> list[str]:
    """The business key's columns, when they name exactly the delete body's fields (bar our institution code);
    a declaration that cannot build the body is a mistake to fix in the YAML, not a record to hold uncertain."""
    body = catalogue.get(options.delete or "").body
    needed = set(body.model_fields) - {"fixmedins_code"}
    required = {n for n, f in body.model_fields.items() if f.is_required()} - {"fixmedins_code"}
    key = list(spec.business_key)
    if not required <= set(key) or not set(key) <= needed:
        raise ValueError(f"feed {spec.feed}: a {options.delete} correction deletes by the business key, which must "
                         f"name its fields {sorted(required)} (it names {key})")
    return key


_CorrectionBody = Callable[[FeedSpec, HsaFeedOptions, str, str], BaseModel]
_CORRECTION_BODIES: Mapping[Correction, _CorrectionBody] = {
    Correction.GROUP_DELETE: _group_delete_body,
    Correction.DELETE_BY_ID: _delete_by_id_body,
}


def _transport(exc: HsaError, n: int, asked: str) -> MessageResult:
    if isinstance(exc, OutcomeUnknown):
        return _result("unknown", ["unknown"] * n, [str(exc)] * n, exc.exchange, err_msg=str(exc), asked=asked)
    if isinstance(exc, GatewayRejected):
        return _result("refused_by_gateway", ["pending"] * n, [str(exc)] * n, exc.exchange, err_msg=str(exc),
                       asked=asked)
    if isinstance(exc, NotSent):
        return _result("not_sent", ["pending"] * n, [str(exc)] * n, exc.exchange, err_msg=str(exc), asked=asked)
    raise exc


def _result(outcome: str, states: list[str], errors: list[str | None], exchange: Exchange | None, *,
            asked: str, code: int | None = None, err_msg: str | None = None, ref: str | None = None) -> MessageResult:
    return MessageResult(
        outcome=outcome, row_states=states, row_errors=errors,
        platform_code=None if code is None else str(code), err_msg=err_msg,
        http_status=exchange.status if exchange else None,
        request=exchange.request_text if exchange else None,
        request_headers=exchange.request_headers if exchange else None,
        response=exchange.response_text if exchange else None,
        platform_ref=ref or None,
        duration_ms=exchange.duration_ms if exchange else None,
        resent_as_msgid=exchange.msgid if exchange and exchange.msgid != asked else None,
    )
