"""
The demo's sales teams (`manage.py seed_demo`): two teams in two time zones, reps with
capacities and territories, a manager, and routing rules that exercise every strategy; then,
once the demo's MQLs are routed, a few scenes so every routing feature shows: overdue leads,
escalated and unassigned ones, and a rejected lead that went to another rep (cool-off).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from leadscore.roles import Role, user_set_role
from routing import services
from routing.models import (
    Assignment,
    AssignmentStatus,
    RejectReason,
    RepProfile,
    RoutingRule,
    Strategy,
    Team,
)
from scoring.models import Qualification, QualificationStatus

TEAM_NAME = "Inside Sales"
ENTERPRISE_TEAM = "Enterprise"
EMEA = "United Kingdom, Germany, France, Netherlands, Spain, Sweden, Ireland"
AMERICAS = "United States, Canada, Brazil"

# username: (capacity, weight, territory countries)
_REPS = {
    "rep1": (40, 2, AMERICAS),
    "rep2": (35, 1, EMEA),
    "rep3": (30, 1, ""),
}
# The Enterprise team (New York): Eve and Raj, reps without a login (they only receive leads).
_ENTERPRISE_REPS = {"eve": 30, "raj": 25}
# A rep on holiday, so the demo's decision logs show skipping ("out of office until ...").
_AWAY = ("ana", "Ana", "Novak")


@transaction.atomic
def demo_routing_ensure() -> Team:
    """Create (or bring back) the demo team, reps and rules. Safe to run again."""
    User = get_user_model()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[*_REPS, *_ENTERPRISE_REPS, "manager"])
    }
    team, _ = Team.objects.get_or_create(
        name=TEAM_NAME,
        defaults={
            "manager": users.get("manager"),
            "escalate_after_reroutes": 2,
            "time_zone": "Europe/London",
        },
    )
    enterprise, _ = Team.objects.get_or_create(
        name=ENTERPRISE_TEAM,
        defaults={
            "manager": users.get("manager"),
            "escalate_after_reroutes": 1,
            "time_zone": "America/New_York",
            "workday_start": time(9, 0),
            "workday_end": time(17, 30),
        },
    )
    for username, capacity in _ENTERPRISE_REPS.items():
        user = users.get(username) or _receiving_only_user(username)
        RepProfile.objects.update_or_create(
            user=user,
            defaults={"team": enterprise, "capacity": capacity, "notify_by_email": False},
        )
    for username, (capacity, weight, countries) in _REPS.items():
        user = users.get(username)
        if user is None:
            continue
        RepProfile.objects.update_or_create(
            user=user,
            defaults={
                "team": team,
                "capacity": capacity,
                "weight": weight,
                "countries": countries,
                # No inbox behind the demo addresses, and the console backend would print one
                # email per routed lead while seeding.
                "notify_by_email": False,
            },
        )
    username, first, last = _AWAY
    away = _receiving_only_user(username, first, last)
    RepProfile.objects.update_or_create(
        user=away,
        defaults={
            "team": team,
            "capacity": 30,
            "out_of_office_until": timezone.localdate() + timedelta(days=6),
            "notify_by_email": False,
        },
    )

    rules = [
        {
            "name": "Partner referrals",
            "position": 10,
            "lead_sources": "partner",
            "strategy": Strategy.NAMED_REP,
            "named_rep": users.get("rep1"),
        },
        {
            "name": "Enterprise (1,000+)",
            "position": 20,
            "min_employees": 1000,
            "strategy": Strategy.LEAST_LOADED,
            "team": enterprise,
        },
        {"name": "EMEA", "position": 30, "countries": EMEA, "strategy": Strategy.ROUND_ROBIN},
        {
            "name": "Americas",
            "position": 40,
            "countries": AMERICAS,
            "strategy": Strategy.WEIGHTED_ROUND_ROBIN,
        },
    ]
    for rule in rules:
        if rule["strategy"] == Strategy.NAMED_REP and rule["named_rep"] is None:
            continue
        RoutingRule.objects.get_or_create(name=rule.pop("name"), defaults={"team": team, **rule})
    if not RoutingRule.objects.filter(is_fallback=True, is_active=True).exists():
        RoutingRule.objects.create(
            name="Everyone else", is_fallback=True, team=team, strategy=Strategy.ROUND_ROBIN
        )
    return team


def _receiving_only_user(username: str, first: str = "", last: str = "Demo"):
    """A demo rep without a login (leads are routed to them; nobody signs in as them)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first or username.title(),
            "last_name": last,
            "email": f"{username}@leadscore.example",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user_set_role(user=user, role=Role.SALES_REP)
    return user


def _pending(team_name: str | None = None):
    pending = Assignment.objects.filter(status=AssignmentStatus.PENDING).select_related(
        "team", "rep"
    )
    if team_name:
        pending = pending.filter(team__name=team_name)
    return pending.order_by("pk")


def demo_routing_scenes(*, now: datetime | None = None) -> dict[str, int]:
    """
    After the demo's MQLs were routed: make every routing feature visible. Escalated leads
    (their SLA ran out after the team's re-routes), overdue ones, and a lead rep1 rejected
    that came back on a new hand-raise and went to another rep (the cool-off is in its log).
    Returns how many leads each scene used.
    """
    now = now or timezone.now()
    scenes = {"escalated": 0, "overdue": 0, "rejected_rerouted": 0}
    with transaction.atomic():
        # Escalated: nobody accepted in time, through the real SLA check each time (re-routed
        # to the next rep, then up to the manager), so the log has every step it counts.
        for assignment in list(_pending(ENTERPRISE_TEAM)[:2] or _pending()[:2]):
            limit = assignment.team.escalate_after_reroutes if assignment.team else 0
            for _ in range(limit + 1):
                late = Assignment.objects.filter(pk=assignment.pk, status=AssignmentStatus.PENDING)
                if not late.update(sla_due_at=now - timedelta(hours=2)):
                    break  # escalated already: nobody else could take it
                services.assignments_check_sla(now=now)
            scenes["escalated"] += 1
        # Overdue: waiting past their SLA (beat's SLA check re-routes them within a minute).
        for assignment in _pending(TEAM_NAME)[:6]:
            Assignment.objects.filter(pk=assignment.pk).update(
                assigned_at=now - timedelta(hours=7), sla_due_at=now - timedelta(minutes=45)
            )
            scenes["overdue"] += 1
    # Rejected by rep1, back on a new demo request: routed to someone else (cool-off).
    # Not a lead a named-rep rule gives to rep1 alone (partner referrals): with rep1 cooling
    # off, nobody else could take it.
    assignment = (
        _pending().filter(rep__username="rep1").exclude(rule__strategy=Strategy.NAMED_REP).last()
    )
    if assignment is not None:
        services.assignment_reject(
            assignment=assignment,
            user=assignment.rep,
            reason=RejectReason.NOT_DECISION_MAKER,
            note="Intern; asked to be called back by their manager",
            now=now - timedelta(days=2),
        )
        contact = assignment.contact
        qualification = Qualification.objects.create(
            contact=contact,
            scoring_model=assignment.qualification.scoring_model,
            status=QualificationStatus.RELEASED,
            qualified_at=now - timedelta(hours=1),
            released_at=now - timedelta(hours=1),
            reason="Hand-raise: Requested a demo",
            hand_raise=True,
            fit=assignment.qualification.fit,
            interest=assignment.qualification.interest,
        )
        services.lead_route(qualification_id=qualification.pk, now=now - timedelta(hours=1))
        scenes["rejected_rerouted"] = 1
    return scenes
