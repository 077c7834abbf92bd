"""
Routing a qualified lead: placing it where the decision says (the rep, or the Unassigned
queue), logging the decision and telling whoever must know; once per qualification.
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
    WebhookEvent,
)
from routing.services.deciding import _decide, _take
from routing.services.notifications import _notify
from routing.services.sla_clock import _sla_clock, _sla_words
from routing.services.webhooks import _assigned_payload, _lead_payload, _webhooks_emit
from scoring.models import Qualification, QualificationStatus


def _place(
    assignment: Assignment,
    decision: engine.Decision,
    *,
    now: datetime,
    kind: DecisionKind,
    sentence: str,
) -> RoutingDecision:
    """Put the assignment where the decision says, log it and tell whoever must know."""
    rule = decision.rule
    assignment.rule_id = rule.id if rule else None
    assignment.team_id = rule.team_id if rule else None
    assignment.strategy = "account_match" if decision.account else decision.strategy
    if decision.rep is not None:
        minutes = rule.sla_for(hand_raise=assignment.hand_raise) if rule else 240
        assignment.status = AssignmentStatus.PENDING
        assignment.rep_id = decision.rep.user_id
        assignment.assigned_at = now
        assignment.sla_due_at, clock = _sla_clock(
            user_id=decision.rep.user_id, minutes=minutes, now=now
        )
        sentence += clock
    else:
        assignment.status = AssignmentStatus.UNASSIGNED
        assignment.rep_id = None
        assignment.sla_due_at = None
    assignment.save()
    if assignment.rep_id is not None:
        contact_holder_record(contact_id=assignment.contact_id, user_id=assignment.rep_id, at=now)
    _take(decision, now=now)
    entry = RoutingDecision.objects.create(
        assignment=assignment,
        occurred_at=now,
        kind=kind if decision.rep is not None else DecisionKind.UNASSIGNED,
        rule_id=assignment.rule_id,
        strategy=assignment.strategy,
        rep_id=assignment.rep_id,
        skipped=[
            {"rep_id": s.user_id, "name": s.name, "reason": s.reason} for s in decision.skipped
        ],
        sentence=sentence,
    )
    if decision.rep is not None:
        _notify(assignment, kind=NotificationKind.ASSIGNED, recipient_id=decision.rep.user_id)
        _webhooks_emit(
            event=WebhookEvent.LEAD_ASSIGNED, payload=lambda: _assigned_payload(assignment, entry)
        )
    elif assignment.team_id and assignment.team.manager_id:
        _notify(
            assignment, kind=NotificationKind.UNASSIGNED, recipient_id=assignment.team.manager_id
        )
    return entry


@transaction.atomic
def lead_route(*, qualification_id: int, now: datetime | None = None) -> Assignment | None:
    """
    Route a lead that was released to routing: once per qualification, whatever the number of
    times the signal or the task is delivered. Returns its assignment (None if the
    qualification is gone, closed or not released).
    """
    now = now or timezone.now()
    qualification = (
        Qualification.objects.select_for_update(of=("self",))
        .select_related("contact__company__account_owner")
        .filter(pk=qualification_id)
        .first()
    )
    if (
        qualification is None
        or qualification.closed_at is not None
        or qualification.status != QualificationStatus.RELEASED
    ):
        return None
    existing = Assignment.objects.filter(qualification=qualification).first()
    if existing is not None:
        return existing
    contact = qualification.contact
    _webhooks_emit(
        event=WebhookEvent.LEAD_QUALIFIED,
        payload=lambda: _lead_payload(contact, qualification, now=now),
    )
    decision = _decide(
        contact=contact,
        hand_raise=qualification.hand_raise,
        now=now,
        lock=True,
        line_id=qualification.line_id,
    )
    assignment = Assignment(
        qualification=qualification,
        contact=contact,
        hand_raise=qualification.hand_raise,
        status=AssignmentStatus.UNASSIGNED,
    )
    _place(
        assignment,
        decision,
        now=now,
        kind=DecisionKind.ASSIGNED,
        sentence=decision.sentence + _sla_words(decision, hand_raise=qualification.hand_raise),
    )
    return assignment
