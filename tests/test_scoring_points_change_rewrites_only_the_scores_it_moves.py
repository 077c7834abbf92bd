"""
A full rescore after a change to some interest rules' points, caps or names rewrites only the
scores those rules count something in: every other score prices the same under the new rules
and is left as it was, untouched, and still reads as a fresh evaluation would. A score priced
with rules the last run never saw (written between two edits) is rewritten all the same.
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from contacts.models import Contact
from scoring import engine, score_reads, selectors
from scoring.models import ContactScore, RescoreRun, RescoreStatus
from scoring.services import rescore_run_execute
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)

pytestmark = pytest.mark.django_db

KINDS = {"pricing_page_view", "webinar_attended", "trial_started"}


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Pricing-page visitors, webinar attendees, and a contact who did neither."""
    with django_capture_on_commit_callbacks(execute=True):
        model = ScoringModelFactory(
            mql_mode="both", mql_fit_threshold=0, mql_interest_threshold=100
        )
        pricing = InterestRuleFactory(
            scoring_model=model, name="Pricing page", activity_kind="pricing_page_view", points=10
        )
        webinar = InterestRuleFactory(
            scoring_model=model, name="Webinar", activity_kind="webinar_attended", points=8
        )
        visitor = ContactFactory(email="visitor@acme.test")
        attendee = ContactFactory(email="attendee@acme.test")
        quiet = ContactFactory(email="quiet@acme.test")
        ActivityFactory(contact=visitor, kind="pricing_page_view")
        ActivityFactory(contact=attendee, kind="webinar_attended")
    return SimpleNamespace(
        model=model,
        pricing=pricing,
        webinar=webinar,
        visitor=visitor,
        attendee=attendee,
        quiet=quiet,
    )


def _rescore(capture, change) -> RescoreRun:
    """Make a rule change (it asks for a run, which runs on commit) and return that run."""
    with capture(execute=True):
        change()
    return RescoreRun.objects.order_by("-pk").first()


def _versions() -> dict[int, int]:
    return dict(ContactScore.objects.values_list("contact_id", "version"))


def _reads_as_fresh(model, contact: Contact) -> None:
    """What the pages show of the stored score equals a fresh evaluation of the history."""
    spec = selectors.model_spec(model)
    now = timezone.now()
    history = selectors.events_by_contact([contact.pk], kinds=KINDS).get(contact.pk, [])
    fresh = engine.evaluate(spec, selectors.profile_of(contact), history, now)
    shown = score_reads.score_now(ContactScore.objects.get(contact=contact), now=now, spec=spec)
    assert shown.interest == pytest.approx(fresh.interest, abs=1e-6)
    got, want = shown.breakdown_json(), fresh.breakdown_json()
    assert [p["points"] for p in got["interest"]] == pytest.approx(
        [p["points"] for p in want["interest"]], abs=1e-6
    )
    drop = {"points"}
    assert [{k: v for k, v in p.items() if k not in drop} for p in got["interest"]] == [
        {k: v for k, v in p.items() if k not in drop} for p in want["interest"]
    ]


def _full_run(capture, model) -> None:
    """A run that rewrites everything, finished: the snapshot later runs compare against."""
    with capture(execute=True):
        rule = InterestRuleFactory(scoring_model=model, name="Trial", activity_kind="trial_started")
    assert RescoreRun.objects.order_by("-pk").first().status == RescoreStatus.DONE
    return rule


def test_a_points_change_rewrites_only_the_scores_that_count_the_rule(
    world, django_capture_on_commit_callbacks
):
    _full_run(django_capture_on_commit_callbacks, world.model)
    before = _versions()

    def more_points():
        world.pricing.points = 25
        world.pricing.save(update_fields=["points"])

    run = _rescore(django_capture_on_commit_callbacks, more_points)

    assert run.status == RescoreStatus.DONE
    assert (run.done, run.untouched, run.changed) == (3, 2, 1)
    after = _versions()
    assert after[world.visitor.pk] == before[world.visitor.pk] + 1
    assert after[world.attendee.pk] == before[world.attendee.pk]
    assert after[world.quiet.pk] == before[world.quiet.pk]
    assert ContactScore.objects.get(contact=world.visitor).interest == pytest.approx(25, rel=0.05)
    for contact in (world.visitor, world.attendee, world.quiet):
        _reads_as_fresh(world.model, contact)


def test_renaming_a_rule_rewrites_the_breakdowns_that_name_it(
    world, django_capture_on_commit_callbacks
):
    _full_run(django_capture_on_commit_callbacks, world.model)

    def rename():
        world.webinar.name = "Live webinar"
        world.webinar.save(update_fields=["name"])

    run = _rescore(django_capture_on_commit_callbacks, rename)

    assert run.untouched == 2
    parts = ContactScore.objects.get(contact=world.attendee).breakdown["interest"]
    assert [p["name"] for p in parts] == ["Live webinar"]


def test_a_threshold_change_rewrites_every_score(world, django_capture_on_commit_callbacks):
    _full_run(django_capture_on_commit_callbacks, world.model)
    before = _versions()

    def lower_the_bar():
        world.model.mql_interest_threshold = 5
        world.model.save()

    run = _rescore(django_capture_on_commit_callbacks, lower_the_bar)

    assert run.untouched == 0
    assert all(_versions()[i] == v + 1 for i, v in before.items())
    assert ContactScore.objects.get(contact=world.visitor).meets_threshold


def test_a_score_written_between_two_edits_is_rewritten(world, django_capture_on_commit_callbacks):
    """
    Points 10 -> 20 -> 10 with an activity scored between the edits (under 20): the run both
    edits ask for finds no change against the last run's rules, yet that one score was priced
    with rules the last run never saw, and is rewritten.
    """
    _full_run(django_capture_on_commit_callbacks, world.model)
    # Nothing commits inside a test: the run the edits ask for waits until it is executed.
    world.pricing.points = 20
    world.pricing.save(update_fields=["points"])
    ActivityFactory(contact=world.attendee, kind="pricing_page_view")
    stored = ContactScore.objects.get(contact=world.attendee)
    assert stored.interest == pytest.approx(28, rel=0.05)
    world.pricing.points = 10
    world.pricing.save(update_fields=["points"])

    run = RescoreRun.objects.get(status=RescoreStatus.QUEUED)
    assert run.requests == 2
    run = rescore_run_execute(run_id=run.pk)

    assert (run.done, run.untouched) == (3, 2)
    assert ContactScore.objects.get(contact=world.attendee).interest == pytest.approx(18, rel=0.05)
    _reads_as_fresh(world.model, world.attendee)
