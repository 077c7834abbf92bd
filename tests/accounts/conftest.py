"""An account scoring world: a live model with a pricing rule, an account fit rule on industry,
and a Software company owned by a rep."""

import datetime as dt

import pytest

from contacts.services import activity_record
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
    UserFactory,
)


@pytest.fixture
def account_model(db):
    model = ScoringModelFactory(
        account_contact_cap=25,
        account_role_points=10,
        account_window_days=30,
        account_engagement_cap=100,
        mqa_fit_threshold=30,
        mqa_engagement_threshold=70,
        mqa_min_people=3,
    )
    InterestRuleFactory(
        scoring_model=model, name="Viewed pricing", activity_kind="pricing_page_view", points=10
    )
    FitRuleFactory(
        scoring_model=model,
        name="Software company",
        dimension="account",
        attribute="industry",
        operator="equals",
        value="Software",
        points=40,
    )
    return model


@pytest.fixture
def owner(db):
    return UserFactory(username="riley", first_name="Riley", last_name="Stone")


@pytest.fixture
def acme(account_model, owner):
    return CompanyFactory(name="Acme", domain="acme.test", industry="Software", account_owner=owner)


def buying_group_views_pricing(company, *, at: dt.datetime) -> None:
    """A VP, a manager and a CTO of the company view pricing once each, at `at`: under
    account_model that is 10 interest each, 30 + 3 roles = 60 engagement."""
    for title in ("VP Sales", "Sales Manager", "CTO"):
        activity_record(
            contact=ContactFactory(company=company, job_title=title),
            kind="pricing_page_view",
            occurred_at=at,
        )


# The API tests' key fixtures, for the companies endpoint tests here.
from tests.api.conftest import _fresh_throttle_counters, client_for, key_for, ops_api  # noqa: E402, F401
