"""Fixtures of the browser tests: Debian's Chromium (Playwright drives it; nothing downloads a browser), one
running workstation per module (:func:`.harness.workstation`), and per test a fresh browser page at 1366×768 that
records every request and every console error.

Without Chromium the tests skip with a message saying how to install it — except in CI (``CI=true``), where they
fail instead, as the PostgreSQL tests do (``tests/conftest.py``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.browser.harness import CLOCK, VIEWPORT, Workstation, find_chromium, workstation
from tests.conftest import _create_database, _drop_database


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's Chromium."""
    path = find_chromium()
    if path is not None:
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Debian's chromium is required in CI but not found (shutil.which('chromium'), /usr/bin/chromium): "
                    "apt-get install chromium (make browser)")
    pytest.skip("Debian's chromium is not installed: apt-get install chromium (make browser) to run the browser "
                "tests; Playwright never downloads a browser here")


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator:
    """Chromium under Playwright for one module. Not for the session: while Playwright's sync API is running, its
    event loop counts as running in the main thread, and every later test that calls ``asyncio.run`` (or runs an
    anyio test) in the same worker would fail."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def station(chromium: str, pg_required: None) -> Iterator[Workstation]:
    """The workstation app under uvicorn, the simulator, a ledger and a HIS — shared by a module's tests, which
    keep apart by using a visit of their own (decisions, records and quotes are per visit)."""
    ledger_url, his_url = _create_database(), _create_database()
    try:
        with workstation(ledger_url, his_url, clock=CLOCK) as made:
            yield made
    finally:
        _drop_database(ledger_url)
        _drop_database(his_url)


@dataclass
class Watched:
    """A browser page with what it did: every request's URL, console errors and uncaught exceptions."""

    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign_requests(self, origin: str) -> list[str]:
        """Requests to anything but ``origin`` (``data:`` URLs are not requests to a host)."""
        return [u for u in self.requests if not u.startswith("data:")
                and "{0.scheme}://{0.netloc}".format(urlsplit(u)) != origin]


@pytest.fixture
def watched(browser) -> Iterator[Watched]:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(5000)
    seen = Watched(page)
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("console", lambda m: seen.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(f"uncaught: {e}"))
    try:
        yield seen
    finally:
        context.close()


@pytest.fixture
def visit() -> str:
    """A visit (GHId) of the test's own: its decisions, records and quotes are the test's alone."""
    return f"GH-{uuid.uuid4().hex[:12].upper()}"


@pytest.fixture
def as_user(browser):
    """``make(site, session)``: a new browser page logged in with the Airflow session cookie ``session`` on the
    host of ``site.url`` (a cookie holds for every port of a host: how another port's page gets it too)."""
    contexts = []

    def make(site, session: str):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.add_cookies([{"name": "_token", "value": session, "url": site.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(5000)
        return page

    yield make
    for context in contexts:
        context.close()
