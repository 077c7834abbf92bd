"""The default scoring model: a fixture to load, and a command to score everyone with it."""

import pytest
from django.core.management import call_command

from scoring.models import ContactScore, ScoringModel
from scoring.selectors import model_warnings
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_the_fixture_loads_a_live_model_with_fit_and_interest_rules():
    call_command("loaddata", "default_scoring_model", verbosity=0)
    model = ScoringModel.objects.get(is_live=True)
    assert model.rules.filter(dimension="fit").count() >= 10
    assert model.rules.filter(dimension="interest", is_hand_raise=True).count() == 3
    assert model.rules.filter(points__lt=0).count() >= 5


def test_the_default_model_has_no_single_action_mql_warnings():
    call_command("loaddata", "default_scoring_model", verbosity=0)
    warnings = [w for _, w in model_warnings(ScoringModel.objects.get())]
    assert not [w for w in warnings if "more than half" in w]


def test_rescore_command_scores_every_contact(capsys):
    contacts = [ContactFactory(company=CompanyFactory(employee_count=n)) for n in (10, 800)]
    call_command("loaddata", "default_scoring_model", verbosity=0)
    call_command("rescore")
    assert ContactScore.objects.count() == len(contacts)
    assert "Rescored 2 contacts under 'Default model'" in capsys.readouterr().out


def test_rescore_command_without_a_model_says_how_to_get_one():
    with pytest.raises(Exception, match="loaddata default_scoring_model"):
        call_command("rescore")
