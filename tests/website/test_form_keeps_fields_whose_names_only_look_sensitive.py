"""
Secrets and payment data a form sends are never stored, but a field is judged by the words
of its name, not by any substring in it: "businessName" (which holds "ssN"), "passengers"
and "discard_reason" are the lead's data and are kept.
"""

from __future__ import annotations

import pytest

from contacts.models import Activity

from .conftest import browser_headers

pytestmark = pytest.mark.django_db

KEPT = {
    "businessName": "Acme GmbH",
    "passengers": "4",
    "discard_reason": "none",
    "compass_heading": "north",
}
DROPPED = {
    "password": "hunter2",
    "user_password": "x",
    "Password2": "x",
    "cc-number": "4111111111111111",
    "cc-csc": "123",
    "cardNumber": "4111111111111111",
    "creditCard": "4111",
    "cvv": "123",
    "iban": "DE89370400440532013000",
    "userSSN": "078-05-1120",
    "client_secret": "s",
    "csrfmiddlewaretoken": "t",
}


def test_only_fields_named_as_secrets_or_payment_data_are_dropped(client, contact_form):
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data={"email": "ada@acme-corp.com", **KEPT, **DROPPED},
        HTTP_ACCEPT="application/json",
        **browser_headers(),
    )
    assert response.status_code == 200
    assert Activity.objects.get().properties["fields"] == KEPT
