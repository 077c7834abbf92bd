"""
The demo's sales team (`manage.py seed_demo`): reps with capacities and territories, a manager,
and routing rules that exercise every strategy, so the queue is alive right after seeding.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from leadscore.roles import Role, user_set_role
from routing.models import RepProfile, RoutingRule, Strategy, Team

TEAM_NAME = "Inside Sales"
EMEA = "United Kingdom, Germany, France, Netherlands, Spain, Sweden, Ireland"
AMERICAS = "United States, Canada, Brazil"

# username: (capacity, weight, territory countries)
_REPS = {
    "rep1": (40, 2, AMERICAS),
    "rep2": (35, 1, EMEA),
    "rep3": (30, 1, ""),
}
# A rep on holiday, so the demo's decision logs show skipping ("out of office until ...").
_AWAY = ("ana", "Ana", "Novak")


@transaction.atomic
def demo_routing_ensure() -> Team:
    """Create (or bring back) the demo team, reps and rules. Safe to run again."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[*_REPS, "manager"])}
    team, _ = Team.objects.get_or_create(
        name=TEAM_NAME, defaults={"manager": users.get("manager"), "escalate_after_reroutes": 2}
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
    away, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@leadscore.example"},
    )
    if created:
        away.set_unusable_password()
        away.save(update_fields=["password"])
        user_set_role(user=away, role=Role.SALES_REP)
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
