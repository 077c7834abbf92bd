"""The account page shows the account score with its why, the MQA and where it was routed,
contacts with their roles and shares, and the score history; the companies list sorts and
filters by account score."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import OutboxMessage
from scoring.services import outbox_message_deliver
from tests.factories import CompanyFactory, ContactFactory, deliver_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def mqa(acme):
    now = timezone.now()
    for title in ("VP Sales", "Sales Manager", "Account Manager"):
        contact = ContactFactory(company=acme, job_title=title)
        for i in range(2):
            activity_record(
                contact=contact, kind="pricing_page_view", occurred_at=now - dt.timedelta(hours=i)
            )
    deliver_outbox("accounts_score")  # the worker rescores the accounts after commit
    outbox_message_deliver(message_id=OutboxMessage.objects.get(topic="account_qualified").pk)
    return acme


def test_the_account_page_shows_the_score_and_why(manager_client, mqa):
    response = manager_client.get(f"/companies/{mqa.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Account score" in page
    why = "3 people engaged this month: VP Sales, two managers; Viewed pricing 6x"
    assert f"<strong>Why:</strong> {why}" in page
    assert "Software company (Software): +40" in page  # the fit rule, in words
    assert "MQA since" in page
    assert "routed to its owner Riley" in page
    assert "Account score history" in page
    assert ">Manager<" in page  # the contacts' roles


def test_the_companies_list_sorts_and_filters_by_account_score(manager_client, mqa):
    cold = CompanyFactory(name="Aardvark cold", domain="aardvark.test", industry="Retail")
    activity_record(
        contact=ContactFactory(company=cold), kind="pricing_page_view", occurred_at=timezone.now()
    )
    page = manager_client.get("/companies/").content.decode()
    assert page.index("Acme") < page.index("Aardvark cold")  # engagement first, not A to Z
    assert ">MQA</span>" in page
    by_name = manager_client.get("/companies/?sort=name").content.decode()
    assert by_name.index("Aardvark cold") < by_name.index("Acme")
    mqas = manager_client.get("/companies/?mqa=true").content.decode()
    assert "Acme" in mqas and "Aardvark cold" not in mqas
    grade_d = manager_client.get("/companies/?account_grade=D").content.decode()
    assert "Aardvark cold" in grade_d and "acme.test" not in grade_d
    bad = manager_client.get("/companies/?account_band=7")
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()


def test_the_mqa_reason_says_when_and_under_which_version_it_held(manager_client, mqa):
    page = manager_client.get(f"/companies/{mqa.pk}/").content.decode()
    qualified = mqa.account_qualifications.get()
    at = timezone.localtime(qualified.qualified_at)
    when = f"When it qualified on {at:%b} {at.day}, {at.year}"
    assert when in page and f"(v{qualified.scoring_model.version}): " in page
