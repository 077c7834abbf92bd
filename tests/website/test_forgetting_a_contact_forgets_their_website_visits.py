"""
Forgetting a person (API or forget_contact) also forgets their website visits: the browsers
that identified as them and every page view, including those attached to them from a browser
that later identified as someone else. Exporting their data lists them. Other visitors stay.
"""

from __future__ import annotations

import pytest

from contacts.models import Contact, ErasureVia
from contacts.privacy import contact_export, contact_forget
from website.models import PageView, Visitor

from .conftest import ORIGIN, browser_headers, collect, page_view, visitor_id

pytestmark = pytest.mark.django_db


def _submit(client, form, email: str, vid: str) -> None:
    response = client.post(
        f"/w/f/{form.public_key}/",
        data={"email": email, "ls_vid": vid},
        HTTP_ACCEPT="application/json",
        **browser_headers(),
    )
    assert response.status_code == 200


def test_forgetting_a_contact_deletes_their_visitors_and_page_views(client, site, contact_form):
    laptop, shared, stranger = visitor_id(), visitor_id(), visitor_id()
    for vid, path in [(laptop, "/pricing"), (shared, "/jobs"), (stranger, "/blog")]:
        assert collect(client, site, page_view(vid, path)).status_code == 200
    _submit(client, contact_form, "zelda@privacy-example.org", laptop)
    _submit(client, contact_form, "zelda@privacy-example.org", shared)
    # The shared computer then identifies as her colleague: her /jobs view stays hers.
    _submit(client, contact_form, "yann@privacy-example.org", shared)
    assert collect(client, site, page_view(shared, "/careers")).status_code == 200
    zelda = Contact.objects.get(email="zelda@privacy-example.org")

    exported = contact_export(contact=zelda)["website"]
    assert [v["visitor_id"] for v in exported["visitors"]] == [laptop]
    assert sorted(pv["url"] for pv in exported["page_views"]) == [
        f"{ORIGIN}/jobs",
        f"{ORIGIN}/pricing",
    ]

    erasure = contact_forget(contact=zelda, by=None, via=ErasureVia.COMMAND)

    assert not Visitor.objects.filter(visitor_id=laptop).exists()
    assert sorted(PageView.objects.values_list("path", flat=True)) == ["/blog", "/careers"]
    assert Visitor.objects.get(visitor_id=shared).contact.email == "yann@privacy-example.org"
    assert Visitor.objects.get(visitor_id=stranger).contact is None
    assert erasure.counts["website visitors"] == 1
    assert erasure.counts["website page views"] == 2
