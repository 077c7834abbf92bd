"""
Two live scoring models side by side: the default one (pricing-page interest) and
"Enterprise" (webinar interest), each with an MQL rule of fit 10 and interest 20, and a
routing team per model.
"""

from __future__ import annotations

import factory
import pytest

from scoring.models import ScoringLine
from tests.api.conftest import client_for, key_for, ops_api  # noqa: F401 - the API's fixtures
from tests.factories import FitRuleFactory, InterestRuleFactory, ScoringModelFactory
from tests.routing.conftest import RoutingRuleFactory, TeamFactory, make_rep


class ScoringLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringLine
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Line {n}")


def live_model(line=None, *, interest_kind: str, name: str):
    """A live version (of `line`, else of the default line) with one fit and one interest rule."""
    model = ScoringModelFactory(
        name=name,
        mql_fit_threshold=10,
        mql_interest_threshold=20,
        **({"line": line} if line is not None else {}),
    )
    FitRuleFactory(scoring_model=model, points=10, name=f"{name}: software")
    InterestRuleFactory(
        scoring_model=model, points=10, activity_kind=interest_kind, name=f"{name}: {interest_kind}"
    )
    return model


@pytest.fixture
def core(db):
    """The default model: interest from pricing-page views."""
    return live_model(interest_kind="pricing_page_view", name="Core")


@pytest.fixture
def enterprise(core):
    """A second live model: interest from webinars only."""
    line = ScoringLineFactory(name="Enterprise")
    return live_model(line, interest_kind="webinar_attended", name="Enterprise")


@pytest.fixture
def teams(core, enterprise, manager):
    """One team per model, each with one rep and a routing rule matching only that model."""
    core_team = TeamFactory(name="Core sales", manager=manager)
    ent_team = TeamFactory(name="Enterprise sales", manager=manager)
    ana, ben = make_rep(core_team, "Ana"), make_rep(ent_team, "Ben")
    RoutingRuleFactory(team=core_team, scoring_line=core.line, account_match=False)
    RoutingRuleFactory(team=ent_team, scoring_line=enterprise.line, account_match=False)
    return {"core": ana, "enterprise": ben}
