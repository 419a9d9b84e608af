"""Browser tests: the real app served on localhost, driven by Playwright in Debian's Chromium.

Without /usr/bin/chromium these tests are skipped with a visible reason; CI sets
FLUXX_REQUIRE_BROWSER=1, which turns that skip into a failure.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.servers import served

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    def use_real_address(url: str) -> None:
        # Webhook signatures (and the phone simulator) use the address the server really has.
        served = app.state.context.settings.model_copy(update={"public_base_url": url})
        app.state.context = dataclasses.replace(app.state.context, settings=served)

    with served(app, before_start=use_real_address) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("FLUXX_REQUIRE_BROWSER") == "1":
            pytest.fail("FLUXX_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
