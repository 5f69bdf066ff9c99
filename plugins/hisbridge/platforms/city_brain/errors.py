"""Errors of a push to the 城市大脑 (notify / history), shaped by the question the ledger must answer: *did the city
brain act on it?* Which answer code raises which error is data (``include/mappings/city_brain_outbound_answers.yaml``,
read by :mod:`~hisbridge.platforms.city_brain.outbound`), not code.

::

    CityBrainError              every failure of a push; ``.operation``, ``.exchange`` (the evidence; may be None)
    ├── NotSent                 the city brain cannot have acted: connect error / connect timeout / TLS error,
    │                           HTTP 408. → retry
    ├── OutcomeUnknown          the request may have been processed: read timeout, connection dropped after
    │                           sending, HTTP 5xx, an answer that is not the city brain's JSON, ``5000``, or a
    │                           history answer whose failed records cannot be matched to the records sent.
    │                           → ledger ``unknown``; the next run sends the records again (notify dedupes by
    │                           eventId, history upserts by recordId) — signed afresh, with a new nonce
    ├── Busy                    ``1007`` / HTTP 429, ``5003``, ``1004``: nothing was processed; come back later.
    │                           → records stay pending; Airflow retries with back-off
    ├── Misconfigured           ``1001``–``1003``, ``1005``, ``1006``, ``2004``, HTTP 401/403 or another 3xx/4xx
    │                           without the city brain's answer (wrong host, port or path), more records than a
    │                           call may carry. → do not retry; fix the connection ``city_brain`` (or the clock)
    └── Refused                 the city brain refused the call as a whole (``2001`` or a code it does not
                                classify otherwise). Carries ``code`` and ``words``. → ``rejected``

A history call answered ``0`` is not an error even when records were refused: the answer lists them
(:class:`Failure`) and the sender rejects those records with the city brain's words.

Messages (``str(error)``) carry the operation, the HTTP status, the answer code and the city brain's
``requestId``; its own words are included after anything shaped like an ID-card or mobile number is replaced
by ``***`` (the attributes keep the words unchanged — for the ledger, not for logs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hisbridge.logging import mask_text

_MAX_TEXT = 300


@dataclass(frozen=True)
class Exchange:
    """One HTTP round trip, as evidence for the ledger (``request_text`` is exactly the body sent: the signed
    envelope; the signature is not a secret — the nonce makes it single-use)."""

    operation: str
    method: str
    url: str
    request_text: str
    request_headers: dict[str, str]
    sent_at: datetime
    status: int | None = None
    response_text: str | None = None
    duration_ms: int = 0
    #: the exception that ended the call before an answer (``ReadTimeout`` …)
    error: str | None = None
    #: the city brain's ``requestId`` (its reference to the call), when it answered
    request_id: str | None = None
    #: the envelope's nonce (each call, a re-send included, has its own)
    nonce: str | None = None


@dataclass(frozen=True)
class Failure:
    """Why the city brain refused one record of a history call (``data.failed[]``)."""

    record_id: str | None
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code} {self.message}".strip()


def scrub(text: str | None) -> str:
    """``text`` through the log masker (ID-card and mobile numbers → ``***``), cut short."""
    if not text:
        return ""
    text = mask_text(text)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


class CityBrainError(Exception):
    """Base of every failure of a push to the city brain."""

    def __init__(self, message: str, *, operation: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.operation = operation
        self.exchange = exchange


class NotSent(CityBrainError):
    """The city brain cannot have acted on the request: safe to send again."""


class OutcomeUnknown(CityBrainError):
    """The request may or may not have been processed."""


class Busy(CityBrainError):
    """The city brain did not take the request now (``1007``, ``5003`` …): nothing was processed; retry later."""

    def __init__(self, message: str, *, code: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.code = code


class Misconfigured(CityBrainError):
    """Our side is wrong (appId, secret, sign type, clock, address, path): retrying cannot help."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.status = status
        self.code = code


class Refused(CityBrainError):
    """The city brain refused the whole call.

    :param code: its answer code (``2001`` …)
    :param words: its message, unchanged (for the ledger)
    """

    def __init__(self, *, operation: str, code: str, words: str, exchange: Exchange | None = None) -> None:
        request_id = exchange.request_id if exchange else None
        ref = f", requestId={request_id}" if request_id else ""
        super().__init__(f"城市大脑 {operation} refused ({code}{ref}): {scrub(words) or '(no message)'}",
                         operation=operation, exchange=exchange)
        self.code = code
        self.words = words or code
