"""
Marketing ops may delete contacts and companies; what Leadscore computed about them (scores,
timelines, account scores) goes with them without a permission of its own, while records of
a lead that reached sales (its qualification) still need one.
"""

import pytest
from django.utils import timezone

from contacts.models import Company, Contact
from contacts.services import activity_record
from scoring.models import AccountScore, AccountScoreChange, ContactScore, ScoreChange
from tests.factories import ContactFactory, deliver_outbox
from tests.routing.conftest import qualify

pytestmark = pytest.mark.django_db

REFUSED = "permission to delete the following types of objects"


@pytest.fixture
def scored_contact(acme):
    contact = ContactFactory(company=acme, job_title="VP Sales")
    activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
    deliver_outbox("accounts_score")
    assert ContactScore.objects.filter(contact=contact).exists()
    assert ScoreChange.objects.filter(contact=contact).exists()
    assert AccountScore.objects.filter(company=acme).exists()
    assert AccountScoreChange.objects.filter(company=acme).exists()
    return contact


def test_marketing_deletes_a_scored_contact_with_its_scores(ops_client, scored_contact):
    url = f"/admin/contacts/contact/{scored_contact.pk}/delete/"
    page = ops_client.get(url).content.decode()
    assert REFUSED not in page
    assert "Contact score: " in page  # listed as going with it

    response = ops_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=scored_contact.pk).exists()
    assert not ContactScore.objects.filter(contact_id=scored_contact.pk).exists()
    assert not ScoreChange.objects.filter(contact_id=scored_contact.pk).exists()


def test_marketing_deletes_a_company_with_its_account_score(ops_client, scored_contact):
    company = scored_contact.company
    url = f"/admin/contacts/company/{company.pk}/delete/"
    assert REFUSED not in ops_client.get(url).content.decode()

    response = ops_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert not AccountScore.objects.filter(company_id=company.pk).exists()
    assert not AccountScoreChange.objects.filter(company_id=company.pk).exists()


def test_a_lead_that_reached_sales_still_needs_the_permission_for_its_qualification(
    ops_client,
):
    qualification = qualify()
    url = f"/admin/contacts/contact/{qualification.contact_id}/delete/"
    page = ops_client.get(url).content.decode()
    assert REFUSED in page and "qualification" in page

    ops_client.post(url, {"post": "yes"})

    assert Contact.objects.filter(pk=qualification.contact_id).exists()
