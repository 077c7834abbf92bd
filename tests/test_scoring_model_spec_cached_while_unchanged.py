"""
A live model's spec (its rules and settings as the engine sees them) is built once per process
while nothing it holds changes, so the keys derived from it (definition tags, price key) are not
recomputed on every write; any change to a rule or a setting gives the new spec at once.
"""

from __future__ import annotations

import pytest

from scoring.models import ScoringModel
from scoring.specs import cached_model_spec
from tests.factories import InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    model = ScoringModelFactory(decay_half_life_days=0)
    InterestRuleFactory(scoring_model=model, points=5)
    return ScoringModel.objects.get(pk=model.pk)


def test_the_same_spec_object_serves_while_nothing_changed(model):
    first = cached_model_spec(model)
    assert first.price_key  # derived once, kept in the instance
    again = cached_model_spec(ScoringModel.objects.get(pk=model.pk))
    assert again is first
    assert "price_key" in again.__dict__


def test_a_changed_rule_gives_a_new_spec(model):
    before = cached_model_spec(model)
    rule = model.rules.get()
    rule.points = 9
    rule.save()
    after = cached_model_spec(ScoringModel.objects.get(pk=model.pk))
    assert after is not before
    assert [r.points for r in after.rules] == [9]
    assert after.price_key != before.price_key


def test_a_setting_changed_without_touching_updated_at_gives_a_new_spec(model):
    before = cached_model_spec(model)
    ScoringModel.objects.filter(pk=model.pk).update(decay_half_life_days=30)
    after = cached_model_spec(ScoringModel.objects.get(pk=model.pk))
    assert after is not before
    assert after.half_life_days == 30
    assert after.price_key != before.price_key
