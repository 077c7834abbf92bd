"""
After a new version of the default model is published, account scores stay shown (the account
page, the companies list and API) until the accounts' pass after the rescore rewrites them:
they name the retired version until then, as contact scores do until their slice.
"""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring import services
from scoring.models import AccountScore
from tests.factories import ContactFactory, deliver_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(acme, account_model):
    for title in ("VP Sales", "Sales Manager"):
        activity_record(
            contact=ContactFactory(company=acme, job_title=title),
            kind="pricing_page_view",
            occurred_at=timezone.now() - dt.timedelta(hours=1),
        )
    deliver_outbox("accounts_score")
    draft = services.scoring_model_draft_create(source=account_model, created_by=None)
    services.scoring_model_publish(draft=draft, published_by=None)
    # The run and the accounts' pass wait for the commit, which a test never reaches.
    assert AccountScore.objects.get(company=acme).scoring_model_id == account_model.pk
    return acme


def test_the_account_page_and_list_still_show_the_score(manager_client, published):
    page = manager_client.get(f"/companies/{published.pk}/").content.decode()
    assert "Account score" in page and "Not scored yet" not in page
    listed = manager_client.get("/companies/?account_grade=B").content.decode()
    assert "acme.test" in listed


def test_the_api_still_carries_the_score(ops_api, published):
    rows = {r["name"]: r for r in ops_api.get("/api/v1/companies/").json()["results"]}
    assert rows["Acme"]["account_score"]["fit"] == 40
