"""
ls_sid makes a re-sent form submission count once. The same ls_sid with another email (a
hand-built form or script that reuses one value) is another person's submission: it is
recorded on them, not dropped while the post answers ok.
"""

from __future__ import annotations

import pytest

from contacts.models import Activity, ActivityKind, Contact

from .conftest import browser_headers

pytestmark = pytest.mark.django_db


def _post(client, form, body):
    return client.post(
        f"/w/f/{form.public_key}/",
        data=body,
        HTTP_ACCEPT="application/json",
        **browser_headers(),
    )


def test_the_same_submission_id_from_two_people_records_both(client, contact_form):
    assert _post(client, contact_form, {"email": "lee@acme-corp.com", "ls_sid": "s1"}).json()["ok"]
    assert _post(client, contact_form, {"email": "max@acme-corp.com", "ls_sid": "s1"}).json()["ok"]
    assert _post(client, contact_form, {"email": "LEE@acme-corp.com", "ls_sid": "s1"}).json()["ok"]

    for email in ("lee@acme-corp.com", "max@acme-corp.com"):
        contact = Contact.objects.get(email_normalized=email)
        kinds = Activity.objects.filter(contact=contact).values_list("kind", flat=True)
        assert list(kinds) == [ActivityKind.FORM_SUBMISSION], email
