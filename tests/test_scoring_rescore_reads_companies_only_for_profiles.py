"""
A rescore reads a contact's company only where it evaluates the profile: after a fit rule
changed every company of the chunk in one query; after an interest rule changed none (the
stored fit parts are reused).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.models import ContactScore, ScoringRule
from scoring.services import rescore_run_execute, scoring_model_changed
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    model = ScoringModelFactory()
    FitRuleFactory(scoring_model=model, name="Software", points=10)
    InterestRuleFactory(scoring_model=model, name="Pricing", points=5)
    return model


@pytest.fixture
def contacts(model):
    return [ContactFactory(company=CompanyFactory(industry="Software")) for _ in range(6)]


def _company_reads(model):
    run = scoring_model_changed(model_id=model.pk, reason="rule changed")
    with CaptureQueriesContext(connection) as queries:
        rescore_run_execute(run_id=run.pk)
    table = '"contacts_company"'
    return [q["sql"] for q in queries if f"FROM {table}" in q["sql"]]


def test_a_fit_rule_change_reads_the_chunks_companies_in_one_query(model, contacts):
    ScoringRule.objects.filter(scoring_model=model, name="Software").update(points=25)

    assert len(_company_reads(model)) == 1
    assert set(ContactScore.objects.values_list("fit", flat=True)) == {25}


def test_an_interest_rule_change_reads_no_company(model, contacts):
    ScoringRule.objects.filter(scoring_model=model, name="Pricing").update(points=7)

    assert _company_reads(model) == []
    assert set(ContactScore.objects.values_list("fit", flat=True)) == {10}
