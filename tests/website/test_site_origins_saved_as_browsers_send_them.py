"""
Browsers send an international host in punycode and leave out the default port; an origin
typed in the admin as "https://bücher.de" or "https://www.acme.example:443" is saved that
way, so the site's pages are accepted instead of every page view being refused (403).
"""

from __future__ import annotations

import pytest

from website.models import PageView, Site

from .conftest import collect, page_view, visitor_id
from .test_site_admin import change

pytestmark = pytest.mark.django_db


def test_idn_hosts_and_default_ports_are_saved_as_browsers_send_them(ops_client, site):
    origins = (
        '["https://Bücher.de", "https://www.acme.example:443", "http://localhost:8000", '
        '"http://shop.acme.example:80", "https://[::1]:8443"]'
    )
    response = change(ops_client, site, allowed_origins=origins)
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.allowed_origins == [
        "https://xn--bcher-kva.de",
        "https://www.acme.example",
        "http://localhost:8000",
        "http://shop.acme.example",
        "https://[::1]:8443",
    ]


@pytest.mark.parametrize(
    "origin", ["https://acme.example:99999", "https://user@acme.example", "https://ac me.example"]
)
def test_what_no_browser_sends_is_refused(ops_client, site, origin):
    response = change(ops_client, site, allowed_origins=f'["{origin}"]')
    assert response.status_code == 200
    assert "is not an origin" in response.content.decode()
    assert Site.objects.get().allowed_origins == site.allowed_origins


def test_a_page_on_the_idn_site_is_recorded(client, ops_client, site):
    change(ops_client, site, allowed_origins='["https://bücher.de"]')
    site.refresh_from_db()
    browser_origin = "https://xn--bcher-kva.de"
    body = page_view(visitor_id()) | {"url": f"{browser_origin}/angebote"}
    assert collect(client, site, body, origin=browser_origin).status_code == 200
    assert PageView.objects.get().path == "/angebote"
