"""
What a rep does with a lead they hold: accept it (SAL), reject it back to marketing,
disqualify it, record the deal's outcome. Each locks the assignment, checks its state and logs
the action.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from contacts.models import LifecycleStage, OutcomeResult
from contacts.services import contact_set_stage, outcome_record
from routing import engine
from routing.models import (
    ACTIVE_STATUSES,
    HELD_STATUSES,
    Assignment,
    AssignmentStatus,
    DecisionKind,
    DisqualifyReason,
    RejectReason,
    RoutingDecision,
)
from routing.selectors import display_name
from routing.services.errors import RoutingError, RoutingInputError
from scoring.services import qualification_close


def _locked(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("contact", "rep", "team")
        .get(pk=assignment.pk)
    )


def _log(assignment: Assignment, *, kind: DecisionKind, actor, sentence: str, now) -> None:
    RoutingDecision.objects.create(
        assignment=assignment,
        occurred_at=now,
        kind=kind,
        rule_id=assignment.rule_id,
        rep_id=assignment.rep_id,
        actor=actor,
        sentence=sentence,
    )


def _waited(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    return f" after {engine.duration_words(minutes)}" if minutes else " within a minute"


@transaction.atomic
def assignment_accept(
    *, assignment: Assignment, user: AbstractBaseUser, now: datetime | None = None
) -> Assignment:
    """The rep takes the lead: it becomes sales-accepted (SAL, with its date) and the SLA stops."""
    now = now or timezone.now()
    assignment = _locked(assignment)
    if assignment.status != AssignmentStatus.PENDING:
        raise RoutingError(f"This lead is {assignment.get_status_display().lower()} already.")
    assignment.status = AssignmentStatus.ACCEPTED
    assignment.accepted_at = now
    assignment.sla_due_at = None
    assignment.save()
    contact_set_stage(contact=assignment.contact, stage=LifecycleStage.SAL, at=now)
    _log(
        assignment,
        kind=DecisionKind.ACCEPTED,
        actor=user,
        now=now,
        sentence=f"Accepted by {display_name(user)}{_waited(assignment.assigned_at, now)}",
    )
    return assignment


def _reason_text(label: str, note: str) -> str:
    note = note.strip()
    return f"{label}: {note}"[:255] if note else label


def _close(
    assignment: Assignment,
    *,
    status: AssignmentStatus,
    stage: LifecycleStage,
    kind: DecisionKind,
    user: AbstractBaseUser,
    closed: str,
    text: str,
    sentence: str,
    qualification_id: int | None,
    now: datetime,
) -> Assignment:
    """
    Close a held lead for a reason (rejected, disqualified): the assignment with its reason and
    no SLA, the contact's stage, its qualification (the one given, or every open one), and the
    decision log.
    """
    assignment.status = status
    assignment.closed_at = now
    assignment.sla_due_at = None
    assignment.close_reason = text
    assignment.save()
    contact_set_stage(contact=assignment.contact, stage=stage, at=now)
    qualification_close(
        contact=assignment.contact,
        reason=f"{closed}: {text}",
        now=now,
        qualification_id=qualification_id,
    )
    _log(assignment, kind=kind, actor=user, now=now, sentence=sentence)
    return assignment


@transaction.atomic
def assignment_reject(
    *,
    assignment: Assignment,
    user: AbstractBaseUser,
    reason: RejectReason | str,
    note: str = "",
    now: datetime | None = None,
) -> Assignment:
    """
    The rep hands the lead back to marketing: the contact is recycled, the reason is kept (on
    the assignment and the closed qualification), and the lead may qualify again later.
    """
    now = now or timezone.now()
    reason = RejectReason(reason)
    if reason == RejectReason.OTHER and not note.strip():
        raise RoutingInputError("Say why in a few words when the reason is 'Other'.")
    assignment = _locked(assignment)
    if assignment.status not in HELD_STATUSES:
        raise RoutingError(f"This lead is {assignment.get_status_display().lower()} already.")
    text = _reason_text(reason.label, note)
    # Only this line's qualification closes: the contact may be another line's lead.
    return _close(
        assignment,
        status=AssignmentStatus.REJECTED,
        stage=LifecycleStage.RECYCLED,
        kind=DecisionKind.REJECTED,
        user=user,
        closed=f"Rejected by {display_name(user)}",
        text=text,
        sentence=f"Rejected by {display_name(user)} ({text}); recycled to marketing",
        qualification_id=assignment.qualification_id,
        now=now,
    )


@transaction.atomic
def assignment_disqualify(
    *,
    assignment: Assignment,
    user: AbstractBaseUser,
    reason: DisqualifyReason | str,
    note: str = "",
    now: datetime | None = None,
) -> Assignment:
    """The lead will never buy (competitor, student, spam...): the contact is disqualified."""
    now = now or timezone.now()
    reason = DisqualifyReason(reason)
    assignment = _locked(assignment)
    if assignment.status not in ACTIVE_STATUSES:
        raise RoutingError(f"This lead is {assignment.get_status_display().lower()} already.")
    text = _reason_text(reason.label, note)
    # Every line's qualification closes: a contact who will never buy is nobody's lead.
    return _close(
        assignment,
        status=AssignmentStatus.DISQUALIFIED,
        stage=LifecycleStage.DISQUALIFIED,
        kind=DecisionKind.DISQUALIFIED,
        user=user,
        closed=f"Disqualified by {display_name(user)}",
        text=text,
        sentence=f"Disqualified by {display_name(user)} ({text})",
        qualification_id=None,
        now=now,
    )


@transaction.atomic
def assignment_outcome_record(
    *,
    assignment: Assignment,
    user: AbstractBaseUser,
    result: OutcomeResult | str,
    lost_reason: str = "",
    amount: Decimal | None = None,
    now: datetime | None = None,
) -> Assignment:
    """Record that an accepted lead was won or lost; this closes it and frees the rep's slot."""
    now = now or timezone.now()
    result = OutcomeResult(result)
    assignment = _locked(assignment)
    if assignment.status != AssignmentStatus.ACCEPTED:
        raise RoutingError("Only an accepted lead can be won or lost.")
    if result == OutcomeResult.LOST and not lost_reason.strip():
        raise RoutingInputError("Say why the deal was lost.")
    outcome_record(
        contact=assignment.contact,
        result=result,
        decided_at=now,
        lost_reason=lost_reason.strip() if result == OutcomeResult.LOST else "",
        amount=amount,
        recorded_by=user,
    )
    assignment.status = (
        AssignmentStatus.WON if result == OutcomeResult.WON else AssignmentStatus.LOST
    )
    assignment.closed_at = now
    assignment.close_reason = lost_reason.strip()[:255] if result == OutcomeResult.LOST else ""
    assignment.save()
    qualification_close(
        contact=assignment.contact,
        reason=result.label,
        now=now,
        qualification_id=assignment.qualification_id,
    )
    detail = f" ({lost_reason.strip()})" if result == OutcomeResult.LOST else ""
    amount_words = f" for ${amount:,.0f}" if amount is not None else ""
    _log(
        assignment,
        kind=DecisionKind.OUTCOME,
        actor=user,
        now=now,
        sentence=f"{result.label}{amount_words}{detail}, recorded by {display_name(user)}",
    )
    return assignment
