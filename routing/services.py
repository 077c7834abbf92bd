"""
Writes for routing: routing a qualified lead, re-routing it when its SLA runs out, the rep's and
manager's actions on it, notifications, and outbound webhooks.

Every routing decision goes through _decide(): it loads the rules, the lead and the reps (taking
row locks when it is going to write), and hands them to the pure engine. The dry run calls the
same function without locks and writes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, LifecycleStage, OutcomeResult
from contacts.services import contact_holder_record, contact_set_stage, outcome_record
from leadscore.on_commit import enqueue_safely
from routing import engine, selectors, sla, slack
from routing.models import (
    ACTIVE_STATUSES,
    HELD_STATUSES,
    Assignment,
    AssignmentStatus,
    DecisionKind,
    DeliveryStatus,
    DisqualifyReason,
    Notification,
    NotificationKind,
    RejectReason,
    RepProfile,
    RoutingDecision,
    RoutingRule,
    SlackMessage,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from routing.selectors import display_name
from routing.webhook_http import webhook_post
from scoring.models import Qualification, QualificationStatus
from scoring.services import qualification_close

logger = logging.getLogger(__name__)

# SLA checks handle at most this many expired leads per run; the next run takes the rest.
SLA_BATCH = 500
# Webhooks: attempts in all, and the first retry's delay (doubling each time: 30 s, 1, 2, 4 min).
WEBHOOK_MAX_ATTEMPTS = 5
WEBHOOK_RETRY_BASE_SECONDS = 30
# A receiver refuses a signature whose timestamp is further than this from its clock.
WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "X-Leadscore-Signature"


class RoutingError(Exception):
    """An action that cannot be done in the lead's current state; the message is for the user."""


class ReassignWarning(RoutingError):
    """
    The chosen rep is away, inactive, at capacity or rejected this lead recently: the manager
    must confirm (force=True; the API's `force` flag, the form's checkbox). `warnings` lists
    each problem as a sentence.
    """

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__(" ".join(warnings) + " Confirm to reassign anyway.")


# --- Deciding ----------------------------------------------------------------------------------


def _decide(
    *,
    contact: Contact,
    hand_raise: bool,
    now: datetime,
    lock: bool,
    exclude=frozenset(),
    line_id: int | None = None,
) -> engine.Decision:
    """
    Load the engine's inputs and decide. With `lock`, the matching rule's row (its round-robin
    cursor) and the candidate reps' profile rows are locked until the transaction ends, always in
    that order (rule, then profiles by id), so concurrent routings take successive slots and
    never overfill a rep.
    """
    rules = [selectors.rule_spec(rule) for rule in selectors.active_rules()]
    lead = selectors.lead_of(contact, hand_raise=hand_raise, line_id=line_id)
    rule = engine.first_matching_rule(rules, lead)
    if rule is None:
        return engine.decide(lead=lead, rules=[], reps=[], today=timezone.localdate(now))
    # Reps barred from this lead: who rejected it within the team's cool-off, and (SLA
    # re-routing) who already had it; the latter reason wins when both apply.
    barred = _cool_off(contact_id=contact.pk, rule=rule, now=now)
    barred.update(dict.fromkeys(exclude, "already had it"))
    holders = selectors.account_holders(contact) if rule.account_match else []

    if lock:
        locked = (
            RoutingRule.objects.select_for_update(of=("self",))
            .select_related("team")
            .get(pk=rule.id)
        )
        rule = selectors.rule_spec(locked)
    candidate_users = {h.user_id for h in holders}
    if rule.named_rep_id:
        candidate_users.add(rule.named_rep_id)
    profiles = RepProfile.objects.filter(
        Q(team_id=rule.team_id) | Q(user_id__in=candidate_users)
    ).select_related("user")
    if lock:
        profiles = profiles.select_for_update(of=("self",))
    # Rotation order: the order reps joined (profile id), the same for every lead.
    profiles = list(profiles.order_by("pk"))
    loads = selectors.rep_loads(p.user_id for p in profiles)
    states = [selectors.rep_state(p, load=loads.get(p.user_id, 0)) for p in profiles]
    by_user = {s.user_id: s for s in states}
    links = [
        engine.AccountLink(h.user_id, h.name, h.relation, h.role, by_user.get(h.user_id))
        for h in holders
    ]
    return engine.decide(
        lead=lead,
        rules=[rule],
        reps=states,
        account_links=links,
        today=timezone.localdate(now),
        exclude=barred,
    )


def _cool_off(*, contact_id: int, rule: engine.RuleSpec, now: datetime) -> dict[int, str]:
    """Reps who rejected this lead within the rule's team's cool-off, each with the reason."""
    days = rule.reject_cool_off_days
    if not days:
        return {}
    window = timedelta(days=days)
    rejections = selectors.recent_rejections(contact_id=contact_id, since=now - window)
    return {
        rep_id: engine.cool_off_reason(timezone.localdate(at), timezone.localdate(at + window))
        for rep_id, at in rejections.items()
    }


def lead_route_dry_run(*, contact: Contact, now: datetime | None = None) -> engine.Decision:
    """Which rule and rep this contact would get now, without assigning or moving any cursor."""
    contact = Contact.objects.select_related("company__account_owner").get(pk=contact.pk)
    qualification = (
        Qualification.objects.filter(contact=contact, closed_at__isnull=True)
        .order_by("-line__is_default", "pk")
        .first()
    )
    return _decide(
        contact=contact,
        line_id=qualification.line_id if qualification else None,
        hand_raise=bool(qualification and qualification.hand_raise),
        now=now or timezone.now(),
        lock=False,
    )


def _sla_words(decision: engine.Decision, *, hand_raise: bool) -> str:
    """'; 4 h to accept', or '; 1 h to accept (hand-raise)' for the log sentence."""
    if decision.rep is None or decision.rule is None:
        return ""
    minutes = decision.rule.sla_for(hand_raise=hand_raise)
    return f"; {engine.duration_words(minutes)} to accept" + (" (hand-raise)" if hand_raise else "")


def _sla_clock(*, user_id: int, minutes: int, now: datetime) -> tuple[datetime, str]:
    """
    The SLA deadline of a lead given to this rep now, on the rep's business-hours clock (the
    one SLA computation: routing.sla), and the words the log adds when off-hours moved it:
    ' (business hours: due Mon 2 Mar 10:00 Europe/London)'.
    """
    profile = RepProfile.objects.select_related("team").filter(user_id=user_id).first()
    calendar = selectors.sla_calendar(profile)
    due = sla.sla_due(start=now, minutes=minutes, calendar=calendar)
    if calendar is None or due == now + timedelta(minutes=minutes):
        return due, ""
    local = due.astimezone(calendar.zone)
    return (
        due,
        f" (business hours: due {local:%a} {local.day} {local:%b %H:%M} {calendar.zone.key})",
    )


def _minutes_for(assignment: Assignment) -> int:
    """The SLA length of the assignment's rule (the hand-raise one for a hand-raise)."""
    rule = assignment.rule
    if rule is None:
        return 240
    if assignment.hand_raise:
        return min(rule.hand_raise_sla_minutes, rule.sla_minutes)
    return rule.sla_minutes


def _take(decision: engine.Decision, *, now: datetime) -> None:
    """Store what the decision consumed: the rule's cursor and the rep's last-assigned time."""
    if decision.rule is not None and decision.rotation_position is not None:
        RoutingRule.objects.filter(pk=decision.rule.id).update(
            rotation_position=decision.rotation_position
        )
    if decision.rep is not None:
        RepProfile.objects.filter(user_id=decision.rep.user_id).update(last_assigned_at=now)


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


# --- SLA ---------------------------------------------------------------------------------------


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
        _escalate(assignment, now=now, why=f"{ran_out} after {assignment.reroute_count} re-routes")
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


# --- Rep and manager actions -------------------------------------------------------------------


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
        raise RoutingError("Say why in a few words when the reason is 'Other'.")
    assignment = _locked(assignment)
    if assignment.status not in HELD_STATUSES:
        raise RoutingError(f"This lead is {assignment.get_status_display().lower()} already.")
    text = _reason_text(reason.label, note)
    assignment.status = AssignmentStatus.REJECTED
    assignment.closed_at = now
    assignment.sla_due_at = None
    assignment.close_reason = text
    assignment.save()
    contact_set_stage(contact=assignment.contact, stage=LifecycleStage.RECYCLED, at=now)
    qualification_close(
        contact=assignment.contact,
        reason=f"Rejected by {display_name(user)}: {text}",
        now=now,
        qualification_id=assignment.qualification_id,
    )
    _log(
        assignment,
        kind=DecisionKind.REJECTED,
        actor=user,
        now=now,
        sentence=f"Rejected by {display_name(user)} ({text}); recycled to marketing",
    )
    return assignment


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
    assignment.status = AssignmentStatus.DISQUALIFIED
    assignment.closed_at = now
    assignment.sla_due_at = None
    assignment.close_reason = text
    assignment.save()
    contact_set_stage(contact=assignment.contact, stage=LifecycleStage.DISQUALIFIED, at=now)
    qualification_close(
        contact=assignment.contact,
        reason=f"Disqualified by {display_name(user)}: {text}",
        now=now,
    )
    _log(
        assignment,
        kind=DecisionKind.DISQUALIFIED,
        actor=user,
        now=now,
        sentence=f"Disqualified by {display_name(user)} ({text})",
    )
    return assignment


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
        raise RoutingError("Say why the deal was lost.")
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
        raise RoutingError("Give a reason for the reassignment; it goes in the lead's log.")
    assignment = _locked(assignment)
    if assignment.status not in ACTIVE_STATUSES:
        raise RoutingError(f"This lead is {assignment.get_status_display().lower()} already.")
    if assignment.rep_id == to_rep.pk:
        raise RoutingError(f"{display_name(to_rep)} already has this lead.")
    profile = (
        RepProfile.objects.select_for_update(of=("self",))
        .select_related("team", "user")
        .filter(user=to_rep)
        .first()
    )
    if profile is None:
        raise RoutingError(f"{display_name(to_rep)} is not set up to receive leads.")
    load = selectors.rep_loads([to_rep.pk]).get(to_rep.pk, 0)
    warnings = reassign_warnings(assignment=assignment, profile=profile, load=load, now=now)
    if warnings and not force:
        raise ReassignWarning(warnings)
    previous = display_name(assignment.rep) if assignment.rep_id else "Unassigned"
    over = f" (over capacity {load + 1}/{profile.capacity})" if load >= profile.capacity else ""
    overridden = [w for w in warnings if not w.startswith("At capacity")]
    if overridden:
        over += " despite: " + " ".join(overridden)
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


# --- Notifications -----------------------------------------------------------------------------


def _notify(assignment: Assignment, *, kind: NotificationKind, recipient_id: int) -> Notification:
    """
    An unread in-app notification, emailed once the transaction commits, and posted to the
    rep's and the team's Slack webhooks when they have one (routing.slack).
    """
    contact = assignment.contact
    company = f" at {contact.company.name}" if contact.company_id else ""
    messages = {
        NotificationKind.ASSIGNED: f"New lead: {contact}{company}",
        NotificationKind.REASSIGNED: f"Lead reassigned to you: {contact}{company}",
        NotificationKind.ESCALATED: f"Escalated: nobody accepted {contact}{company} in time",
        NotificationKind.UNASSIGNED: f"Nobody could take {contact}{company}",
    }
    notification = Notification.objects.create(
        recipient_id=recipient_id,
        kind=kind,
        assignment=assignment,
        message=messages[kind][:255],
        created_at=timezone.now(),
    )
    from routing import tasks

    notification_id = notification.pk
    transaction.on_commit(lambda: enqueue_safely(tasks.send_notification_email, notification_id))
    slack.slack_messages_queue(notification=notification)
    return notification


def notifications_mark_read(*, user: AbstractBaseUser, now: datetime | None = None) -> int:
    """The user has seen their queue: clear the unread badge."""
    return selectors.unread_notifications(user=user).update(read_at=now or timezone.now())


def _absolute(path: str) -> str:
    # Emails need absolute links; LEADSCORE_BASE_URL (e.g. https://leads.example.com) sets the
    # host, otherwise the first allowed host over http is the best guess (development).
    base = getattr(settings, "LEADSCORE_BASE_URL", "")
    if not base:
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
        base = f"http://{hosts[0]}:8000" if hosts else ""
    return base.rstrip("/") + path


@transaction.atomic
def notification_email_send(*, notification_id: int) -> bool:
    """
    Email one notification to its recipient (unless they opted out), once: the row is locked
    and marked, so a re-driven task and a late one do not both send it. Returns whether sent.
    """
    claimed = Notification.objects.select_for_update().filter(
        pk=notification_id, emailed_at__isnull=True
    )
    if not claimed.update(emailed_at=timezone.now()):
        return False  # sent already, or the notification is gone
    notification = (
        Notification.objects.select_related(
            "recipient",
            "assignment__contact__company",
            "assignment__rule",
            "assignment__team",
        )
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not notification.recipient.email:
        return False
    profile = RepProfile.objects.filter(user_id=notification.recipient_id).first()
    if profile is not None and not profile.notify_by_email:
        return False
    assignment = notification.assignment
    last = assignment.decisions.order_by("-occurred_at", "-id").first()
    context = {
        "notification": notification,
        "assignment": assignment,
        "contact": assignment.contact,
        "score": selectors.lead_score(assignment),
        "decision": last,
        "queue_url": _absolute(reverse("routing:queue")),
        "lead_url": _absolute(reverse("routing:assignment", args=[assignment.pk])),
        "sla_words": (
            engine.duration_words(
                max(int((assignment.sla_due_at - timezone.now()).total_seconds() // 60), 1)
            )
            if assignment.sla_due_at
            else ""
        ),
    }
    subject = render_to_string("routing/email/notification_subject.txt", context).strip()
    body = render_to_string("routing/email/notification.txt", context)
    send_mail(
        subject.splitlines()[0][:200],
        body,
        None,
        [notification.recipient.email],
        fail_silently=False,
    )
    return True


# --- Webhooks ----------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _lead_payload(contact: Contact, qualification: Qualification, *, now: datetime) -> dict:
    company = contact.company
    return {
        "contact": {
            "id": contact.pk,
            "email": contact.email,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "job_title": contact.job_title,
            "lead_source": contact.lead_source,
            "lifecycle_stage": contact.lifecycle_stage,
            "company": {
                "name": company.name,
                "domain": company.domain,
                "industry": company.industry,
                "employee_count": company.employee_count,
                "country": company.country,
            }
            if company
            else None,
        },
        "qualification": {
            "id": qualification.pk,
            "qualified_at": _iso(qualification.qualified_at),
            "reason": qualification.reason,
            "hand_raise": qualification.hand_raise,
            "fit": round(qualification.fit, 1),
            "interest": round(qualification.interest, 1),
        },
    }


def _assigned_payload(assignment: Assignment, entry: RoutingDecision) -> dict:
    payload = _lead_payload(assignment.contact, assignment.qualification, now=entry.occurred_at)
    rep = assignment.rep
    payload["assignment"] = {
        "id": assignment.pk,
        "status": assignment.status,
        "rep": {
            "id": rep.pk,
            "username": rep.get_username(),
            "name": rep.get_full_name() or rep.get_username(),
            "email": rep.email,
        }
        if rep
        else None,
        "team": assignment.team.name if assignment.team_id else None,
        "rule": assignment.rule.name if assignment.rule_id else None,
        "strategy": assignment.strategy,
        "assigned_at": _iso(assignment.assigned_at),
        "sla_due_at": _iso(assignment.sla_due_at),
        "decision": entry.sentence,
    }
    return payload


def _webhooks_emit(
    *, event: WebhookEvent, payload: Callable[[], dict[str, Any]]
) -> list[WebhookDelivery]:
    """
    Queue one delivery per active endpoint subscribed to the event, sent after commit. The
    payload is built only when some endpoint wants it.
    """
    # Filtered in Python: endpoints are few, and JSON containment is not portable to SQLite.
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if event in e.events]
    if not endpoints:
        return []
    body = {"event": str(event), "occurred_at": timezone.now().isoformat(), "data": payload()}
    # Round-trip through JSON so the stored payload is exactly what will be sent.
    body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event, payload=body) for endpoint in endpoints
    )
    from routing import tasks

    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [enqueue_safely(tasks.deliver_webhook, pk) for pk in ids])
    return deliveries


def webhook_signature(secret: str, body: bytes, *, timestamp: int) -> str:
    """
    The signature header's value, `t=<unix seconds>,v1=<hex HMAC-SHA256>`, the HMAC taken over
    `<t>.<raw body>`: a receiver that checks t against its clock refuses replayed deliveries.
    """
    signed = str(timestamp).encode() + b"." + body
    return f"t={timestamp},v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_signature_verify(
    *,
    secret: str,
    header: str,
    body: bytes,
    now: float,
    tolerance_seconds: int = WEBHOOK_SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """
    What a receiver does with X-Leadscore-Signature (README, "Webhooks"): true when one v1
    signature matches the body and t is within the tolerance of now, either way.
    """
    parts = [item.partition("=") for item in header.split(",")]
    stamps = [value for key, _, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, _, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = webhook_signature(secret, body, timestamp=timestamp).partition(",v1=")[2]
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def webhook_retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failures: 30, 60, 120, 240..."""
    return WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """
    POST the delivery's JSON to its endpoint once, signed with the endpoint's secret, and record
    the attempt: delivered on a 2xx, otherwise retrying (with the time of the next attempt) until
    the last attempt, then failed. The HTTP call happens outside any transaction.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return delivery
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Leadscore-Webhooks/1",
        "X-Leadscore-Event": delivery.event,
        "X-Leadscore-Delivery": str(delivery.pk),
    }
    now = now or timezone.now()
    # Signed at each attempt, so a retry carries a fresh timestamp.
    headers[SIGNATURE_HEADER] = webhook_signature(
        endpoint.secret, body, timestamp=int(now.timestamp())
    )
    response = webhook_post(endpoint.url, body, headers) if endpoint.is_active else None
    delivery.attempts += 1
    if response is None:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "Endpoint deactivated"
    elif response.status is not None and 200 <= response.status < 300:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        delivery.last_status_code, delivery.last_error = response.status, ""
        delivery.next_attempt_at = None
    else:
        delivery.last_status_code, delivery.last_error = response.status, response.error[:2000]
        if delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + timedelta(
                seconds=webhook_retry_delay(delivery.attempts)
            )
    delivery.save()
    if delivery.status != DeliveryStatus.DELIVERED:
        logger.warning(
            "Webhook %s to %s: attempt %s failed (%s)",
            delivery.event,
            endpoint.url,
            delivery.attempts,
            delivery.last_error,
        )
    return delivery


def deliveries_retry_due(
    *, now: datetime | None = None, grace_seconds: int = 120, lost_after_seconds: int = 300
) -> int:
    """
    Send again every webhook delivery and Slack message whose retry is overdue by more than
    `grace_seconds`: a retry the broker lost, or (embedded default, tasks run eagerly) the only
    retry there is; and send those never attempted, and notification emails never sent,
    `lost_after_seconds` after they were written (their task was lost with the broker; a
    receiver tells a repeat by X-Leadscore-Delivery). Beat runs this every minute. Returns
    how many were queued.
    """
    from routing import tasks

    now = now or timezone.now()
    due, lost = now - timedelta(seconds=grace_seconds), now - timedelta(seconds=lost_after_seconds)
    retrying = Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=due)
    never_tried = Q(status=DeliveryStatus.PENDING, attempts=0, created_at__lte=lost)
    work = [
        (tasks.deliver_webhook, WebhookDelivery.objects.filter(retrying | never_tried)),
        (tasks.send_slack_message, SlackMessage.objects.filter(retrying | never_tried)),
        (
            tasks.send_notification_email,
            Notification.objects.filter(emailed_at__isnull=True, created_at__lte=lost),
        ),
    ]
    queued = 0
    for task, rows in work:
        for pk in rows.order_by("pk").values_list("pk", flat=True)[:SLA_BATCH]:
            queued += enqueue_safely(task, pk)
    return queued


def webhook_delivery_requeue(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed delivery again from the start (admin action)."""
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    from routing import tasks

    pk = delivery.pk
    transaction.on_commit(lambda: enqueue_safely(tasks.deliver_webhook, pk))
    return delivery
