"""SLA: an unaccepted lead is re-routed when its time runs out, then escalated to the manager."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from routing import services, tasks
from routing.models import AssignmentStatus, DecisionKind, Notification, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def reps(team):
    reps = [make_rep(team, name) for name in ("Ana", "Ben", "Cy")]
    RoutingRuleFactory(
        name="EMEA SaaS",
        team=team,
        strategy=Strategy.ROUND_ROBIN,
        account_match=False,
        sla_minutes=240,
        hand_raise_sla_minutes=30,
    )
    return reps


def test_the_sla_comes_from_the_rule(reps):
    assignment = route(now=NOW)
    assert assignment.sla_due_at == NOW + dt.timedelta(hours=4)


def test_a_hand_raise_gets_the_shorter_sla(reps):
    assignment = route(now=NOW, hand_raise=True)
    assert assignment.hand_raise
    assert assignment.sla_due_at == NOW + dt.timedelta(minutes=30)


def test_nothing_moves_before_the_sla_runs_out(reps):
    assignment = route(now=NOW)
    assert services.assignments_check_sla(now=NOW + dt.timedelta(hours=3, minutes=59)) == 0
    assignment.refresh_from_db()
    assert assignment.rep == reps[0]


def test_an_expired_lead_goes_to_the_next_eligible_rep_with_the_reason(reps):
    ana, ben, _ = reps
    assignment = route(now=NOW)
    assert assignment.rep == ana

    later = NOW + dt.timedelta(hours=4, minutes=1)
    assert services.assignments_check_sla(now=later) == 1

    assignment.refresh_from_db()
    assert assignment.rep == ben
    assert assignment.status == AssignmentStatus.PENDING
    assert assignment.reroute_count == 1
    assert assignment.sla_due_at == later + dt.timedelta(hours=4)
    log = assignment.decisions.order_by("occurred_at", "id").last()
    assert log.kind == DecisionKind.REROUTED
    assert log.sentence == (
        "SLA of 4 h ran out with Ana (re-route 1 of 2); Matched 'EMEA SaaS'; round robin; "
        "assigned to Ben; 4 h to accept"
    )


def test_a_rep_who_let_it_expire_never_gets_it_back(reps):
    ana, ben, cy = reps
    assignment = route(now=NOW)
    holders = [assignment.rep]
    when = NOW
    for _ in range(2):
        when += dt.timedelta(hours=4, minutes=1)
        services.assignments_check_sla(now=when)
        assignment.refresh_from_db()
        holders.append(assignment.rep)
    assert holders == [ana, ben, cy]


def test_after_the_teams_number_of_reroutes_the_manager_gets_it(
    reps, team, manager, django_capture_on_commit_callbacks
):
    manager.email = "max@example.com"
    manager.save()
    assignment = route(now=NOW)
    when = NOW
    for _ in range(3):
        when += dt.timedelta(hours=4, minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            services.assignments_check_sla(now=when)

    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.UNASSIGNED
    assert assignment.rep is None
    assert assignment.escalated_at == when
    assert assignment.reroute_count == 2
    log = assignment.decisions.order_by("occurred_at", "id").last()
    assert log.kind == DecisionKind.ESCALATED
    assert log.sentence == (
        "SLA of 4 h ran out with Cy after 2 re-routes; escalated to max.manager (manager of EMEA)"
    )
    assert Notification.objects.filter(recipient=manager, kind="escalated").exists()
    escalation = [m for m in mail.outbox if m.to == ["max@example.com"]]
    assert [m.subject for m in escalation] == [
        f"Escalated: nobody accepted {assignment.contact} at {assignment.contact.company.name} "
        "in time"
    ]


def test_when_nobody_else_can_take_it_it_is_escalated_at_once(team, manager):
    ana = make_rep(team, "Ana")
    RoutingRuleFactory(name="Solo", team=team, account_match=False)
    assignment = route(now=NOW)
    assert assignment.rep == ana

    services.assignments_check_sla(now=NOW + dt.timedelta(hours=5))

    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.UNASSIGNED
    assert assignment.decisions.order_by("occurred_at", "id").last().sentence == (
        "SLA of 4 h ran out with Ana; nobody else can take it; "
        "escalated to max.manager (manager of EMEA)"
    )


def test_an_accepted_lead_is_never_rerouted(reps):
    assignment = route(now=NOW)
    services.assignment_accept(assignment=assignment, user=reps[0], now=NOW)
    assert services.assignments_check_sla(now=NOW + dt.timedelta(days=3)) == 0


def test_the_beat_task_is_registered_under_the_scheduled_name(reps, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["routing-check-sla"]
    assert schedule["task"] == tasks.check_sla.name == "routing.check_sla"
    assignment = route(now=timezone.now() - dt.timedelta(hours=5))
    assert tasks.check_sla.delay().get() == 1
    assignment.refresh_from_db()
    assert assignment.reroute_count == 1
