"""Fixtures for the website tracking and form tests: a site, its forms, and a browser-like post."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from website.models import Form, Site

ORIGIN = "https://www.acme.example"
CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def scoring_model(db):
    call_command("loaddata", "default_scoring_model", verbosity=0)


@pytest.fixture
def site(db) -> Site:
    return Site.objects.create(name="Acme", allowed_origins=[ORIGIN])


@pytest.fixture
def contact_form(site) -> Form:
    return Form.objects.create(
        site=site, name="contact-sales", redirect_url="https://www.acme.example/thanks"
    )


@pytest.fixture
def newsletter_form(site) -> Form:
    return Form.objects.create(site=site, name="newsletter")


def visitor_id() -> str:
    return uuid.uuid4().hex


def browser_headers(origin: str = ORIGIN, **extra) -> dict[str, str]:
    return {"HTTP_ORIGIN": origin, "HTTP_USER_AGENT": CHROME_UA, **extra}


def collect(client: Client, site: Site, body, *, origin: str = ORIGIN, **headers):
    """POST a page view as the snippet does (JSON sent as text/plain)."""
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        f"/w/c/{site.public_key}/",
        data=data,
        content_type="text/plain;charset=UTF-8",
        **browser_headers(origin, **headers),
    )


def page_view(vid: str, path: str = "/", *, consent: bool = True, **extra) -> dict:
    return {
        "v": vid,
        "url": f"{ORIGIN}{path}",
        "title": f"Page {path}",
        "referrer": "",
        "consent": consent,
        **extra,
    }
