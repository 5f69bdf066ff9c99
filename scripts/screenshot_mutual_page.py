"""Render the 互认 page for the docs: ``docs/images/mutual_page.png`` at 1366×768, on realistic data.

The same rig as the browser tests (``tests/browser/harness.py``): the workstation app under uvicorn, the 互认
platform simulator (clock fixed, so the reports are the same on any day), a ledger and a HIS in two temporary
PostgreSQL databases, and Debian's Chromium driven by Playwright (never a downloaded browser). The doctor's
clicks are real: the lab page is opened from a page link, 血常规 is recognised (互认), 糖化血红蛋白 is not
(原因 01), then 肝功能 is opened and reason 07 chosen — the moment the screenshot shows.

Run it when the page's look changes (the tests never write the image)::

    .venv/bin/python scripts/screenshot_mutual_page.py [--output docs/images/mutual_page.png]

Needs PostgreSQL at 127.0.0.1:5432 (or ``HISBRIDGE_TEST_PG``, as the tests) and ``apt-get install chromium``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "plugins", ROOT):  # as PYTHONPATH does for the tests
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / "var" / "test-airflow"))

DEFAULT_OUTPUT = ROOT / "docs" / "images" / "mutual_page.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the PNG goes")
    args = parser.parse_args(argv)

    from playwright.sync_api import expect, sync_playwright

    from tests.browser.harness import CLOCK, VIEWPORT, find_chromium, workstation
    from tests.conftest import _create_database, _drop_database
    from tests.integration.platforms.mutual.service_support import VISIT

    chromium = find_chromium()
    if chromium is None:
        print("Debian's chromium is not installed: apt-get install chromium (make browser)", file=sys.stderr)
        return 2
    ledger_url, his_url = _create_database(), _create_database()
    try:
        with workstation(ledger_url, his_url, clock=CLOCK) as station, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True)
            try:
                page = browser.new_page(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
                page.set_default_timeout(10_000)
                page.goto(station.link(VISIT))
                message = page.locator("#mutual-message")

                def choose(name: str) -> None:  # the newest report of that item
                    row = page.locator("#report-list tr.report-row").filter(
                        has=page.locator(".col-item", has_text=name)).first
                    row.click()
                    expect(page.locator("#report-detail")).to_have_attribute(
                        "data-report-id", row.get_attribute("data-report-id") or "")
                    expect(message).to_have_text("已打开报告（已记录调阅）")

                choose("血常规")
                page.click("#btn-recognise")
                expect(message).to_have_attribute("data-kind", "ok")
                choose("糖化血红蛋白")
                page.select_option("#reason-select", "01")
                page.click("#btn-reject")
                expect(message).to_have_attribute("data-kind", "ok")
                choose("肝功能")
                page.select_option("#reason-select", "07")
                page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)  # no hover highlight in the picture
                page.evaluate("() => document.fonts.ready")
                args.output.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.output), full_page=False)
            finally:
                browser.close()
    finally:
        _drop_database(ledger_url)
        _drop_database(his_url)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
