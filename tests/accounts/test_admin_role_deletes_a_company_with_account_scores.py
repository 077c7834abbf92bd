"""The Admin role deletes a company in the admin with its account score, history and MQA."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import Company
from contacts.services import activity_record
from scoring.models import AccountQualification, AccountScore, AccountScoreChange, OutboxMessage
from scoring.services import outbox_message_deliver
from tests.factories import ContactFactory, deliver_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def qualified_account(acme):
    now = timezone.now()
    for title in ("VP Sales", "Sales Manager", "Account Manager"):
        contact = ContactFactory(company=acme, job_title=title)
        for i in range(2):
            activity_record(
                contact=contact, kind="pricing_page_view", occurred_at=now - dt.timedelta(hours=i)
            )
    deliver_outbox("accounts_score")
    outbox_message_deliver(message_id=OutboxMessage.objects.get(topic="account_qualified").pk)
    return acme


def test_the_admin_role_deletes_a_company_that_has_account_scores(
    admin_client_persona, qualified_account
):
    company = qualified_account
    assert AccountScore.objects.filter(company=company).exists()
    assert AccountScoreChange.objects.filter(company=company).exists()
    assert AccountQualification.objects.filter(company=company).exists()
    url = f"/admin/contacts/company/{company.pk}/delete/"

    page = admin_client_persona.get(url).content.decode()
    assert "permission to delete the following types of objects" not in page
    assert "Account score: " in page  # the cascade is listed, not refused

    response = admin_client_persona.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert not AccountScore.objects.filter(company_id=company.pk).exists()
    assert not AccountQualification.objects.filter(company_id=company.pk).exists()
