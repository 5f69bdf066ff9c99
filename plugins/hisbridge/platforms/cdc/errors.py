"""Errors of a call to the CDC front-end's push API, shaped by the question the ledger must answer: *did the
front-end act on it?*

::

    CdcError                    every failure of a call; ``.exchange`` holds the evidence (may be None)
    ├── NotSent                 the front-end cannot have acted: connect error / connect timeout / TLS error,
    │                           HTTP 408. → retry
    ├── Busy                    HTTP 429: the front-end asks us to slow down; nothing was processed. → retry later
    ├── OutcomeUnknown          the request may have been processed: read timeout, connection dropped after
    │                           sending, HTTP 5xx, an answer that is not JSON or has no ``result``.
    │                           → ledger ``unknown``; the next run sends it again (an upsert by id is safe to repeat)
    ├── EndpointRefused         HTTP 3xx/4xx without the front-end's answer (wrong host, path or entity, a proxy
    │                           in the way). A configuration problem. → do not retry, fix the connection
    └── Refused                 the front-end answered ``result: false``. Carries ``error_code``, ``words`` (its
                                ``desc`` / ``errorName`` / ``msg``) and the record ``id``. → ledger ``rejected``

Messages (``str(error)``) carry the entity, the record id, the HTTP status and codes; the front-end's own words
are included only after the body's personal values and anything shaped like an ID-card or mobile number are
replaced by ``***``. The attributes keep the words unchanged — for the ledger, not for logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hisbridge.logging import mask_text

_MAX_TEXT = 300


@dataclass(frozen=True)
class Exchange:
    """One HTTP round trip, as evidence for the ledger (``request_text`` is exactly what was sent)."""

    method: str
    url: str
    request_text: str
    request_headers: dict[str, str]
    sent_at: datetime
    status: int | None = None
    response_text: str | None = None
    duration_ms: int = 0
    error: str | None = None


def scrub(text: str | None, pii_values: Iterable[str] = ()) -> str:
    """``text`` with the body's personal values replaced by ``***``, then the log masker's patterns, cut short."""
    if not text:
        return ""
    for value in sorted({v for v in pii_values if v}, key=len, reverse=True):
        text = text.replace(value, "***")
    text = mask_text(text)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


class CdcError(Exception):
    """Base of every failure of a front-end call."""

    def __init__(self, message: str, *, entity: str, record_id: str | None = None,
                 exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.entity = entity
        self.record_id = record_id
        self.exchange = exchange


class NotSent(CdcError):
    """The front-end cannot have acted on the request: safe to send again."""


class Busy(NotSent):
    """The front-end refused to take the request now (HTTP 429): nothing was processed; retry later."""


class OutcomeUnknown(CdcError):
    """The request may or may not have been processed: the ledger marks it ``unknown`` until resolved."""


class EndpointRefused(CdcError):
    """The request never reached the front-end's receiver (wrong URL or entity, a proxy): fix the connection."""

    def __init__(self, message: str, *, status: int | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.status = status


class Refused(CdcError):
    """The front-end answered ``result: false``."""

    def __init__(self, *, entity: str, record_id: str | None, error_code: str | None, words: str,
                 pii_values: Iterable[str] = (), exchange: Exchange | None = None) -> None:
        code = f" errorCode={error_code}" if error_code else ""
        super().__init__(f"前置软件 {entity} refused id={record_id}{code}: {scrub(words, pii_values) or '(no reason)'}",
                         entity=entity, record_id=record_id, exchange=exchange)
        self.error_code = error_code
        self.words = words
