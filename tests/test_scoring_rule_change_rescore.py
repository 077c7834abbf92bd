"""A rule change rescores everyone in the background, without side effects by default."""

import pytest
from django.utils import timezone

from contacts.models import LifecycleStage
from scoring.models import (
    ChangeReason,
    Qualification,
    QualificationStatus,
    RescoreRun,
    RescoreStatus,
    ScoreChange,
)
from scoring.services import qualification_release
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    FitRuleFactory,
    ScoringModelFactory,
    score_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        model = ScoringModelFactory(mql_mode="combined", mql_combined_threshold=20)
        FitRuleFactory(
            scoring_model=model,
            points=25,
            attribute="seniority",
            operator="equals",
            value="vp",
            name="VP",
        )
        already = ContactFactory(job_title="VP Sales")
        with_sales = ContactFactory(job_title="Engineer", lifecycle_stage=LifecycleStage.SAL)
        newcomer = ContactFactory(job_title="Engineer")
    for contact in (already, with_sales, newcomer):
        assert score_of(contact).scored_at is not None
    RescoreRun.objects.all().delete()  # the set-up's own rescore
    return model, already, with_sales, newcomer


def change_rules(model, capture, **rule):
    with capture(execute=True):
        return FitRuleFactory(scoring_model=model, **rule)


def test_a_rule_change_rescores_every_contact_with_progress(
    world, django_capture_on_commit_callbacks
):
    model, already, with_sales, newcomer = world
    change_rules(model, django_capture_on_commit_callbacks, points=5, name="Software")
    run = RescoreRun.objects.get()
    assert run.status == RescoreStatus.DONE
    assert (run.total, run.done, run.percent) == (3, 3, 100)
    assert run.changed == 3
    assert "Scoring rule 'Software" in run.reason
    for contact in (already, with_sales, newcomer):
        contact.refresh_from_db()
        assert score_of(contact).fit == (30 if contact == already else 5)
    assert ScoreChange.objects.filter(reason=ChangeReason.RULE_CHANGE).count() == 3


def test_newly_qualifying_leads_wait_for_release_and_nobody_is_re_notified(
    world, django_capture_on_commit_callbacks, announcements
):
    model, already, with_sales, newcomer = world
    assert already.qualifications.count() == 1
    change_rules(model, django_capture_on_commit_callbacks, points=30, name="Software")
    assert announcements == []
    assert already.qualifications.count() == 1
    assert not with_sales.qualifications.exists()
    pending = Qualification.objects.get(contact=newcomer)
    assert pending.status == QualificationStatus.PENDING_RELEASE
    newcomer.refresh_from_db()
    assert newcomer.lifecycle_stage == LifecycleStage.LEAD
    assert RescoreRun.objects.get().newly_qualified == 1

    with django_capture_on_commit_callbacks(execute=True):
        qualification_release(qualification=pending)
    newcomer.refresh_from_db()
    assert newcomer.lifecycle_stage == LifecycleStage.MQL
    assert announcements == [newcomer.pk]


def test_automatic_release_sends_new_mqls_to_routing(
    world, django_capture_on_commit_callbacks, announcements
):
    model, _already, _with_sales, newcomer = world
    with django_capture_on_commit_callbacks(execute=True):
        model.auto_release_after_rescore = True
        model.save()
        FitRuleFactory(scoring_model=model, points=30, name="Software")
    assert announcements == [newcomer.pk]
    assert Qualification.objects.get(contact=newcomer).status == QualificationStatus.RELEASED


def test_saving_many_rules_in_one_transaction_rescores_once(
    world, django_capture_on_commit_callbacks
):
    model, *_ = world
    with django_capture_on_commit_callbacks(execute=True):
        for points in (1, 2, 3):
            FitRuleFactory(scoring_model=model, points=points)
    assert RescoreRun.objects.count() == 1


def test_a_rule_of_a_model_that_is_not_live_rescores_nobody(
    world, django_capture_on_commit_callbacks
):
    draft = ScoringModelFactory(is_live=False)
    change_rules(draft, django_capture_on_commit_callbacks, points=5)
    assert not RescoreRun.objects.exists()


def test_a_profile_change_rescores_the_contact(world, django_capture_on_commit_callbacks):
    _, _, _, newcomer = world
    with django_capture_on_commit_callbacks(execute=True):
        newcomer.job_title = "VP Engineering"
        newcomer.save()
    newcomer.refresh_from_db()
    assert score_of(newcomer).fit == 25
    change = newcomer.score_changes.get(reason=ChangeReason.PROFILE_CHANGE)
    assert change.detail == "VP +25"
    assert (change.cell_before, change.cell_after) == ("D3", "C3")


def test_a_company_change_rescores_its_contacts(world, django_capture_on_commit_callbacks):
    model, already, *_ = world
    FitRuleFactory(
        scoring_model=model,
        points=7,
        attribute="employee_count",
        operator="at_least",
        value="",
        min_value=1000,
    )
    company = already.company
    with django_capture_on_commit_callbacks(execute=True):
        company.employee_count = 5000
        company.save()
    already.refresh_from_db()
    assert score_of(already).fit == 32


def test_a_new_activity_gets_a_timeline_entry_naming_it(django_capture_on_commit_callbacks):
    model = ScoringModelFactory()
    from tests.factories import InterestRuleFactory

    InterestRuleFactory(scoring_model=model, points=5, name="Viewed pricing")
    contact = ContactFactory()
    with django_capture_on_commit_callbacks(execute=True):
        activity = ActivityFactory(
            contact=contact, kind="pricing_page_view", occurred_at=timezone.now()
        )
    # The contact was scored when it was created; the activity is its own entry.
    first, change = contact.score_changes.order_by("id")
    assert first.reason == ChangeReason.FIRST_SCORE
    assert change.activity == activity
    assert change.reason == ChangeReason.NEW_ACTIVITY
    assert change.detail == "Viewed pricing +5"
    assert (change.interest_before, change.interest_after) == (0, 5)
    assert change.cell_after == "D3"
