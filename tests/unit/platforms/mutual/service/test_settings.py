"""The service's settings: a ticket secret whenever pages are ticketed; from the ``mutual_workstation``
connection."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from hisbridge.platforms.mutual.service.settings import WorkstationSettings
from hisbridge.platforms.mutual.service.wiring import workstation_settings


def test_ticketed_pages_need_a_secret_and_intranet_pages_do_not() -> None:
    with pytest.raises(ValidationError, match="ticket_secret"):
        WorkstationSettings()
    with pytest.raises(ValidationError, match="ticket_secret"):
        WorkstationSettings(ticket_secret="short")
    assert WorkstationSettings(page_auth="none").secret == ""
    settings = WorkstationSettings(ticket_secret="x" * 32)
    assert (settings.budget_s, settings.lookback_days, settings.ticket_ttl_s) == (0.8, 90, 600)


def test_settings_from_the_connection_name_it_when_wrong() -> None:
    conn = SimpleNamespace(password="s" * 20, extra_dejson={"reminder_budget_ms": 500, "page_timeout_s": 2})
    settings = workstation_settings(conn)
    assert settings.secret == "s" * 20 and settings.reminder_budget_ms == 500
    with pytest.raises(ValueError, match="mutual_workstation.*reminder_budget_ms"):
        workstation_settings(SimpleNamespace(password="s" * 20, extra_dejson={"reminder_budget_ms": 5}))
    with pytest.raises(ValueError, match="mutual_workstation.*unknown_key"):
        workstation_settings(SimpleNamespace(password="s" * 20, extra_dejson={"unknown_key": 1}))
    with pytest.raises(ValueError, match="create the connection 'mutual_workstation'"):
        workstation_settings(None)
    assert repr(settings).count("s" * 20) == 0, "the secret is not shown"
