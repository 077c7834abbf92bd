"""The snippet is served by the app itself: plain JavaScript, a few KB, no login, no CDN."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_snippet_is_small_public_cacheable_javascript(client):
    response = client.get("/w/ls.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=3600" in response["Cache-Control"]
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    source = response.content.decode()
    assert len(response.content) < 8 * 1024
    assert "data-leadscore-form" in source and "doNotTrack" in source
    assert (
        "http://" not in source.replace("http(s)", "")
        and "https://" not in source.split("*/", 1)[1]
    )
