"""One email normaliser: Python and the database agree, so every spelling finds one contact."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.identity import normalize_domain, normalize_email
from contacts.models import Contact
from contacts.services import ContactRow, contact_upsert, contacts_bulk_upsert

pytestmark = pytest.mark.django_db


def test_a_dotted_capital_i_email_upserts_again_in_any_case():
    # Python lower-cases "İ" to "i̇" (two code points); PostgreSQL's lower() may not.
    first = contacts_bulk_upsert(rows=[ContactRow(index=0, email="Ilker@İzmir-Firma.example")])
    again = contacts_bulk_upsert(
        rows=[ContactRow(index=0, email="ILKER@i̇zmir-firma.example", fields={"job_title": "CTO"})]
    )
    assert first.results[0].status == "created"
    assert again.results[0].status == "updated" and again.results[0].id == first.results[0].id
    assert Contact.objects.count() == 1
    assert Contact.objects.get().email_normalized == normalize_email("ilker@İzmir-firma.example")


def test_the_single_upsert_finds_the_same_contact():
    created, _ = contact_upsert(email="ince@İstanbul.example")
    found, was_created = contact_upsert(email="INCE@i̇stanbul.EXAMPLE", job_title="CEO")
    assert not was_created and found.pk == created.pk


def test_a_raw_update_of_the_email_without_its_normalised_form_is_refused():
    from django.db import IntegrityError, transaction

    contact = Contact.objects.create(email="ada@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(email="eve@example.org", email_normalized="")


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("https://www.Example.com:8443/about?x=1", "example.com"),
        ("example.com:80", "example.com"),
        ("http://user:pw@shop.example.com:8080", "shop.example.com"),
        ("//cdn.Example.com/x", "example.com".replace("example", "cdn.example")),
        ("ada@Example.com", "example.com"),
        ("EXAMPLE.com.", "example.com"),
    ],
)
def test_domains_lose_scheme_port_credentials_and_path(value, domain):
    assert normalize_domain(value) == domain


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=20), st.sampled_from(["Example.COM", "example.com"]))
def test_normalising_twice_changes_nothing(local, domain):
    once = normalize_email(f"{local}@{domain}")
    assert normalize_email(once) == once
