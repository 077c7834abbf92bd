"""Marketing ops set up sites and forms in the admin: the install snippet is shown, origins and
pricing paths are checked."""

from __future__ import annotations

import json

import pytest

from website.models import Site

pytestmark = pytest.mark.django_db


def test_the_site_page_shows_its_install_snippet(ops_client, site):
    html = ops_client.get(f"/admin/website/site/{site.pk}/change/").content.decode()
    assert f"data-site=&quot;{site.public_key}&quot;" in html
    assert "/w/ls.js" in html


def change(client, site, **fields):
    data = {
        "name": site.name,
        "allowed_origins": json.dumps(site.allowed_origins),
        "is_active": "on",
        "require_consent": "on",
        "honour_dnt": "on",
        "pricing_paths": json.dumps(site.pricing_paths),
        "forms-TOTAL_FORMS": "0",
        "forms-INITIAL_FORMS": "0",
        **fields,
    }
    return client.post(f"/admin/website/site/{site.pk}/change/", data)


def test_origins_are_normalised_and_paths_or_urls_refused(ops_client, site):
    response = change(ops_client, site, allowed_origins='["https://WWW.Acme.example/"]')
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.allowed_origins == ["https://www.acme.example"]
    bad = change(ops_client, site, allowed_origins='["https://acme.example/blog"]')
    assert bad.status_code == 200
    assert "is not an origin" in bad.content.decode()
    bad_paths = change(ops_client, site, pricing_paths='["pricing"]')
    assert "starting with" in bad_paths.content.decode()
    assert Site.objects.get().allowed_origins == ["https://www.acme.example"]
