"""Errors of a 医保 call, shaped by the question the ledger must answer: *did the platform act on it?*

::

    HsaError                    every failure of a call; ``.exchange`` holds the evidence (may be None)
    ├── NotSent                 the platform cannot have acted: connect error / connect timeout / TLS error,
    │                           HTTP 408/429; or any ambiguous failure of a read-only transaction
    │                           (``changes_state=False``), which is safe to repeat. → retry
    ├── OutcomeUnknown          a state-changing request may have been processed: read timeout, connection
    │                           dropped after sending, HTTP 5xx, unparsable body, or a batch answer whose
    │                           failed rows cannot be matched to the rows sent. → ledger ``unknown``; resolve
    ├── GatewayRejected         the gateway refused us before the platform saw the message: HTTP 401/403 or
    │                           another 3xx/4xx, or a gateway JSON (``{"code":…, "msg":…}``) instead of the
    │                           envelope. A configuration problem (signature, account, URL). → do not retry
    ├── Rejected                the platform answered ``infcode != 0`` (the whole message). Carries
    │                           ``infcode``, ``err_msg``, ``msgid``. → ledger ``rejected``, not retried
    └── RowRejected             a single-row transaction answered ``infcode 0`` but ``result.retRslt "0"``.
                                Carries ``msg_rslt``, ``msgid``. → ledger ``rejected``, not retried

``UnknownTransaction`` (a ``LookupError``) is a programming error — an infno that is not in the catalogue — and
not part of the tree.

Messages (``str(error)``) never contain patient data: they carry the infno, msgid, HTTP status and codes; the
platform's own words (``err_msg`` / ``msg_rslt``) are included only after the values of the body's personal-data
fields and anything shaped like an ID-card or mobile number are replaced by ``***``. The attributes keep the
platform's words unchanged — for the ledger, not for logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from hisbridge.logging import mask_text

if TYPE_CHECKING:
    from hisbridge.platforms.hsa.envelope import Exchange, HsaAnswer

_MAX_TEXT = 300


def scrub(text: str | None, pii_values: Iterable[str] = ()) -> str:
    """``text`` with the body's personal values replaced by ``***``, then the log masker's patterns and keys
    (hisbridge.logging.mask_text: ID numbers, mobiles, names after PII keys), cut to a readable length."""
    if not text:
        return ""
    for value in sorted({v for v in pii_values if v}, key=len, reverse=True):
        text = text.replace(value, "***")
    text = mask_text(text)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


class UnknownTransaction(LookupError):
    """An infno that the catalogue does not know."""

    def __init__(self, infno: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown 医保 transaction {infno!r}; the catalogue knows {', '.join(known)}")
        self.infno = infno


class HsaError(Exception):
    """Base of every failure of a 医保 call."""

    def __init__(
        self,
        message: str,
        *,
        infno: str | None = None,
        msgid: str | None = None,
        exchange: Exchange | None = None,
        exchanges: tuple[Exchange, ...] = (),
    ) -> None:
        super().__init__(message)
        self.infno = infno
        self.msgid = msgid
        #: the evidence of the last attempt (request sent, headers minus secrets, raw answer, status, duration)
        self.exchange = exchange
        #: every attempt of this call (more than one after a re-sign-in retry)
        self.exchanges = exchanges or ((exchange,) if exchange is not None else ())


class NotSent(HsaError):
    """The platform cannot have acted on the message: safe to send again (with a new msgid)."""


class OutcomeUnknown(HsaError):
    """The message may or may not have been processed: the ledger marks it ``unknown`` until resolved."""


class GatewayRejected(HsaError):
    """The gateway refused the request (auth, account, URL): a configuration problem, not retried."""

    def __init__(self, message: str, *, status: int | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.status = status


class Rejected(HsaError):
    """The platform refused the message (``infcode != 0``)."""

    def __init__(
        self,
        *,
        infno: str,
        msgid: str,
        infcode: int,
        err_msg: str | None,
        answer: HsaAnswer | None = None,
        pii_values: Iterable[str] = (),
        **kwargs,
    ) -> None:
        super().__init__(
            f"医保 {infno} refused (infcode={infcode}, msgid={msgid}): {scrub(err_msg, pii_values) or '(no err_msg)'}",
            infno=infno,
            msgid=msgid,
            **kwargs,
        )
        self.infcode = infcode
        self.err_msg = err_msg or ""
        self.answer = answer

    @property
    def is_not_found(self) -> bool:
        """The platform found nothing to act on ("未查询到…"), e.g. a 3507 for a batch it never stored."""
        return "未查询到" in self.err_msg

    @property
    def is_sign_expired(self) -> bool:
        """The refusal is about the sign-in (签到): sign in again and retry once."""
        return "签到" in self.err_msg


class RowRejected(HsaError):
    """A single-row transaction was accepted by the envelope but its row was refused (``retRslt "0"``)."""

    def __init__(
        self,
        *,
        infno: str,
        msgid: str,
        msg_rslt: str | None,
        answer: HsaAnswer | None = None,
        pii_values: Iterable[str] = (),
        **kwargs,
    ) -> None:
        super().__init__(
            f"医保 {infno} row refused (retRslt=0, msgid={msgid}): {scrub(msg_rslt, pii_values) or '(no msgRslt)'}",
            infno=infno,
            msgid=msgid,
            **kwargs,
        )
        self.msg_rslt = msg_rslt or ""
        self.answer = answer
