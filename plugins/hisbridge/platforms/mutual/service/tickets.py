"""Page tickets: what lets a browser open the 互认 page for one patient, doctor and visit, and nothing else.

The HIS asks ``POST /api/v1/page-link`` (with its bearer token) and opens the URL it gets. The URL carries the
page's parameters in the analogue's spelling (``PatientID``, ``doctorId``, ``GHId``, ``type``, ``mode``) and a
``ticket``: those same values and an expiry, signed with HMAC-SHA256 under the site's ticket secret. The page and
every call of its JSON API check that the ticket is genuine, unexpired and binds exactly the parameters in use —
so a URL copied out of the HIS opens only that visit's page, only for a while, and editing ``PatientID`` in it
opens nothing.

A ticket is ``<payload>.<signature>``, both URL-safe Base64 without padding; the payload is the values joined by
the unit separator (U+001F, which no HIS identifier contains). It carries the patient's HIS id, not a name or an
ID number. Every worker of the service checks a ticket another worker issued: the secret is the site's, not the
process's.

Sites whose workstations open the page on a closed intranet without going through the HIS's link call (as the
analogue does) set ``page_auth: none``; the parameters are then taken as given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

PageType = Literal["lab", "exam"]
PageMode = Literal["recognize", "view"]
_SEP = "\x1f"


class TicketError(ValueError):
    """The ticket is missing, forged, expired, or for other parameters; the message is for the doctor."""


@dataclass(frozen=True)
class PageContext:
    """Whose page: the patient, the doctor, the visit, lab or exam reports, and whether decisions may be made."""

    patient_id: str
    doctor_id: str
    visit_id: str
    type: PageType = "lab"
    mode: PageMode = "recognize"

    @property
    def item_type(self) -> str:
        """The platform's itemType for the page's type."""
        return "LIS" if self.type == "lab" else "PACS"

    def values(self) -> tuple[str, ...]:
        return self.patient_id, self.doctor_id, self.visit_id, self.type, self.mode


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def issue(context: PageContext, secret: str, ttl_s: float, *, now: Callable[[], float] = time.time) -> str:
    """A ticket for ``context`` valid for ``ttl_s`` seconds."""
    if not secret:
        raise ValueError("a page ticket needs the site's ticket secret")
    if any(_SEP in v for v in context.values()):
        raise ValueError("page parameters may not contain the unit separator")
    expires = int(now() + ttl_s)
    payload = _b64(_SEP.join((*context.values(), str(expires))).encode("utf-8"))
    return f"{payload}.{_signature(secret.encode('utf-8'), payload)}"


def verify(ticket: str | None, context: PageContext, secret: str, *, now: Callable[[], float] = time.time,
           leeway_s: float = 5) -> None:
    """Nothing when ``ticket`` is genuine, unexpired and binds exactly ``context``; else :class:`TicketError`."""
    if not ticket:
        raise TicketError("缺少页面票据（ticket）：请从 HIS 重新打开互认页面")
    payload, dot, signature = ticket.partition(".")
    if not dot or not payload or not signature:
        raise TicketError("页面票据格式不正确：请从 HIS 重新打开互认页面")
    if not hmac.compare_digest(signature, _signature(secret.encode("utf-8"), payload)):
        raise TicketError("页面票据无效：请从 HIS 重新打开互认页面")
    try:
        *values, expires = _unb64(payload).decode("utf-8").split(_SEP)
        expiry = int(expires)
    except (ValueError, UnicodeDecodeError):  # signed by us, so only a change of format gets here
        raise TicketError("页面票据无法识别：请从 HIS 重新打开互认页面") from None
    if now() > expiry + leeway_s:
        raise TicketError("页面票据已过期：请从 HIS 重新打开互认页面")
    if tuple(values) != context.values():
        raise TicketError("页面票据与病人、医生或就诊不符：请从 HIS 重新打开互认页面")
