"""
On PostgreSQL a rescore run after a points change re-prices the stored scores in SQL: the scores
and their explanation are the new points' (pages show them), the timeline names the rule that
moved them, and the Python path is never called for them. A score the new price could qualify
is left to the Python path, which opens its qualification (held for marketing after a rule
change); a publish moves the scores to the new version and its rules.
"""

import pytest
from django.db import connection
from django.utils import timezone

from contacts.services import activity_record
from scoring import score_reads, selectors
from scoring.models import (
    ChangeReason,
    ContactScore,
    Qualification,
    QualificationStatus,
    ScoreChange,
    ScoringRule,
)
from scoring.services import (
    rescore_run_execute,
    rescore_runs,
    scoring_model_changed,
    scoring_model_draft_create,
    scoring_model_publish,
)
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the SQL re-price is PostgreSQL's; runs in CI's PostgreSQL pass",
    ),
    pytest.mark.django_db,
]


@pytest.fixture
def python_path(monkeypatch) -> list[int]:
    """The contacts the run hands to the Python path (score_batch)."""
    taken: list[int] = []
    real = rescore_runs.score_batch

    def spy(**kwargs):
        taken.extend(c.pk for c in kwargs["contacts"])
        return real(**kwargs)

    monkeypatch.setattr(rescore_runs, "score_batch", spy)
    return taken


@pytest.fixture
def model():
    model = ScoringModelFactory(
        decay_half_life_days=0, mql_fit_threshold=0, mql_interest_threshold=40
    )
    InterestRuleFactory(
        scoring_model=model, name="Viewed pricing", activity_kind="pricing_page_view", points=10
    )
    InterestRuleFactory(
        scoring_model=model, name="Attended webinar", activity_kind="webinar_attended", points=8
    )
    return model


def _views(contact, kind: str, count: int) -> None:
    for _ in range(count):
        activity_record(contact=contact, kind=kind, occurred_at=timezone.now())


def _rescore(model) -> None:
    run = scoring_model_changed(model_id=model.pk, reason="points changed")
    rescore_run_execute(run_id=run.pk)


def test_a_points_change_is_repriced_in_sql_and_the_timeline_names_the_rule(
    model, python_path, admin_client
):
    viewer, attendee = ContactFactory(), ContactFactory()
    _views(viewer, "pricing_page_view", 2)
    _views(attendee, "webinar_attended", 1)

    ScoringRule.objects.filter(name="Viewed pricing").update(points=15)
    _rescore(model)

    assert python_path == []
    score = ContactScore.objects.get(contact=viewer)
    assert score.interest == 30
    (part,) = score.breakdown["interest"]
    assert (part["name"], part["points"], part["per_occurrence"]) == ("Viewed pricing", 30, 15)
    (entry,) = ScoreChange.objects.filter(reason=ChangeReason.RULE_CHANGE)
    assert entry.contact == viewer
    assert entry.detail == "Viewed pricing +10"
    assert (entry.interest_before, entry.interest_after) == (20, 30)
    # The webinar's score did not move: rewritten under the new rules, no timeline entry.
    assert ContactScore.objects.get(contact=attendee).interest == 8
    page = admin_client.get(f"/scoring/contacts/{viewer.pk}/").content.decode()
    assert "Viewed pricing" in page and "30" in page


def test_a_score_the_new_price_qualifies_goes_to_the_python_path_and_qualifies(model, python_path):
    near, far = ContactFactory(), ContactFactory()
    _views(near, "pricing_page_view", 3)  # 30: below the 40 of the MQL rule
    _views(far, "webinar_attended", 1)

    ScoringRule.objects.filter(name="Viewed pricing").update(points=14)
    _rescore(model)

    assert python_path == [near.pk]
    qualification = Qualification.objects.get(contact=near)
    assert qualification.status == QualificationStatus.PENDING_RELEASE  # held after a rule change
    assert ContactScore.objects.get(contact=near).interest == 42
    assert not Qualification.objects.filter(contact=far).exists()


def test_a_published_points_change_moves_every_score_to_the_new_version_in_sql(model, python_path):
    viewer = ContactFactory()
    _views(viewer, "pricing_page_view", 1)

    draft = scoring_model_draft_create(source=model, created_by=None)
    ScoringRule.objects.filter(scoring_model=draft, name="Viewed pricing").update(points=12)
    scoring_model_publish(draft=draft, published_by=None)
    run = draft.runs.latest("pk")
    rescore_run_execute(run_id=run.pk)

    assert python_path == []
    score = ContactScore.objects.get(contact=viewer)
    new_rule = ScoringRule.objects.get(scoring_model=draft, name="Viewed pricing")
    assert (score.scoring_model_id, score.interest) == (draft.pk, 12)
    assert [p["rule_id"] for p in score.breakdown["interest"]] == [new_rule.pk]
    assert score.priced_key == selectors.model_spec(draft).price_key
    # The timeline says what the new version changed, though its rules have new ids.
    (entry,) = ScoreChange.objects.filter(contact=viewer, reason=ChangeReason.RULE_CHANGE)
    assert entry.detail == "Viewed pricing +2"
    # Read back as pages read it (as of now), the score is the new version's.
    shown = score_reads.score_now(score)
    assert shown.interest == 12
    assert [p.rule_id for p in shown.interest_breakdown] == [new_rule.pk]


def test_a_lead_with_an_open_qualification_goes_to_the_python_path_which_follows_it(
    model, python_path
):
    lead = ContactFactory()
    _views(lead, "pricing_page_view", 3)
    _views(lead, "webinar_attended", 2)  # 46: qualified as it arrived
    assert Qualification.objects.filter(contact=lead, closed_at=None).exists()

    ScoringRule.objects.filter(name="Attended webinar").update(points=1)
    _rescore(model)

    assert python_path == [lead.pk]
    qualification = Qualification.objects.get(contact=lead)
    assert qualification.fell_below_at is not None  # 32 now: below the rule, still with sales
    assert ContactScore.objects.get(contact=lead).interest == 32
