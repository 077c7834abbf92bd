"""A rep who rejected a lead is not given it again during the team's cool-off."""

import datetime as dt

import pytest
from django.utils import timezone

from routing import services
from routing.models import AssignmentStatus, RejectReason, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, qualify, route

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))


@pytest.fixture
def reps(team):
    RoutingRuleFactory(name="EMEA", team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    return make_rep(team, "Ana"), make_rep(team, "Ben")


def _reject(assignment, *, now):
    return services.assignment_reject(
        assignment=assignment,
        user=assignment.rep,
        reason=RejectReason.NOT_DECISION_MAKER,
        now=now,
    )


def _requalify(contact, *, now):
    return services.lead_route(qualification_id=qualify(contact).pk, now=now)


def test_a_rejected_lead_goes_to_another_rep_and_the_log_says_why(reps):
    ana, ben = reps
    first = route(now=NOW)
    assert first.rep == ana
    _reject(first, now=NOW + dt.timedelta(hours=1))

    assert route(now=NOW + dt.timedelta(hours=2)).rep == ben
    # Ana's turn in the rotation again: the cool-off skips her.
    second = _requalify(first.contact, now=NOW + dt.timedelta(days=3))

    assert second.rep == ben
    assert second.status == AssignmentStatus.PENDING
    entry = second.decisions.get()
    assert "skipped Ana (rejected it 2 Mar; cool-off until 1 Apr)" in entry.sentence
    assert entry.skipped == [
        {"rep_id": ana.pk, "name": "Ana", "reason": "rejected it 2 Mar; cool-off until 1 Apr"}
    ]


def test_after_the_cool_off_the_rep_can_get_it_again(reps, team):
    ana, _ = reps
    team.reject_cool_off_days = 7
    team.save()
    first = route(now=NOW)
    _reject(first, now=NOW)
    route(now=NOW)  # Ben's turn; Ana's next

    second = _requalify(first.contact, now=NOW + dt.timedelta(days=8))

    assert second.rep == ana


def test_a_cool_off_of_zero_days_turns_it_off(reps, team):
    ana, _ = reps
    team.reject_cool_off_days = 0
    team.save()
    first = route(now=NOW)
    _reject(first, now=NOW)
    route(now=NOW)  # Ben's turn; Ana's next

    assert _requalify(first.contact, now=NOW + dt.timedelta(minutes=5)).rep == ana


def test_the_only_rep_in_cool_off_leaves_the_lead_unassigned(team):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    make_rep(team, "Solo")
    first = route(now=NOW)
    _reject(first, now=NOW)

    second = _requalify(first.contact, now=NOW + dt.timedelta(days=1))

    assert second.status == AssignmentStatus.UNASSIGNED
    assert "Solo (rejected it 2 Mar; cool-off until 1 Apr)" in second.decisions.get().sentence


def test_an_account_owner_who_rejected_it_is_passed_over_too(reps, team):
    ana, ben = reps
    team.rules.update(account_match=True)
    first = route(now=NOW)
    contact = first.contact
    contact.company.account_owner = ana
    contact.company.save()
    _reject(first, now=NOW)

    second = _requalify(contact, now=NOW + dt.timedelta(days=2))

    assert second.rep == ben
    assert "account owner, rejected it 2 Mar" in second.decisions.get().sentence


def test_the_dry_run_shows_the_cool_off(reps, manager_client):
    ana, ben = reps
    first = route(now=NOW)
    _reject(first, now=timezone.now() - dt.timedelta(days=1))
    route(now=NOW)  # Ben's turn; Ana's next

    decision = services.lead_route_dry_run(contact=first.contact)

    assert decision.rep.user_id == ben.pk
    assert [s.user_id for s in decision.skipped] == [ana.pk]
    assert "cool-off until" in decision.skipped[0].reason
