"""
The acceptance SLA of an assignment: its length from the rule (shorter for a hand-raise), its
deadline on the rep's business-hours clock (routing.sla), and the words the log adds about it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from routing import engine, selectors, sla
from routing.models import Assignment, RepProfile


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
