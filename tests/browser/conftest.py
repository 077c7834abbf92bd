"""
Fixtures for tests that drive a real browser (Debian's Chromium, through Playwright) against
pytest-django's live server.

Playwright's own browser download does not work offline, so Chromium comes from the system:
`make browser` installs it, or point CHROMIUM_PATH at another build. A missing Chromium fails
these tests instead of skipping them, so a green run always means the pages were really driven.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> str:
    configured = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    found = shutil.which(configured)
    if found is None:
        pytest.fail(
            f"Chromium is not installed at {configured!r}, so the browser tests cannot run. "
            "Install it with `make browser` (scripts/install-chromium) or set CHROMIUM_PATH "
            "to a Chromium executable.",
            pytrace=False,
        )
    return found


@contextlib.contextmanager
def _django_allows_sync_orm_in_event_loop() -> Iterator[None]:
    """
    Playwright's sync API keeps an asyncio event loop running in this thread, and Django
    refuses ORM calls from a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@contextlib.contextmanager
def _browser_tab(base_url: str, **context_options) -> Iterator:
    """
    Launch Chromium and open one tab on base_url; close both afterwards.

    One Playwright per test, started after the test database is set up and stopped before it is
    flushed: while Playwright's loop runs, Django hands out separate, context-local database
    connections (asgiref treats the thread as async), so the test database's setup and teardown
    must happen outside it, and the connections opened inside it are closed before it stops.
    """
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        pytest.fail("The playwright package is missing: pip install -e '.[dev]'", pytrace=False)

    with _django_allows_sync_orm_in_event_loop(), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                base_url=base_url, viewport={"width": 1366, "height": 900}, **context_options
            )
            context.set_default_timeout(10_000)
            page = context.new_page()
            # What the page failed to load (a missing stylesheet, a 500 from an htmx request),
            # for the test to assert on.
            page.problems = []
            page.on(
                "response",
                lambda r: (
                    page.problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
                ),
            )
            page.on("pageerror", lambda error: page.problems.append(f"JavaScript error: {error}"))
            yield page
        finally:
            browser.close()
            connections.close_all()


def _require_browser_marker(request) -> None:
    if request.node.get_closest_marker("browser") is None:
        pytest.fail("Tests using a browser page must be marked @pytest.mark.browser", pytrace=False)


@pytest.fixture
def browser_page(request, transactional_db, live_server) -> Iterator:
    """A fresh Chromium tab on the live server (relative URLs work); tests must be `browser`."""
    _require_browser_marker(request)
    with _browser_tab(live_server.url) as page:
        yield page


@pytest.fixture
def browser_page_without_js(request, transactional_db, live_server) -> Iterator:
    """Like browser_page with JavaScript off: the pages must still work as plain HTML."""
    _require_browser_marker(request)
    with _browser_tab(live_server.url, java_script_enabled=False) as page:
        yield page


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot as artifacts/screenshots/<test name>[-<suffix>].png."""

    def take(page, suffix: str = "") -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = request.node.name + (f"-{suffix}" if suffix else "")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
