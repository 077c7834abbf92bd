"""
The queue's country filter offers a rep the countries of their own leads only; a manager, who
may see every contact, every company country (read without visiting each lead).
"""

import pytest

from routing.models import Strategy
from tests.factories import CompanyFactory, ContactFactory
from tests.routing.conftest import RoutingRuleFactory, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(team, rep_profile, rep):
    RoutingRuleFactory(team=team, position=100, strategy=Strategy.ROUND_ROBIN, account_match=False)
    lead = route(ContactFactory(company__country="Portugal"))
    assert lead.rep == rep
    CompanyFactory(country="Chile")  # a company with no lead in anybody's queue
    return lead


def test_a_rep_is_offered_only_the_countries_of_their_leads(leads, rep_client):
    response = rep_client.get("/queue/")
    assert response.context["countries"] == ["Portugal"]
    assert '<option value="Chile"' not in response.content.decode()


def test_a_manager_is_offered_every_company_country(leads, manager_client):
    response = manager_client.get("/queue/")
    assert response.context["countries"] == ["Chile", "Portugal"]
    assert '<option value="Chile"' in response.content.decode()
