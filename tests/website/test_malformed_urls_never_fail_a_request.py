"""
A URL Python cannot even split (an unclosed IPv6 bracket, "https://[::1/") in a page view's
url or referrer, a form's ls_url or a Referer header gets the usual answer, not a 500: the url
is refused by field, the referrer and ls_url are dropped and the lead is kept.
"""

from __future__ import annotations

import pytest

from contacts.models import Activity, Contact
from website.models import PageView

from .conftest import CHROME_UA, browser_headers, collect, page_view, visitor_id

pytestmark = pytest.mark.django_db

BROKEN = "https://[::1/page"


def test_a_page_view_of_an_unsplittable_url_is_refused_by_field(client, site):
    response = collect(client, site, page_view(visitor_id()) | {"url": BROKEN})
    assert response.status_code == 400
    assert response.json()["errors"] == {"url": ["An http(s) URL."]}
    assert not PageView.objects.exists()


def test_an_unsplittable_referrer_is_dropped_and_the_view_kept(client, site):
    response = collect(client, site, page_view(visitor_id()) | {"referrer": BROKEN})
    assert response.status_code == 200
    assert PageView.objects.get().referrer == ""


def test_a_form_post_with_an_unsplittable_page_url_keeps_the_lead(client, contact_form):
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data={"email": "ada@acme-corp.com", "ls_url": BROKEN},
        HTTP_ACCEPT="application/json",
        **browser_headers(),
    )
    assert response.status_code == 200
    activity = Activity.objects.get(contact=Contact.objects.get(email="ada@acme-corp.com"))
    assert "page_url" not in activity.properties


def test_a_form_post_with_only_an_unsplittable_referer_is_refused_as_no_origin(
    client, contact_form
):
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data={"email": "ada@acme-corp.com"},
        HTTP_REFERER=BROKEN,
        HTTP_USER_AGENT=CHROME_UA,
    )
    assert response.status_code == 403
    assert "could not be sent" in response.content.decode()
    assert not Contact.objects.exists()
