"""A lead that qualifies in scoring reaches a rep: scoring's lead_qualified starts the routing."""

import time

import pytest
from django.utils import timezone

from contacts.services import activity_record
from routing.models import Assignment, AssignmentStatus
from scoring.defaults import default_model_create
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory
from tests.routing.conftest import RoutingRuleFactory, make_rep


@pytest.mark.django_db
def test_a_demo_request_is_routed_at_once_with_the_hand_raise_sla(
    team, django_capture_on_commit_callbacks
):
    ana = make_rep(team, "Ana")
    RoutingRuleFactory(team=team, sla_minutes=240, hand_raise_sla_minutes=30)
    model = ScoringModelFactory()
    InterestRuleFactory(
        scoring_model=model,
        activity_kind="demo_request",
        name="Requested a demo",
        is_hand_raise=True,
    )
    contact = ContactFactory()

    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())

    assignment = Assignment.objects.get(contact=contact)
    assert assignment.rep == ana
    assert assignment.hand_raise
    assert (assignment.sla_due_at - assignment.assigned_at).total_seconds() == 30 * 60


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_routes_a_lead_that_qualifies(celery_worker_process, team):
    ana = make_rep(team, "Ana")
    RoutingRuleFactory(team=team)
    default_model_create()
    contact = ContactFactory(job_title="VP Sales", company__industry="Software")
    activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assignment = Assignment.objects.filter(contact=contact).first()
        if assignment is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not route the lead within 30 s")
    assert assignment.rep == ana
    assert assignment.status == AssignmentStatus.PENDING
    # The worker still sends the rep's email after routing; let it finish before the test's
    # database flush (a TRUNCATE racing the worker's transaction can deadlock).
    _wait_until_worker_idle()


def _wait_until_worker_idle(timeout: float = 15) -> None:
    from leadscore.celery import app

    deadline, idle_checks = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and idle_checks < 2:
        inspect = app.control.inspect(timeout=0.5)
        busy = [*(inspect.active() or {}).values(), *(inspect.reserved() or {}).values()]
        idle_checks = idle_checks + 1 if not any(busy) else 0
        time.sleep(0.3)
