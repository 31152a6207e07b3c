"""Headless Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright against the app served by uvicorn
on a free loopback port, over the throwaway test database with the Xiamen samples loaded."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


BROWSER_TESTS = Path(__file__).resolve().parent
_driver: dict[str, Any] = {}
"""The Playwright driver and the Chromium it launched, while the run is in this folder's tests."""


def _shared_chromium() -> Any:
    if "browser" not in _driver:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _driver["playwright"] = playwright
        _driver["browser"] = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    return _driver["browser"]


def _close_chromium() -> None:
    browser = _driver.pop("browser", None)
    if browser is not None:
        browser.close()
        _driver.pop("playwright").stop()


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the browser tests in a row (every module gets its own contexts, which keep
    nothing of another's). It closes when the run leaves this folder: Playwright's sync API allows one driver
    per thread at a time and marks its event loop as the thread's running one between calls, so tests
    elsewhere (tests/test_parcels.py starts its own) run without it."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap --with-browser)")
    return _shared_chromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a test's fixtures are torn down: close the shared Chromium when the next test is elsewhere."""
    try:
        return (yield)
    finally:
        if nextitem is None or BROWSER_TESTS not in Path(nextitem.path).resolve().parents:
            _close_chromium()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _close_chromium()


@dataclass
class Watched:
    """A browser tab and what it saw: console errors, uncaught exceptions, responses."""

    page: object
    context: object = None
    errors: list[str] = field(default_factory=list)
    responses: list[object] = field(default_factory=list)
    started: int = 0
    ended: int = 0

    def settle(self, quiet_ms: int = 400, timeout_s: float = 20) -> None:
        """Wait until no request of this tab is in flight and none has started or ended for ``quiet_ms``
        (Playwright's networkidle is a load state: once reached, it no longer waits for what a click or a pan
        starts)."""
        settle_tabs([self], quiet_ms, timeout_s)

    def tile_responses(self) -> list[object]:
        return [response for response in self.responses if "/tiles/" in response.url]

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def settle_tabs(tabs: list[Watched], quiet_ms: int = 400, timeout_s: float = 20) -> None:
    """Wait until no request of any of ``tabs`` (tabs of the one browser) is in flight and none has started or
    ended for ``quiet_ms``: tabs loading side by side settle together.

    The counts are looked at every 50 ms (each wait hands Playwright's events over, for every tab); the quiet
    time runs from the last look that saw them change, so it is never shorter than ``quiet_ms``."""
    deadline = time.monotonic() + timeout_s
    seen, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        tabs[0].page.wait_for_timeout(50)
        counts = [(tab.started, tab.ended) for tab in tabs]
        if counts != seen:
            seen, quiet_since = counts, time.monotonic()
        elif all(ended >= started for started, ended in counts) and time.monotonic() - quiet_since >= quiet_ms / 1000:
            return
    raise AssertionError(f"requests still in flight after {timeout_s} s")


PROPOSAL_DETAIL = re.compile(r".*/api/v1/proposals/\d+$")


@contextmanager
def proposal_details_refused(page: Any) -> Iterator[list[str]]:
    """Inside the block, every request of one proposal's detail (``GET /api/v1/proposals/<id>``) the page makes
    fails, and its URL is added to the list the block is given: a page that lists proposals needs none of them,
    its one list request carries the sites, conflicts and actions."""
    asked: list[str] = []

    def refuse(route: Any) -> None:
        asked.append(route.request.url)
        route.abort()

    page.route(PROPOSAL_DETAIL, refuse)
    try:
        yield asked
    finally:
        page.unroute(PROPOSAL_DETAIL)


@pytest.fixture
def open_tab(chromium) -> Iterator[Callable[..., Watched]]:
    """``open_tab(width=1440, language="zh")``: a fresh tab in a browser context of its own (own cookies and
    session storage) that records console errors and responses; ``watched.context.new_page()`` opens another
    tab of the same browser session. ``storage_state`` (another context's ``storage_state()``) starts the
    context with that one's cookies, e.g. its login."""
    contexts = []

    def opened(width: int = 1440, language: str = "zh", storage_state: dict | None = None) -> Watched:
        context = chromium.new_context(viewport={"width": width, "height": 900 if width > 800 else 844},
                                       locale="zh-CN" if language == "zh" else "en-GB", storage_state=storage_state)
        contexts.append(context)
        page = context.new_page()
        watched = Watched(page)
        watched.context = context
        page.on("console", lambda message: watched.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))
        page.on("response", lambda response: watched.responses.append(response))
        page.on("request", lambda request: setattr(watched, "started", watched.started + 1))
        for done in ("requestfinished", "requestfailed"):
            page.on(done, lambda request: setattr(watched, "ended", watched.ended + 1))
        return watched

    yield opened
    for context in contexts:
        context.close()


@pytest.fixture
def tab(open_tab) -> Watched:
    """A fresh 1440 px tab, Chinese."""
    return open_tab()
