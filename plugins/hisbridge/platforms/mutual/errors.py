"""Errors of a call to the 互认 platform, shaped by the question the ledger must answer: *did the platform act on
it?* Which answer code raises which error is data (``include/mappings/mutual_answers.yaml``, read by
:mod:`~hisbridge.platforms.mutual.answers`), not code.

::

    MutualError                 every failure of a call; ``.operation``, ``.exchange`` (the evidence; may be None)
    ├── NotSent                 the platform cannot have acted: connect error / connect timeout / TLS error,
    │                           HTTP 408. → retry
    ├── OutcomeUnknown          the request may have been processed: read timeout, connection dropped after
    │                           sending, HTTP 5xx, an answer that is not the platform's JSON, ``B0001``, or a
    │                           batch answer whose failed rows cannot be matched to the rows sent.
    │                           → ledger ``unknown``; an upload is simply sent again (the platform upserts by
    │                           BusinessNo; records dedupe by GUID); a query is simply asked again
    ├── Busy                    ``A0429`` / HTTP 429: nothing was processed, the platform asks us to slow down.
    │                           → retry with back-off
    ├── Misconfigured           ``A0401`` (authentication / signature), HTTP 401/403 or another 3xx/4xx without
    │                           the platform's answer (wrong host, port or path), or a batch larger than the
    │                           connection's ``max_batch``. → do not retry; fix the connection
    └── Refused                 the platform refused the message (``A0400`` or any code it does not classify
        │                       otherwise). Carries ``code``, ``msg``, ``details`` (``A0400``'s field errors)
        │                       and, for uploads, ``failed`` (per BusinessNo) and ``accepted``. → ``rejected``
        └── NotFound            ``A0404``: nothing there (a delete of something absent counts as done)

``UnknownOperation`` (a ``LookupError``) is a programming error — an operation that is not in the catalogue.

Messages (``str(error)``) carry the operation, the HTTP status, the answer code and the platform's
``request_id``; the platform's own words are included only after the body's personal values and anything
shaped like an ID-card or mobile number are replaced by ``***``. The attributes keep the words unchanged — for
the ledger, not for logs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hisbridge.logging import mask_text

_MAX_TEXT = 300


@dataclass(frozen=True)
class Exchange:
    """One HTTP round trip, as evidence for the ledger (``request_text`` is exactly what was sent; the headers
    are those sent, with the signature and the token replaced by ``***``)."""

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
    #: the platform's ``request_id`` (its reference to the call), when it answered
    request_id: str | None = None


@dataclass(frozen=True)
class Failure:
    """Why the platform refused one row (or one key of a delete): its answer code and words."""

    code: str
    msg: str

    def __str__(self) -> str:
        return f"{self.code} {self.msg}".strip()


def scrub(text: str | None, pii_values: Iterable[str] = ()) -> str:
    """``text`` with the body's personal values replaced by ``***``, then the log masker's patterns, cut short."""
    if not text:
        return ""
    for value in sorted({v for v in pii_values if v}, key=len, reverse=True):
        text = text.replace(value, "***")
    text = mask_text(text)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


class UnknownOperation(LookupError):
    """An operation that the catalogue does not know."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown 互认 platform operation {name!r}; the catalogue knows {', '.join(known)}")
        self.name = name


class MutualError(Exception):
    """Base of every failure of a call to the 互认 platform."""

    def __init__(self, message: str, *, operation: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.operation = operation
        self.exchange = exchange


class NotSent(MutualError):
    """The platform cannot have acted on the request: safe to send again."""


class OutcomeUnknown(MutualError):
    """The request may or may not have been processed."""


class Busy(MutualError):
    """The platform refused to take the request now (``A0429`` / HTTP 429): nothing was processed; retry later."""


class Misconfigured(MutualError):
    """Our side is wrong (credentials, signature, URL, batch size): retrying cannot help; fix the connection."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class _Words:
    msg: str
    details: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def text(self) -> str:
        extra = "；".join(f"{f}: {m}" if f else m for f, m in self.details)
        return f"{self.msg}（{extra}）" if extra and self.msg else (self.msg or extra)


class Refused(MutualError):
    """The platform refused the message.

    :param code: its answer code (``A0400`` …)
    :param msg: its words
    :param details: ``A0400``'s field errors, ``(field, msg)`` pairs
    :param failed: for an upload whose answer names failed rows: BusinessNo → why
    :param accepted: for such an upload: how many rows the platform says it took (0 unless it says so)
    """

    def __init__(self, *, operation: str, code: str, msg: str, exchange: Exchange | None = None,
                 details: Sequence[tuple[str, str]] = (), failed: Mapping[str, Failure] | None = None,
                 accepted: int = 0, pii_values: Iterable[str] = ()) -> None:
        words = _Words(msg or "", tuple(details)).text()
        request_id = exchange.request_id if exchange else None
        ref = f", request_id={request_id}" if request_id else ""
        super().__init__(f"互认平台 {operation} refused ({code}{ref}): {scrub(words, pii_values) or '(no msg)'}",
                         operation=operation, exchange=exchange)
        self.code = code
        self.msg = msg or ""
        self.details = tuple(details)
        self.failed: dict[str, Failure] = dict(failed or {})
        self.accepted = accepted
        #: the platform's words with its field errors, unchanged (for the ledger)
        self.words = words or code


class NotFound(Refused):
    """``A0404``: the platform holds nothing of that name."""
