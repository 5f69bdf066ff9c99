"""The 医保 platform as the feed pipeline sees it: uploads (single or batch "A"), 3507 withdrawals, and the
translation of every client outcome into ledger states. No Airflow here; ``platforms/registry.py`` wires it.

=============================  =====================  ===========================================================
client outcome                 message outcome        rows
=============================  =====================  ===========================================================
infcode 0, every row ok        acknowledged           acknowledged
infcode 0, some rows failed    partial                failed rows rejected (their errMsg), the others acknowledged
retRslt 0 (single) / Rejected  rejected               rejected with the platform's words
OutcomeUnknown                 unknown                unknown — resolved by the next run (ADR 3)
NotSent                        not_sent               pending — nothing reached the platform
GatewayRejected                refused_by_gateway     pending — fix the connection; the task fails without retry
=============================  =====================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from hisbridge.ledger.store import MessageResult
from hisbridge.logging import register_pii
from hisbridge.pipeline.deliver import Mode
from hisbridge.pipeline.spec import FeedSpec
from hisbridge.platforms.hsa import catalogue
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
from hisbridge.platforms.hsa.models import InventoryDelete, pii_fields


class HsaOutbox:
    platform = "hsa"

    def __init__(self, client: HsaClient) -> None:
        self.client = client

    def model_for(self, spec: FeedSpec) -> type[BaseModel]:
        return catalogue.get(spec.txn.single).body

    def new_msgid(self) -> str:
        return self.client.next_msgid()

    def upload_infno(self, spec: FeedSpec, mode: Mode) -> str:
        return spec.txn.batch if mode == "batch" and spec.txn.batch else spec.txn.single

    def row_identity(self, spec: FeedSpec, model: BaseModel) -> tuple[str, ...]:
        """Rows a batch answer could not tell apart must travel in different messages."""
        return row_key(catalogue.get(spec.txn.single), model.model_dump(mode="json"))

    def remember_pii(self, spec: FeedSpec, rows: Sequence[dict]) -> None:
        """Let the log masker know this chunk's names and identifiers (a Chinese name has no pattern)."""
        fields = pii_fields(self.model_for(spec))
        register_pii(row.get(f) for row in rows for f in fields)

    def upload(self, spec: FeedSpec, rows: Sequence[BaseModel], mode: Mode, msgid: str) -> MessageResult:
        infno = self.upload_infno(spec, mode)
        n = len(rows)
        try:
            if catalogue.get(infno).many:
                batch = self.client.call_batch(infno, rows, msgid=msgid)
                states = ["acknowledged" if r.ok else "rejected" for r in batch.rows]
                errors = [None if r.ok else (r.err_msg or "refused") for r in batch.rows]
                outcome = "acknowledged" if all(r.ok for r in batch.rows) else (
                    "rejected" if not any(r.ok for r in batch.rows) else "partial")
                return _result(outcome, states, errors, batch.answer.exchange, infcode=batch.answer.infcode,
                               err_msg=batch.answer.msg_rslt if outcome != "acknowledged" else None,
                               refmsgid=batch.answer.inf_refmsgid)
            answer = self.client.call(infno, rows[0], msgid=msgid)
            return _result("acknowledged", ["acknowledged"], [None], answer.exchange, infcode=answer.infcode,
                           refmsgid=answer.inf_refmsgid)
        except RowRejected as exc:
            reason = exc.answer.msg_rslt if exc.answer is not None else str(exc)
            return _result("rejected", ["rejected"] * n, [reason] * n, exc.exchange, infcode=0, err_msg=reason)
        except Rejected as exc:
            return _result("rejected", ["rejected"] * n, [exc.err_msg] * n, exc.exchange, infcode=exc.infcode,
                           err_msg=exc.err_msg)
        except HsaError as exc:
            return _transport(exc, n)

    def withdraw(self, spec: FeedSpec, correction_key: str, msgid: str) -> MessageResult:
        body = InventoryDelete(fixmedins_bchno=correction_key, inv_data_type=spec.txn.inv_data_type)
        try:
            answer = self.client.call(spec.txn.delete, body, msgid=msgid)
            return _result("acknowledged", [], [], answer.exchange, infcode=answer.infcode,
                           refmsgid=answer.inf_refmsgid)
        except Rejected as exc:
            if exc.is_not_found:  # nothing stored under this key: nothing to undo
                return _result("acknowledged", [], [], exc.exchange, infcode=exc.infcode, err_msg=exc.err_msg)
            return _result("rejected", [], [], exc.exchange, infcode=exc.infcode, err_msg=exc.err_msg)
        except RowRejected as exc:
            reason = exc.answer.msg_rslt if exc.answer is not None else str(exc)
            return _result("rejected", [], [], exc.exchange, infcode=0, err_msg=reason)
        except HsaError as exc:
            return _transport(exc, 0)


def _transport(exc: HsaError, n: int) -> MessageResult:
    if isinstance(exc, OutcomeUnknown):
        return _result("unknown", ["unknown"] * n, [str(exc)] * n, exc.exchange, err_msg=str(exc))
    if isinstance(exc, GatewayRejected):
        return _result("refused_by_gateway", ["pending"] * n, [str(exc)] * n, exc.exchange, err_msg=str(exc))
    if isinstance(exc, NotSent):
        return _result("not_sent", ["pending"] * n, [str(exc)] * n, exc.exchange, err_msg=str(exc))
    raise exc


def _result(outcome: str, states: list[str], errors: list[str | None], exchange: Exchange | None, *,
            infcode: int | None = None, err_msg: str | None = None, refmsgid: str | None = None) -> MessageResult:
    return MessageResult(
        outcome=outcome, row_states=states, row_errors=errors, infcode=infcode, err_msg=err_msg,
        http_status=exchange.status if exchange else None,
        request=exchange.request if exchange else None,
        request_headers=exchange.request_headers if exchange else None,
        response=exchange.response_text if exchange else None,
        inf_refmsgid=refmsgid or None,
        duration_ms=exchange.duration_ms if exchange else None,
        extra={"msgid_sent": exchange.msgid} if exchange else {},
    )
