"""One 医保 sign-in (9001) per operator and day, shared by every task and process; signed out (9002) at day end.

Without this every task built its own :class:`~hisbridge.platforms.hsa.client.HsaClient`, signed in before its
first call and never signed out (about 580 sign-ins a day). With a :class:`SignInCache` the client asks for the
day's ``sign_no`` instead:

* :class:`SharedSignIns` keeps it in the ledger database (:class:`hisbridge.ledger.sessions.SessionStore`,
  platform ``hsa``, principal = ``opter_no`` or else ``opter``, day = the client's clock in Asia/Shanghai). The
  first call of a day signs in only if no task has; every other client reuses that ``sign_no``.
* When the platform refuses a call for its sign-in (签到), the client renews through the cache: the process
  that still finds the refused ``sign_no`` in the ledger signs in again and replaces it; any other process that
  was refused picks up the new one without a 9001. The call is then re-sent once with a new msgid, as before.
* A new day (by the client's clock) means a new sign-in.
* :func:`sign_out_day` — the DAG ``hsa_sign_out`` at 23:55 — sends 9002 for every open sign-in of that day and
  of earlier days and marks them closed. A task calling after that opens the day's sign-in again (one more
  9001); the next night's run signs it out, or closes it with the platform's refusal if it expired at midnight.

Leftover sign-ins of earlier days are **not** signed out by a new day's first sign-in: a feed task must not wait
for, or fail on, yesterday's 9002. The nightly run signs out every earlier day still open, so a missed night is
caught up by the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from hisbridge.platforms.hsa.errors import HsaError, Rejected, scrub
from hisbridge.platforms.hsa.msgid import SHANGHAI

if TYPE_CHECKING:
    from hisbridge.ledger.sessions import SessionStore
    from hisbridge.platforms.hsa.client import HsaClient

log = logging.getLogger(__name__)

#: the platform name under which 医保 sign-ins are kept in ``platform_session``
PLATFORM = "hsa"


class SignInCache(Protocol):
    """Where an :class:`HsaClient` gets its ``sign_no`` when it should not sign in on its own."""

    def current(self, principal: str, day: date, sign_in: Callable[[], str]) -> str:
        """The day's ``sign_no``; ``sign_in()`` (one 9001, returns the new ``sign_no``) only if there is none."""
        ...

    def renew(self, principal: str, day: date, refused: str, sign_in: Callable[[], str]) -> str:
        """A ``sign_no`` other than ``refused``: signs in again only if nobody has replaced ``refused`` yet."""
        ...

    def close(self, principal: str, day: date, sign_out: Callable[[str], object]) -> bool:
        """``sign_out(sign_no)`` (a 9002) for the day's open sign-in and forget it; ``False`` if none was open."""
        ...


class SharedSignIns:
    """A :class:`SignInCache` in the ledger, shared by every task and process that uses the same database.

    :param store: the ledger's session store.
    :param actor: who signs in, for ``platform_session.opened_by`` (default ``host:pid``).
    """

    def __init__(self, store: SessionStore, actor: str | None = None) -> None:
        self.store = store
        self.actor = actor

    def current(self, principal: str, day: date, sign_in: Callable[[], str]) -> str:
        return self.store.get_or_open(PLATFORM, principal, day, sign_in, self.actor)

    def renew(self, principal: str, day: date, refused: str, sign_in: Callable[[], str]) -> str:
        return self.store.renew(PLATFORM, principal, day, refused, sign_in, self.actor)

    def close(self, principal: str, day: date, sign_out: Callable[[str], object]) -> bool:
        return self.store.close(PLATFORM, principal, day, sign_out, self.actor)


def shanghai_day(moment: datetime) -> date:
    """The working day of ``moment`` in Asia/Shanghai (a naive ``moment`` is taken as Shanghai time)."""
    return (moment.astimezone(SHANGHAI) if moment.tzinfo is not None else moment).date()


@dataclass
class SignOutSummary:
    """What :func:`sign_out_day` did: counts for XCom, and the sessions it could not reach."""

    signed_out: int = 0  # 9002 accepted, session closed
    refused: int = 0  # 9002 refused by the platform (sign-in already ended there), session closed anyway
    superseded: int = 0  # renewed by a task while signing out: the new sign-in stays open
    failed: list[str] = field(default_factory=list)  # "principal day: error" — not reached, left open

    def counts(self) -> dict[str, int]:
        return {"signed_out": self.signed_out, "refused": self.refused, "superseded": self.superseded,
                "failed": len(self.failed)}  # fmt: skip


def sign_out_day(
    store: SessionStore,
    client_factory: Callable[[], HsaClient],
    day: date,
    *,
    include_day: bool = False,
    actor: str | None = None,
) -> SignOutSummary:
    """Send 9002 for every open 医保 sign-in of days before ``day`` (and of ``day`` with ``include_day``) and
    mark each closed. A 9002 the platform refuses (the sign-in expired or was already signed out there) closes
    the session too, with the platform's words in its note.

    :param client_factory: builds the client that sends the 9002s (only called if a session is open); each is
        sent with the session's own ``sign_no`` and operator. The caller closes the client.
    :raises HsaError: the first transport or gateway failure, after every other session was tried; the
        sessions not reached stay open for a retry.
    """
    summary = SignOutSummary()
    sessions = store.open_sessions(PLATFORM, before_day=day + timedelta(days=1) if include_day else day)
    if not sessions:
        log.info("hsa sign-out up to %s%s: no open sign-in", day, " (inclusive)" if include_day else "")
        return summary
    client = client_factory()
    errors: list[HsaError] = []
    for session in sessions:
        refused = False

        def closer(sign_no: str, principal: str = session.principal) -> str:
            nonlocal refused
            try:
                answer = client.sign_out_of(sign_no, opter_no=principal)
            except Rejected as exc:
                refused = True
                log.warning("hsa 9002 msgid=%s refused: %s; closing the session anyway", exc.msgid,
                            scrub(exc.err_msg))  # fmt: skip
                return f"9002 refused (msgid={exc.msgid}): {scrub(exc.err_msg)}"
            return f"9002 msgid={answer.exchange.msgid if answer.exchange else '?'}"

        try:
            closed = store.close(PLATFORM, session.principal, session.day, closer, actor)
        except HsaError as exc:
            log.warning("hsa sign-out of %s %s failed: %s", session.principal, session.day, exc)
            summary.failed.append(f"{session.principal} {session.day}: {type(exc).__name__}")
            errors.append(exc)
            continue
        if not closed:
            summary.superseded += 1
        elif refused:
            summary.refused += 1
        else:
            summary.signed_out += 1
    log.info("hsa sign-out up to %s: %s", day, summary.counts())
    if errors:
        raise errors[0]
    return summary
