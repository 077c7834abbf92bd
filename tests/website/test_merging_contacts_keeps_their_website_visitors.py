"""
Merging a duplicate contact into another moves the duplicate's website visitors too: the
browser that identified as the duplicate stays identified, and its next page views are
recorded on the contact that is kept.
"""

from __future__ import annotations

import pytest

from contacts.merging import contacts_merge
from contacts.models import Activity, ActivityKind, Contact

from .conftest import browser_headers, collect, page_view, visitor_id

pytestmark = pytest.mark.django_db


def test_a_merged_duplicates_visitor_follows_the_kept_contact(client, site, contact_form):
    vid = visitor_id()
    assert collect(client, site, page_view(vid, "/pricing")).status_code == 200
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data={"email": "ada.work@acme-corp.com", "ls_vid": vid},
        HTTP_ACCEPT="application/json",
        **browser_headers(),
    )
    assert response.status_code == 200
    duplicate = Contact.objects.get(email="ada.work@acme-corp.com")
    kept = Contact.objects.create(email="ada@acme-corp.com", first_name="Ada")

    record = contacts_merge(target=kept, duplicates=[duplicate])

    assert record.moved["website.Visitor"] == 1
    assert collect(client, site, page_view(vid, "/pricing/enterprise")).json()["identified"]
    views = Activity.objects.filter(contact=kept, kind=ActivityKind.PRICING_PAGE_VIEW)
    assert sorted(a.properties["path"] for a in views) == ["/pricing", "/pricing/enterprise"]
