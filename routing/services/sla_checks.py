"""
The SLA check beat runs every minute: a lead nobody accepted in time goes to the next eligible
rep, or up to the team's manager once it has been re-routed enough or nobody else can take it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contacts.services import contact_holder_record
from routing import engine
from routing.models import (
    Assignment,
    AssignmentStatus,
    DecisionKind,
    NotificationKind,
    RoutingDecision,
)
from routing.selectors import display_name
from routing.services.deciding import _decide
from routing.services.lead_routing import _place
from routing.services.notifications import _notify
from routing.services.sla_clock import _minutes_for, _sla_words

# SLA checks handle at most this many expired leads per run; the next run takes the rest.
SLA_BATCH = 500


def assignments_check_sla(*, now: datetime | None = None) -> int:
    """
    Re-route every lead whose acceptance SLA ran out to the next eligible rep (never one who
    already had it), or escalate it to the team's manager once it has been re-routed the team's
    number of times, or when nobody else can take it. Returns how many leads moved.
    """
    now = now or timezone.now()
    expired = list(
        Assignment.objects.filter(status=AssignmentStatus.PENDING, sla_due_at__lte=now)
        .order_by("sla_due_at")
        .values_list("pk", flat=True)[:SLA_BATCH]
    )
    return sum(_assignment_expire(assignment_id=pk, now=now) for pk in expired)


@transaction.atomic
def _assignment_expire(*, assignment_id: int, now: datetime) -> bool:
    # skip_locked: a rep accepting this very lead right now wins; the next run looks again.
    assignment = (
        Assignment.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("contact__company__account_owner", "rep", "team__manager", "rule")
        .filter(pk=assignment_id, status=AssignmentStatus.PENDING, sla_due_at__lte=now)
        .first()
    )
    if assignment is None:
        return False
    late = display_name(assignment.rep)
    # The rule's SLA, not due minus assigned: on a business-hours clock a 4 h SLA can span a
    # weekend.
    minutes = _minutes_for(assignment)
    ran_out = f"SLA of {engine.duration_words(minutes)} ran out with {late}"
    team = assignment.team
    limit = team.escalate_after_reroutes if team else 0
    if assignment.reroute_count >= limit:
        count = assignment.reroute_count
        _escalate(
            assignment, now=now, why=f"{ran_out} after {count} re-route{'s' if count != 1 else ''}"
        )
        return True
    had_it = set(assignment.decisions.exclude(rep=None).values_list("rep_id", flat=True)) | {
        assignment.rep_id
    }
    decision = _decide(
        contact=assignment.contact,
        line_id=assignment.qualification.line_id,
        hand_raise=assignment.hand_raise,
        now=now,
        lock=True,
        exclude=frozenset(had_it),
    )
    if decision.rep is None:
        _escalate(assignment, now=now, why=f"{ran_out}; nobody else can take it")
        return True
    assignment.reroute_count += 1
    sentence = (
        f"{ran_out} (re-route {assignment.reroute_count} of {limit}); {decision.sentence}"
        + _sla_words(decision, hand_raise=assignment.hand_raise)
    )
    _place(assignment, decision, now=now, kind=DecisionKind.REROUTED, sentence=sentence)
    return True


def _escalate(assignment: Assignment, *, now: datetime, why: str) -> None:
    """Take the lead from the late rep and put it in front of the team's manager."""
    team = assignment.team
    manager = team.manager if team else None
    assignment.status = AssignmentStatus.UNASSIGNED
    assignment.rep = None
    assignment.sla_due_at = None
    assignment.escalated_at = now
    assignment.save()
    if manager is not None:
        contact_holder_record(contact_id=assignment.contact_id, user_id=manager.pk, at=now)
        target = f"escalated to {display_name(manager)} (manager of {team.name})"
    else:
        target = "escalated to the Unassigned queue (the team has no manager)"
    RoutingDecision.objects.create(
        assignment=assignment,
        occurred_at=now,
        kind=DecisionKind.ESCALATED,
        rule_id=assignment.rule_id,
        rep=manager,
        sentence=f"{why}; {target}",
    )
    if manager is not None:
        _notify(assignment, kind=NotificationKind.ESCALATED, recipient_id=manager.pk)
