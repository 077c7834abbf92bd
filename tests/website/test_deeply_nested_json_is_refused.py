"""JSON nested thousands of levels deep (under the size limit) gets a 400, not a 500."""

from __future__ import annotations

import pytest

from website.models import PageView

from .conftest import browser_headers, collect

pytestmark = pytest.mark.django_db

DEEP = "[" * 4000 + "]" * 4000  # 8,000 bytes: under the collector's 8 KB limit


def test_the_collector_refuses_deeply_nested_json(client, site):
    response = collect(client, site, DEEP)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert not PageView.objects.exists()


def test_the_form_endpoint_refuses_deeply_nested_json(client, contact_form):
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data='{"email": ' + DEEP + "}",
        content_type="application/json",
        **browser_headers(),
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "The body's JSON is nested too deeply."
