"""What a rep sees of a lead's score, and what the scoring model page shows."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.defaults import default_model_create
from scoring.models import ScoringModel
from tests.factories import CompanyFactory, ContactFactory, FitRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_lead(rep, django_capture_on_commit_callbacks):
    """A scored lead of an account the `rep` persona owns (a rep sees only their own)."""
    with django_capture_on_commit_callbacks(execute=True):
        default_model_create()
        company = CompanyFactory(
            name="Acme",
            industry="Software",
            employee_count=800,
            annual_revenue=50_000_000,
            country="Germany",
            account_owner=rep,
        )
        contact = ContactFactory(first_name="Vera", job_title="VP Marketing", company=company)
    now = timezone.now()
    for days in (1, 2, 3):
        with django_capture_on_commit_callbacks(execute=True):
            activity_record(
                contact=contact,
                kind="pricing_page_view",
                occurred_at=now - dt.timedelta(days=days),
                properties={"url": "/pricing"},
            )
    return contact


def test_contact_score_page_explains_every_point_in_words(rep_client, scored_lead):
    html = rep_client.get(f"/scoring/contacts/{scored_lead.pk}/").content.decode()
    assert "Target industry (Software): +15" in html
    assert "Executive or VP (VP): +20" in html
    assert "Mid-market company (800): +15" in html
    # 10 points each, 1, 2 and 3 days ago, halving every 30 days: 28.65
    assert "Viewed pricing 3x this week: +29 (+30 before decay)" in html
    assert "Fit" in html and "Interest" in html


def test_contact_score_page_shows_the_history_of_changes(rep_client, scored_lead):
    html = rep_client.get(f"/scoring/contacts/{scored_lead.pk}/").content.decode()
    assert "Score history" in html
    assert "New activity" in html
    assert "Viewed pricing +10" in html


def test_htmx_request_gets_only_the_score_panel(rep_client, scored_lead):
    response = rep_client.get(f"/scoring/contacts/{scored_lead.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="score-panel"' in html
    assert "<html" not in html


def test_unscored_contact_says_so(rep, rep_client):
    contact = ContactFactory(company=CompanyFactory(account_owner=rep))
    html = rep_client.get(f"/scoring/contacts/{contact.pk}/").content.decode()
    assert "Not scored yet" in html


def test_model_page_shows_the_mql_rule_matrix_and_rules(ops_client, scored_lead):
    html = ops_client.get("/scoring/").content.decode()
    assert "fit of at least <strong>40</strong>" in html
    assert "Leads by grade and band" in html
    assert "Company employees is between 200 and 5,000" in html
    assert "Pricing page view (at most 3 times, last 30 days)" in html
    assert "Page view where url contains &#x27;/careers&#x27;" in html


def test_model_page_without_a_live_model_explains_what_to_do(rep_client):
    assert "No scoring model is live" in rep_client.get("/scoring/").content.decode()


def test_a_user_without_a_role_cannot_see_scores(client, no_role_user, scored_lead):
    client.force_login(no_role_user)
    assert client.get(f"/scoring/contacts/{scored_lead.pk}/").status_code == 403
    assert client.get("/scoring/").status_code == 403


def test_model_page_says_what_an_account_fit_rule_tests(ops_client, scored_lead):
    model = ScoringModel.objects.get(is_live=True)
    FitRuleFactory(
        scoring_model=model,
        name="Target-market account",
        dimension="account",
        attribute="industry",
        operator="one_of",
        value="Software, Fintech",
    )
    html = ops_client.get("/scoring/").content.decode()
    account_card = html[html.index("Account fit rules") :]
    assert "Target-market account" in account_card
    assert "Company industry is one of &#x27;Software, Fintech&#x27;" in account_card
