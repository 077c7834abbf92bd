"""
A rule change's timeline entry says which rules moved the score, by name, including a rule that
no longer gives points (its name is only in the stored breakdown, read for the scores that
moved); scores that did not move get no entry. Across a published version, whose rules have
new ids, a rule is known by its name.
"""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import ChangeReason, ScoreChange, ScoringRule
from scoring.services import rescore_run_execute, scoring_model_changed
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


def test_a_deactivated_rule_is_named_on_the_timeline_of_the_scores_it_moved():
    model = ScoringModelFactory()
    InterestRuleFactory(
        scoring_model=model, name="Viewed pricing", activity_kind="pricing_page_view", points=30
    )
    InterestRuleFactory(
        scoring_model=model, name="Attended webinar", activity_kind="webinar_attended", points=8
    )
    viewer, attendee = ContactFactory(), ContactFactory()
    activity_record(contact=viewer, kind="pricing_page_view", occurred_at=timezone.now())
    activity_record(contact=attendee, kind="webinar_attended", occurred_at=timezone.now())

    ScoringRule.objects.filter(name="Viewed pricing").update(is_active=False)
    run = scoring_model_changed(model_id=model.pk, reason="pricing rule retired")
    rescore_run_execute(run_id=run.pk)

    (entry,) = ScoreChange.objects.filter(reason=ChangeReason.RULE_CHANGE)
    assert entry.contact == viewer
    assert entry.detail == "Viewed pricing -30"
    assert (entry.interest_before, entry.interest_after) == (30, 0)


def test_one_activity_reads_its_stored_score_once_and_names_its_rule(
    django_capture_on_commit_callbacks,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contacts.models import Activity
    from scoring.services.rescoring import contacts_score

    model = ScoringModelFactory()
    InterestRuleFactory(
        scoring_model=model, name="Viewed pricing", activity_kind="pricing_page_view", points=30
    )
    contact = ContactFactory()
    # bulk_create: no receiver scores it first; contacts_score is the write's own scoring.
    (activity,) = Activity.objects.bulk_create(
        [Activity(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())]
    )

    with CaptureQueriesContext(connection) as queries:
        contacts_score(contact_ids=[contact.pk], activities=[activity])

    reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and 'FROM "scoring_contactscore"' in q["sql"]
    ]
    assert len(reads) == 1, reads
    entry = ScoreChange.objects.filter(contact=contact).latest("pk")
    assert entry.detail == "Viewed pricing +30"


def test_a_published_version_is_named_by_what_it_changed_though_its_rules_have_new_ids():
    from scoring.services import scoring_model_draft_create, scoring_model_publish

    model = ScoringModelFactory(decay_half_life_days=0)
    InterestRuleFactory(
        scoring_model=model, name="Viewed pricing", activity_kind="pricing_page_view", points=10
    )
    InterestRuleFactory(
        scoring_model=model, name="Attended webinar", activity_kind="webinar_attended", points=8
    )
    lead = ContactFactory()
    activity_record(contact=lead, kind="pricing_page_view", occurred_at=timezone.now())
    activity_record(contact=lead, kind="webinar_attended", occurred_at=timezone.now())

    draft = scoring_model_draft_create(source=model, created_by=None)
    ScoringRule.objects.filter(scoring_model=draft, name="Viewed pricing").update(points=13)
    scoring_model_publish(draft=draft, published_by=None)
    rescore_run_execute(run_id=draft.runs.latest("pk").pk)

    (entry,) = ScoreChange.objects.filter(contact=lead, reason=ChangeReason.RULE_CHANGE)
    # Not "Viewed pricing -10; Viewed pricing +13; Attended webinar -8; ...": the rules match
    # by name across versions.
    assert entry.detail == "Viewed pricing +3"
