"""
A manager handing a lead to a rep by hand, and the warnings (away, inactive, full, within the
cool-off) that make them confirm first: the same checks automatic routing makes. And a deleted
user's leads going back to the Unassigned queue, for their manager to hand out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from contacts.services import contact_holder_record
from routing import engine, selectors
from routing.models import (
    ACTIVE_STATUSES,
    HELD_STATUSES,
    Assignment,
    AssignmentStatus,
    DecisionKind,
    NotificationKind,
    RepProfile,
    RoutingDecision,
    Team,
    WebhookEvent,
)
from routing.selectors import display_name
from routing.services.errors import ReassignWarning, RoutingError, RoutingInputError
from routing.services.notifications import _notify
from routing.services.rep_actions import _locked
from routing.services.sla_clock import _minutes_for, _sla_clock
from routing.services.webhooks import _assigned_payload, _webhooks_emit


def _profile_locked(rep: AbstractBaseUser) -> RepProfile:
    """The rep's profile, locked while their load is counted; RoutingError when they have none."""
    profile = (
        RepProfile.objects.select_for_update(of=("self",))
        .select_related("team", "user")
        .filter(user=rep)
        .first()
    )
    if profile is None:
        raise RoutingError(f"{display_name(rep)} is not set up to receive leads.")
    return profile


def _override_words(warnings: list[str], *, profile: RepProfile, load: int) -> str:
    """What the log adds when the manager went ahead despite warnings: ' (over capacity 5/4)'..."""
    over = f" (over capacity {load + 1}/{profile.capacity})" if load >= profile.capacity else ""
    overridden = [w for w in warnings if not w.startswith("At capacity")]
    if overridden:
        over += " despite: " + " ".join(overridden)
    return over


@transaction.atomic
def assignment_reassign(
    *,
    assignment: Assignment,
    to_rep: AbstractBaseUser,
    by: AbstractBaseUser,
    reason: str,
    force: bool = False,
    now: datetime | None = None,
) -> Assignment:
    """
    A manager gives the lead to a rep by hand, with a reason that goes in the log. A lead
    waiting for acceptance (or unassigned) gets a fresh SLA; an accepted one stays accepted.
    A rep who is away, inactive, full or within their cool-off for this lead raises
    ReassignWarning unless `force`: then it is the manager's call, and the log says so.
    """
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise RoutingInputError("Give a reason for the reassignment; it goes in the lead's log.")
    assignment = _locked(assignment)
    if assignment.status not in ACTIVE_STATUSES:
        raise RoutingError(f"This lead is {assignment.get_status_display().lower()} already.")
    if assignment.rep_id == to_rep.pk:
        raise RoutingError(f"{display_name(to_rep)} already has this lead.")
    profile = _profile_locked(to_rep)
    load = selectors.rep_loads([to_rep.pk]).get(to_rep.pk, 0)
    warnings = reassign_warnings(assignment=assignment, profile=profile, load=load, now=now)
    if warnings and not force:
        raise ReassignWarning(warnings)
    previous = display_name(assignment.rep) if assignment.rep_id else "Unassigned"
    over = _override_words(warnings, profile=profile, load=load)
    assignment.rep = to_rep
    assignment.team_id = profile.team_id
    clock = ""
    if assignment.status != AssignmentStatus.ACCEPTED:
        assignment.status = AssignmentStatus.PENDING
        assignment.assigned_at = now
        assignment.sla_due_at, clock = _sla_clock(
            user_id=to_rep.pk, minutes=_minutes_for(assignment), now=now
        )
    assignment.save()
    contact_holder_record(contact_id=assignment.contact_id, user_id=to_rep.pk, at=now)
    RepProfile.objects.filter(pk=profile.pk).update(last_assigned_at=now)
    entry = RoutingDecision.objects.create(
        assignment=assignment,
        occurred_at=now,
        kind=DecisionKind.REASSIGNED,
        rule_id=assignment.rule_id,
        rep=to_rep,
        actor=by,
        sentence=(
            f"Reassigned by {display_name(by)} from {previous} to "
            f"{display_name(to_rep)}{over}: {reason}{clock}"
        ),
    )
    _notify(assignment, kind=NotificationKind.REASSIGNED, recipient_id=to_rep.pk)
    _webhooks_emit(
        event=WebhookEvent.LEAD_ASSIGNED, payload=lambda: _assigned_payload(assignment, entry)
    )
    return assignment


def reassign_warnings(
    *, assignment: Assignment, profile: RepProfile, load: int, now: datetime
) -> list[str]:
    """
    Why handing this lead to this rep deserves a second look, as sentences (empty: none). The
    same checks routing makes (engine.unavailable_reason) so the queue, the API and automatic
    routing agree on who is away or full.
    """
    name = display_name(profile.user)
    state = selectors.rep_state(profile, load=load)
    warnings = []
    today = timezone.localdate(now)
    if not state.is_active:
        warnings.append(f"{name} is inactive and receives no new leads.")
    if profile.out_of_office_until is not None and profile.out_of_office_until >= today:
        warnings.append(
            f"{name} is out of office until {engine.short_date(profile.out_of_office_until)}."
        )
    if load >= profile.capacity:
        warnings.append(f"At capacity: {name} already holds {load}/{profile.capacity} leads.")
    days = profile.team.reject_cool_off_days
    if days:
        rejected = selectors.recent_rejections(
            contact_id=assignment.contact_id, since=now - timedelta(days=days)
        ).get(profile.user_id)
        if rejected is not None:
            warnings.append(
                f"{name} rejected this lead on {engine.short_date(timezone.localdate(rejected))} "
                f"(cool-off {days} days)."
            )
    return warnings


@transaction.atomic
def rep_leads_release(*, user: AbstractBaseUser, now: datetime | None = None) -> int:
    """
    A user is being deleted: the leads they hold (awaiting acceptance or accepted) go back to
    the Unassigned queue in front of their team's manager, logged, instead of the deletion
    failing on "a held lead has a rep". Teams they manage lose their manager first, as the
    deletion would, so nothing is addressed to the departing user. Returns how many moved.
    """
    now = now or timezone.now()
    Team.objects.filter(manager=user).update(manager=None)
    name = display_name(user)
    held = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("contact__company", "team__manager")
        .filter(rep=user, status__in=HELD_STATUSES)
        .order_by("pk")
    )
    moved = 0
    for assignment in held:
        was = assignment.get_status_display().lower()
        manager = assignment.team.manager if assignment.team_id else None
        assignment.status = AssignmentStatus.UNASSIGNED
        assignment.rep = None
        assignment.sla_due_at = None
        assignment.save()
        target = (
            f"back to the Unassigned queue for {display_name(manager)} "
            f"(manager of {assignment.team.name})"
            if manager is not None
            else "back to the Unassigned queue"
        )
        RoutingDecision.objects.create(
            assignment=assignment,
            occurred_at=now,
            kind=DecisionKind.UNASSIGNED,
            rule_id=assignment.rule_id,
            sentence=f"{name}'s user account was deleted while the lead was {was}; {target}",
        )
        if manager is not None:
            contact_holder_record(contact_id=assignment.contact_id, user_id=manager.pk, at=now)
            _notify(assignment, kind=NotificationKind.UNASSIGNED, recipient_id=manager.pk)
        moved += 1
    return moved
