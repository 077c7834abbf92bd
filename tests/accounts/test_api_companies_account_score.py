"""GET /api/v1/companies/ carries each company's account score and filters on it."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from tests.factories import CompanyFactory, ContactFactory, deliver_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(acme, account_model):
    """Acme: an MQA (A-fit Software, three people engaged). Bolt: engaged, no fit. Calm: cold."""
    now = timezone.now()
    for title in ("VP Sales", "Sales Manager", "CTO"):
        contact = ContactFactory(company=acme, job_title=title)
        for i in range(2):
            activity_record(
                contact=contact, kind="pricing_page_view", occurred_at=now - dt.timedelta(hours=i)
            )
    bolt = CompanyFactory(name="Bolt", domain="bolt.test", industry="Retail")
    activity_record(
        contact=ContactFactory(company=bolt, job_title="Buyer"),
        kind="pricing_page_view",
        occurred_at=now,
    )
    calm = CompanyFactory(name="Calm", domain="calm.test", industry="Software")
    ContactFactory(company=calm)
    deliver_outbox("accounts_score")  # the worker rescores the accounts after commit
    return {"acme": acme, "bolt": bolt, "calm": calm}


def _names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


def test_each_company_carries_its_account_score(ops_api, world):
    rows = {r["name"]: r for r in ops_api.get("/api/v1/companies/").json()["results"]}
    acme = rows["Acme"]["account_score"]
    assert acme["fit"] == 40 and acme["engagement"] == 90
    assert (acme["grade"], acme["band"], acme["people_engaged"]) == ("B", 1, 3)
    assert acme["qualified"] is True and acme["qualified_at"]
    assert acme["explanation"].startswith("3 people engaged this month")
    assert rows["Bolt"]["account_score"]["qualified"] is False
    assert rows["Bolt"]["account_score"]["fit"] == 0


def test_filters_on_the_account_score(ops_api, world):
    get = ops_api.get
    assert _names(get("/api/v1/companies/", {"account_qualified": "true"})) == ["Acme"]
    assert _names(get("/api/v1/companies/", {"account_qualified": "false"})) == ["Bolt", "Calm"]
    assert _names(get("/api/v1/companies/", {"account_band": "1"})) == ["Acme"]
    assert _names(get("/api/v1/companies/", {"account_band": ["2", "3"]})) == ["Bolt", "Calm"]
    assert _names(get("/api/v1/companies/", {"account_grade": "D"})) == ["Bolt"]
    assert _names(get("/api/v1/companies/", {"account_engagement_min": "10"})) == ["Acme", "Bolt"]
    assert _names(get("/api/v1/companies/", {"account_fit_min": "30"})) == ["Acme", "Calm"]


def test_a_bad_filter_value_is_a_clear_400(ops_api, world):
    response = ops_api.get("/api/v1/companies/", {"account_band": "9"})
    assert response.status_code == 400
    assert "account_band" in response.json()["errors"] or "account_band" in str(response.json())
