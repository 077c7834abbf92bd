"""A contact scored by two models qualifies under each on its own, routed by that model's rules."""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from routing.models import Assignment
from routing.services import assignment_accept, assignment_outcome_record
from scoring.models import Qualification
from tests.factories import ContactFactory, score_of

pytestmark = pytest.mark.django_db


def record(contact, kind, capture, times=1):
    with capture(execute=True):
        for _ in range(times):
            activity_record(contact=contact, kind=kind, occurred_at=timezone.now())


def test_a_contact_qualifies_under_one_model_and_not_the_other(
    core, enterprise, teams, django_capture_on_commit_callbacks
):
    contact = ContactFactory()  # a Software company: fit 10 under both models

    record(contact, "pricing_page_view", django_capture_on_commit_callbacks, times=2)

    assert score_of(contact, core.line).interest == 20
    assert score_of(contact, enterprise.line).interest == 0  # no pricing rule there
    qualification = Qualification.objects.get(contact=contact)
    assert qualification.line == core.line
    assignment = Assignment.objects.get(contact=contact)
    assert assignment.rep == teams["core"]  # the Core model's routing rule, not Enterprise's


def test_qualifying_under_the_second_model_too_is_a_second_lead_routed_by_its_rules(
    core, enterprise, teams, django_capture_on_commit_callbacks
):
    contact = ContactFactory()
    record(contact, "pricing_page_view", django_capture_on_commit_callbacks, times=2)

    record(contact, "webinar_attended", django_capture_on_commit_callbacks, times=2)

    open_ones = Qualification.objects.filter(contact=contact, closed_at__isnull=True)
    assert sorted(q.line.name for q in open_ones) == ["Default", "Enterprise"]
    reps = {a.qualification.line.name: a.rep for a in Assignment.objects.filter(contact=contact)}
    assert reps == {"Default": teams["core"], "Enterprise": teams["enterprise"]}
    # More activity announces nothing again: one qualification per model.
    record(contact, "webinar_attended", django_capture_on_commit_callbacks)
    assert Qualification.objects.filter(contact=contact).count() == 2


def test_closing_one_models_lead_leaves_the_other_open(
    core, enterprise, teams, django_capture_on_commit_callbacks
):
    contact = ContactFactory()
    record(contact, "pricing_page_view", django_capture_on_commit_callbacks, times=2)
    record(contact, "webinar_attended", django_capture_on_commit_callbacks, times=2)
    core_lead = Assignment.objects.get(contact=contact, qualification__line=core.line)
    assignment_accept(assignment=core_lead, user=teams["core"])

    assignment_outcome_record(
        assignment=core_lead, user=teams["core"], result="lost", lost_reason="No budget"
    )

    assert Qualification.objects.get(line=core.line, contact=contact).closed_at is not None
    assert Qualification.objects.get(line=enterprise.line, contact=contact).closed_at is None
