"""A deleted company's contacts stay, unlinked, and lose the fit its firmographics gave them."""

import pytest

from contacts.models import Company
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    FitRuleFactory,
    ScoringModelFactory,
    score_of,
)

pytestmark = pytest.mark.django_db


def test_contacts_of_a_deleted_company_are_rescored(admin_client_persona):
    client = admin_client_persona
    model = ScoringModelFactory()
    FitRuleFactory(scoring_model=model, name="Software", attribute="industry", value="Software")
    company = CompanyFactory(industry="Software")
    contacts = [ContactFactory(company=company) for _ in range(2)]
    other = ContactFactory(company=CompanyFactory(industry="Software"))
    assert [score_of(c).fit for c in contacts] == [10, 10]

    response = client.post(f"/admin/contacts/company/{company.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    for contact in contacts:
        contact.refresh_from_db()
        score = score_of(contact)
        assert contact.company_id is None
        assert (score.fit, score.breakdown["fit"]) == (0, [])
    assert score_of(other).fit == 10


def test_deleting_companies_in_bulk_rescores_their_contacts():
    model = ScoringModelFactory()
    FitRuleFactory(scoring_model=model, attribute="industry", value="Software")
    contacts = [ContactFactory(company=CompanyFactory(industry="Software")) for _ in range(3)]

    Company.objects.filter(pk__in=[c.company_id for c in contacts[:2]]).delete()

    assert [score_of(c).fit for c in contacts] == [0, 0, 10]
