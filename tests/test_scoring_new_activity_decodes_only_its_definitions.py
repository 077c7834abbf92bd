"""
A new activity decodes and re-folds only the rule states of the definitions that count its kind:
every other definition keeps the units stored with the score (decayed to now) and its stored
state as it was, byte for byte. The score still equals a fresh evaluation.
"""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring import engine, score_reads, selectors
from scoring.services import batch_states, rescoring
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory, score_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(monkeypatch):
    model = ScoringModelFactory(decay_half_life_days=10)
    InterestRuleFactory(scoring_model=model, name="Pricing", points=10, window_days=30)
    InterestRuleFactory(
        scoring_model=model, name="Webinar", activity_kind="webinar_attended", points=5
    )
    contact = ContactFactory()
    now = timezone.now()
    activity_record(contact=contact, kind="pricing_page_view", occurred_at=now - dt.timedelta(2))
    activity_record(contact=contact, kind="webinar_attended", occurred_at=now - dt.timedelta(3))
    decoded: list[set[str]] = []
    real = batch_states.stored_states

    def spy(raw, keys, *, skip=()):
        decoded.append(set(keys))
        return real(raw, keys, skip=skip)

    monkeypatch.setattr(batch_states, "stored_states", spy)
    return model, contact, decoded


def test_a_webinar_decodes_only_the_webinar_definition(scored):
    model, contact, decoded = scored
    spec = selectors.model_spec(model)
    keys = {rule.name: key for rule, key in spec.keyed_interest_rules}
    before = dict(score_of(contact).rule_states)

    activity_record(contact=contact, kind="webinar_attended", occurred_at=timezone.now())

    assert decoded == [{keys["Webinar"]}]
    stored = score_of(contact)
    stored.refresh_from_db()
    assert stored.rule_states[keys["Pricing"]] == before[keys["Pricing"]]
    assert stored.rule_states[keys["Webinar"]] != before[keys["Webinar"]]
    history = selectors.events_by_contact([contact.pk], kinds=selectors.scored_kinds(spec))
    fresh = engine.evaluate(
        spec, selectors.profile_of(contact), history[contact.pk], stored.scored_at
    )
    assert stored.interest == pytest.approx(fresh.interest, abs=1e-4)
    assert score_reads.score_now(stored, now=stored.scored_at).interest == pytest.approx(
        fresh.interest, abs=1e-4
    )


def test_a_definition_whose_activity_left_its_window_is_read_from_its_state(scored):
    model, contact, decoded = scored
    spec = selectors.model_spec(model)
    keys = {rule.name: key for rule, key in spec.keyed_interest_rules}
    later = timezone.now() + dt.timedelta(days=40)  # the pricing view has left its 30 days

    rescoring.contacts_score(
        contact_ids=[contact.pk],
        activities=[],
        reason="profile_change",
        now=later,
    )

    assert decoded == [{keys["Pricing"]}]
    stored = score_of(contact)
    stored.refresh_from_db()
    assert [p["name"] for p in stored.breakdown["interest"]] == ["Webinar"]
