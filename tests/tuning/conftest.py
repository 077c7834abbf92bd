"""
Fixtures for tuning the model: a small live version with rules, a draft of it, and contacts
scored under the live version. Thresholds are round so the tests can reason about them.
"""

from __future__ import annotations

import pytest

from scoring import services
from scoring.models import ScoringModel
from tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
    score_of,
)


@pytest.fixture
def live(db) -> ScoringModel:
    """Live v1: Software +20 fit, pricing page +10 interest each; MQL at fit 20 and interest 20."""
    model = ScoringModelFactory(name="Tuned model")
    FitRuleFactory(scoring_model=model, name="Software", points=20, value="Software")
    InterestRuleFactory(scoring_model=model, name="Pricing", points=10)
    return model


@pytest.fixture
def scored(live, django_capture_on_commit_callbacks):
    """Two contacts scored under the live version: a qualifying lead and a lead short of it."""
    with django_capture_on_commit_callbacks(execute=True):
        hot = ContactFactory(first_name="Hot")
        for _ in range(2):
            ActivityFactory(contact=hot, kind="pricing_page_view")
        cold = ContactFactory(first_name="Cold", company=CompanyFactory(industry="Retail"))
    hot.refresh_from_db()
    cold.refresh_from_db()
    assert (score_of(hot).fit, score_of(hot).interest) == (20, 20)
    assert (score_of(cold).fit, score_of(cold).interest) == (0, 0)
    return hot, cold


@pytest.fixture
def draft(live, marketing_ops) -> ScoringModel:
    return services.scoring_model_draft_create(source=live, created_by=marketing_ops)
