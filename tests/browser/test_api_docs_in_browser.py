"""ReDoc renders from our own static files: the browser fetches nothing from another host."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

# serialized_rollback like the other browser tests: a plain flush here would leave the next
# tests restoring content types that the flush already recreated.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_redoc_renders_and_loads_nothing_from_another_host(browser_page, live_server):
    page = browser_page
    ours = urlsplit(live_server.url).hostname
    fetched_elsewhere = []

    def route(request_route):
        # Requests the page's Content-Security-Policy blocks never get here; any other request
        # for another host is recorded and refused (this machine has no internet anyway).
        if urlsplit(request_route.request.url).hostname in (ours, None):
            request_route.continue_()
        else:
            fetched_elsewhere.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.goto("/api/v1/redoc/", timeout=60_000)
    # Redoc builds the page from the schema in the browser: slow on a busy machine.
    expect(page.get_by_role("heading", name="Leadscore API (1.0.0)")).to_be_visible(timeout=60_000)
    # Redoc's footer shows Redocly's logo from its CDN unless our page's policy blocks it.
    expect(page.get_by_text("API docs by Redocly")).to_be_visible()
    page.wait_for_timeout(1500)
    page.wait_for_load_state("networkidle")
    assert fetched_elsewhere == []
