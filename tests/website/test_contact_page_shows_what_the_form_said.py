"""
A website form's extra fields (the message a lead typed, their company) and the page the form
was on show on the contact's timeline, escaped, line breaks kept; no field name a visitor
chooses (such as "items") breaks the page.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from contacts.models import Contact
from contacts.services import activity_record, contact_upsert

from .conftest import ORIGIN, browser_headers

pytestmark = pytest.mark.django_db


def test_the_timeline_shows_the_forms_message_and_page(ops_client, client, contact_form):
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data={
            "email": "ada@acme-corp.com",
            "name": "Ada Lovelace",
            "company": "Acme <b>Corp</b>",
            "message": "We need 500 seats.\nBy Friday, please.",
            "items": "3",
            "ls_url": f"{ORIGIN}/contact-sales",
        },
        HTTP_ACCEPT="application/json",
        **browser_headers(),
    )
    assert response.status_code == 200
    contact = Contact.objects.get(email="ada@acme-corp.com")

    page = ops_client.get(f"/contacts/{contact.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "<dt>message</dt><dd>We need 500 seats.\nBy Friday, please.</dd>" in html
    assert "<dt>company</dt><dd>Acme &lt;b&gt;Corp&lt;/b&gt;</dd>" in html
    assert "<dt>items</dt><dd>3</dd>" in html
    assert f"{ORIGIN}/contact-sales</dd>" in html
    assert "<b>Corp</b>" not in html


def test_a_form_submission_without_extra_fields_shows_only_its_form(ops_client, contact_form):
    contact, _ = contact_upsert(email="bob@acme-corp.com")
    activity_record(
        contact=contact,
        kind="form_submission",
        occurred_at=timezone.now(),
        properties={"form_name": "contact-sales", "fields": "not a dict"},
    )
    html = ops_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "<dt>Form</dt><dd>contact-sales</dd>" in html
    assert "timeline-field" not in html
