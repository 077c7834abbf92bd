"""
A rule-definition change on PostgreSQL rebuilds the changed definition's state in SQL for every
stored score (scoring.refold_sql) and re-prices the scores there: no activity comes to
Python, and the scores read as a fresh evaluation does, from their units as from their rule
states. A definition that tests an activity's
properties is rebuilt in SQL too, from the activities Python's engine.event_matches picked
(one read of its kind, properties and all).
"""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring import engine, repricing, score_reads, selectors
from scoring.models import ContactScore, RescoreRun, RescoreStatus, RuleCondition
from scoring.services import batch_states, rescore_run_execute, rescore_runs
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory
from tests.markers import postgresql_only

pytestmark = [postgresql_only("the SQL rebuild"), pytest.mark.django_db]

DAY = 86400


@pytest.fixture
def world(monkeypatch, activity_reads):
    """Visitors of the pricing page and the blog, over the last 50 days."""
    model = ScoringModelFactory(mql_mode="both", mql_fit_threshold=0, mql_interest_threshold=500)
    pricing = InterestRuleFactory(
        scoring_model=model, name="Pricing", activity_kind="pricing_page_view", points=10
    )
    blog = InterestRuleFactory(
        scoring_model=model, name="Blog", activity_kind="page_view", points=2, window_days=90
    )
    RuleCondition.objects.create(rule=blog, property="url", operator="contains", value="/blog")
    now = timezone.now()
    contacts = [ContactFactory() for _ in range(4)]
    for n, contact in enumerate(contacts):
        for days in range(0, 50, 10 + n * 5):
            moment = now - timezone.timedelta(days=days)
            activity_record(contact=contact, kind="pricing_page_view", occurred_at=moment)
            activity_record(
                contact=contact, kind="page_view", occurred_at=moment, properties={"url": "/blog/x"}
            )
    RescoreRun.objects.all().delete()
    monkeypatch.setattr(rescore_runs, "enqueue_safely", lambda *args: False)  # run them here
    activity_reads.clear()  # the reads of scoring them as they arrived
    return model, pricing, blog, contacts, activity_reads


def _run(model) -> RescoreRun:
    run = model.runs.get(status=RescoreStatus.QUEUED)
    return rescore_run_execute(run_id=run.pk)


def _reads_as_fresh(model, contacts) -> None:
    spec = selectors.model_spec(model)
    now = timezone.now()
    kinds = {"pricing_page_view", "page_view"}
    history = selectors.events_by_contact([c.pk for c in contacts], kinds=kinds)
    for contact in contacts:
        fresh = engine.evaluate(spec, selectors.profile_of(contact), history[contact.pk], now)
        stored = ContactScore.objects.get(contact=contact)
        # Read from its units (they hold every definition of the rules), then from its rule
        # states alone: both were rebuilt, and both read as fresh.
        assert repricing.stored_units_match(spec, stored.units)
        from_states = ContactScore.objects.get(contact=contact)
        from_states.units = {}
        for row in (stored, from_states):
            shown = score_reads.score_now(row, now=now, spec=spec)
            assert shown.interest == pytest.approx(fresh.interest, abs=1e-6)
            got, want = shown.breakdown_json()["interest"], fresh.breakdown_json()["interest"]
            assert [(p["name"], p["count"]) for p in got] == [(p["name"], p["count"]) for p in want]


def test_a_window_change_is_rebuilt_in_sql_and_reads_as_fresh(world):
    model, pricing, _, contacts, reads = world
    before = dict(ContactScore.objects.values_list("contact_id", "interest"))
    pricing.window_days = 25
    pricing.save()

    run = _run(model)

    assert reads == []  # not one activity came to Python
    assert (run.status, run.refolded) == (RescoreStatus.DONE, 1)
    after = dict(ContactScore.objects.values_list("contact_id", "interest"))
    assert after != before  # pricing views older than 25 days no longer count
    _reads_as_fresh(model, contacts)


def test_a_definition_with_conditions_is_rebuilt_in_sql_from_the_activities_python_matched(
    world, monkeypatch
):
    model, _, blog, contacts, reads = world
    folded_in_python = []
    real = batch_states.states_from_history
    monkeypatch.setattr(
        batch_states,
        "states_from_history",
        lambda *args, **kwargs: folded_in_python.append(args) or real(*args, **kwargs),
    )
    blog.window_days = 30
    blog.save()

    run = _run(model)

    # Its kind is read once, properties and all, to test the condition; Python folds nothing.
    assert reads == [{"page_view"}]
    assert folded_in_python == []
    assert run.refolded == 1
    _reads_as_fresh(model, contacts)


def test_a_score_left_to_the_python_path_is_finished_from_the_states_rebuilt_in_sql(world):
    """
    A hand-raise is left to the Python path (it routes the lead at once): the statement still
    writes the rebuilt definition into the score, and Python finishes it from there.
    """
    model, pricing, _, contacts, reads = world
    pricing.window_days = 25
    pricing.is_hand_raise = True
    pricing.save()

    run = _run(model)

    assert reads == []  # the Python path read no history either
    assert (run.status, run.refolded) == (RescoreStatus.DONE, 1)
    assert all(ContactScore.objects.get(contact=c).hand_raise_rule == "Pricing" for c in contacts)
    _reads_as_fresh(model, contacts)


def test_two_definitions_changed_at_once_are_rebuilt_in_sql_one_after_the_other(world):
    """Two changed definitions take the two-statement path: each rebuilt, then the re-price."""
    model, pricing, blog, contacts, reads = world
    pricing.window_days = 25
    pricing.save()
    blog.window_days = 30
    blog.save()

    run = _run(model)  # both edits joined the one queued run

    # Only the blog rule's kind is read, once, to test its condition; nothing else comes to
    # Python (the pricing views are folded in SQL).
    assert reads == [{"page_view"}]
    assert (run.status, run.refolded) == (RescoreStatus.DONE, 2)
    _reads_as_fresh(model, contacts)
