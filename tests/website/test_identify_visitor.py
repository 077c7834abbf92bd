"""When an anonymous visitor identifies (a form with the snippet's visitor id, or a signed link
from an email), its earlier page views become the contact's page_view activities, once each,
and the contact is rescored."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from contacts.models import Activity, ActivityKind, Contact
from scoring.models import ContactScore
from tests.factories import ContactFactory
from website.models import PageView, Visitor
from website.services import visitor_identify
from website.tokens import identify_link, identify_token_contact_id, identify_token_make

from .conftest import ORIGIN, browser_headers, collect, page_view, visitor_id

pytestmark = pytest.mark.django_db


def page_views_of(contact):
    return Activity.objects.filter(contact=contact, kind=ActivityKind.PAGE_VIEW)


def test_a_form_with_the_visitor_id_attaches_earlier_page_views_and_rescores(
    client, scoring_model, newsletter_form, site, django_capture_on_commit_callbacks
):
    vid = visitor_id()
    for path in ("/", "/product", "/blog/why"):
        collect(client, site, page_view(vid, path))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/w/f/{newsletter_form.public_key}/",
            data=json.dumps({"email": "anon@acme.example", "ls_vid": vid}),
            content_type="text/plain",
            **browser_headers(),
        )
    assert response.status_code == 200
    contact = Contact.objects.get()
    views = page_views_of(contact).order_by("occurred_at")
    assert [v.properties["path"] for v in views] == ["/", "/product", "/blog/why"]
    assert {v.source for v in views} == {"website"}
    assert sorted(v.external_id for v in views) == sorted(
        f"pageview:{pk}" for pk in PageView.objects.values_list("pk", flat=True)
    )
    assert Visitor.objects.get().contact == contact
    assert not PageView.objects.filter(activity__isnull=True).exists()
    score = ContactScore.objects.get(contact=contact)
    reasons = json.dumps(score.breakdown)
    assert "Visited the website" in reasons
    assert score.interest >= 3


def test_identifying_again_does_not_duplicate_activities(site, newsletter_form, client):
    vid = visitor_id()
    collect(client, site, page_view(vid, "/a"))
    contact = ContactFactory()
    visitor = Visitor.objects.get()
    assert visitor_identify(visitor=visitor, contact=contact) == 1
    PageView.objects.update(activity=None)  # as if the first attach's bookkeeping was lost
    assert visitor_identify(visitor=visitor, contact=contact) == 1
    assert page_views_of(contact).count() == 1


def test_page_views_after_identifying_go_straight_to_the_contact(client, site):
    vid = visitor_id()
    contact = ContactFactory()
    collect(client, site, page_view(vid, "/first"))
    visitor_identify(visitor=Visitor.objects.get(), contact=contact)
    response = collect(client, site, page_view(vid, "/docs"))
    assert response.json()["identified"] is True
    assert page_views_of(contact).count() == 2


def test_pricing_pages_are_recorded_as_pricing_page_views(
    client, site, scoring_model, django_capture_on_commit_callbacks
):
    vid = visitor_id()
    contact = ContactFactory()
    collect(client, site, page_view(vid, "/pricing/enterprise"))
    with django_capture_on_commit_callbacks(execute=True):
        visitor_identify(visitor=Visitor.objects.get(), contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        collect(client, site, page_view(vid, "/pricing"))
        collect(client, site, page_view(vid, "/about-pricing"))
    kinds = sorted(Activity.objects.filter(contact=contact).values_list("kind", flat=True))
    assert kinds == ["page_view", "pricing_page_view", "pricing_page_view"]
    assert "Viewed pricing" in json.dumps(ContactScore.objects.get(contact=contact).breakdown)
    site.pricing_paths = []
    site.save()
    collect(client, site, page_view(vid, "/pricing"))
    assert Activity.objects.filter(contact=contact, kind="page_view").count() == 2


def test_a_signed_email_link_identifies_the_visitor(client, site):
    contact = ContactFactory()
    vid = visitor_id()
    collect(client, site, page_view(vid, "/before"))
    token = identify_token_make(contact=contact)
    response = collect(client, site, page_view(vid, "/landing") | {"t": token})
    assert response.json() == {"ok": True, "recorded": True, "identified": True}
    assert Visitor.objects.get().contact == contact
    assert sorted(v.properties["path"] for v in page_views_of(contact)) == ["/before", "/landing"]


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        signing.dumps({"c": 1}, salt="another.salt"),
        signing.dumps({"c": "1"}, salt="website.identify"),
        "x" * 500,
    ],
)
def test_a_forged_token_identifies_nobody_but_the_page_view_counts(client, site, token):
    ContactFactory(pk=1)
    response = collect(client, site, page_view(visitor_id(), "/x") | {"t": token})
    assert response.json() == {"ok": True, "recorded": True, "identified": False}
    assert Visitor.objects.get().contact is None
    assert not Activity.objects.exists()


def test_an_expired_token_identifies_nobody(settings):
    contact = ContactFactory()
    token = identify_token_make(contact=contact)
    assert identify_token_contact_id(token) == contact.pk
    settings.WEBSITE_IDENTIFY_TOKEN_MAX_AGE_DAYS = 0
    time.sleep(1.1)
    assert identify_token_contact_id(token) is None


def test_the_identify_link_keeps_the_query_and_the_token_never_reaches_the_stored_url(client, site):
    contact = ContactFactory()
    link = identify_link(url=f"{ORIGIN}/offer?utm_source=newsletter", contact=contact)
    assert link.startswith(f"{ORIGIN}/offer?utm_source=newsletter&ls_t=")
    token = parse_qs(urlsplit(link).query)["ls_t"][0]
    collect(client, site, page_view(visitor_id()) | {"url": link, "t": token})
    view = PageView.objects.get()
    assert view.url == f"{ORIGIN}/offer?utm_source=newsletter"
    assert "ls_t" not in json.dumps(page_views_of(contact).get().properties)
