"""Page tickets: genuine, unexpired and bound to exactly the page's parameters, or refused in Chinese."""

from __future__ import annotations

import pytest

from hisbridge.platforms.mutual.service.tickets import PageContext, TicketError, issue, verify

SECRET = "a-site-secret-of-enough-length"
CTX = PageContext("P0001", "D0101", "GH001", "lab", "recognize")
NOW = 1_800_000_000.0


def _ticket(ctx: PageContext = CTX, ttl: float = 600, secret: str = SECRET) -> str:
    return issue(ctx, secret, ttl, now=lambda: NOW)


def test_a_ticket_opens_the_page_it_was_issued_for() -> None:
    verify(_ticket(), CTX, SECRET, now=lambda: NOW + 599)


def test_a_ticket_carries_no_name_and_is_url_safe() -> None:
    ticket = _ticket()
    assert set(ticket) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@pytest.mark.parametrize(("other", "words"), [
    (PageContext("P0002", "D0101", "GH001", "lab", "recognize"), "不符"),
    (PageContext("P0001", "D0999", "GH001", "lab", "recognize"), "不符"),
    (PageContext("P0001", "D0101", "GH002", "lab", "recognize"), "不符"),
    (PageContext("P0001", "D0101", "GH001", "exam", "recognize"), "不符"),
    (PageContext("P0001", "D0101", "GH001", "lab", "view"), "不符"),
])
def test_a_ticket_does_not_open_another_patient_doctor_visit_type_or_mode(other, words) -> None:
    with pytest.raises(TicketError, match=words):
        verify(_ticket(), other, SECRET, now=lambda: NOW)


def test_an_expired_ticket_is_refused_after_a_small_leeway() -> None:
    ticket = _ticket(ttl=60)
    verify(ticket, CTX, SECRET, now=lambda: NOW + 64)
    with pytest.raises(TicketError, match="已过期"):
        verify(ticket, CTX, SECRET, now=lambda: NOW + 66)


@pytest.mark.parametrize("ticket", ["", None, "no-dot", ".sig", "payload.", "x.y"])
def test_a_missing_or_malformed_ticket_is_refused(ticket) -> None:
    with pytest.raises(TicketError, match="请从 HIS 重新打开互认页面"):
        verify(ticket, CTX, SECRET, now=lambda: NOW)


def test_a_forged_or_foreign_ticket_is_refused() -> None:
    payload, _, signature = _ticket().partition(".")
    forged = _ticket(PageContext("P0002", "D0101", "GH001", "lab", "recognize")).split(".")[0] + "." + signature
    for ticket in (forged, _ticket(secret="another-site-secret-value")):
        with pytest.raises(TicketError, match="无效"):
            verify(ticket, CTX, SECRET, now=lambda: NOW)


def test_a_ticket_needs_a_secret_and_plain_parameters() -> None:
    with pytest.raises(ValueError):
        issue(CTX, "", 60)
    with pytest.raises(ValueError):
        issue(PageContext("P\x1f1", "D", "V"), SECRET, 60)
