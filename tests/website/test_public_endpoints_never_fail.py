"""Whatever a caller posts, the public endpoints answer with JSON (or a redirect), never a 500,
and what they store stays readable."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from website.models import PageView

from .conftest import ORIGIN, browser_headers

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
page_view_like = st.fixed_dictionaries(
    {},
    optional={
        "v": st.one_of(st.text(max_size=70), st.just("f" * 32)),
        "url": st.one_of(st.text(max_size=80), st.just(ORIGIN + "/x?utm_source=a\x00b")),
        "title": json_values,
        "referrer": json_values,
        "consent": st.one_of(st.booleans(), json_values),
        "t": json_values,
    },
)
form_like = st.dictionaries(
    st.sampled_from(["email", "name", "first_name", "phone", "ls_vid", "ls_url", "ls_sid", "x"])
    | st.text(max_size=20),
    json_values,
    max_size=8,
)

RELAXED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@RELAXED
@given(body=st.one_of(page_view_like, json_values.map(lambda v: {"v": v})))
def test_the_collector_never_fails_on_any_json(client, site, body):
    cache.clear()
    response = client.post(
        f"/w/c/{site.public_key}/",
        data=json.dumps(body),
        content_type="text/plain",
        **browser_headers(),
    )
    assert response.status_code in (200, 202, 400)
    assert "code" in response.json() or response.json()["ok"] is True
    for view in PageView.objects.all():
        assert "\x00" not in view.url + view.title + view.referrer


@RELAXED
@given(body=form_like)
def test_the_form_endpoint_never_fails_on_any_json(client, contact_form, body):
    cache.clear()
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data=json.dumps(body),
        content_type="application/json",
        **browser_headers(),
    )
    assert response.status_code in (200, 400)
    assert response.json()


@RELAXED
@given(raw=st.binary(max_size=300))
def test_any_bytes_as_a_form_get_an_answer(client, contact_form, raw):
    cache.clear()
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data=raw,
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT="application/json",
        **browser_headers(),
    )
    assert response.status_code in (200, 400, 415)
    assert "code" in response.json() or response.json()["ok"] is True
