"""
Deciding where a lead goes. Every routing decision goes through _decide(): it loads the rules,
the lead and the reps (taking row locks when it is going to write), and hands them to the pure
engine. The dry run calls the same function without locks and writes nothing; _take stores what
a decision consumed (the rule's cursor, the rep's last-assigned time).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from contacts.models import Contact
from routing import engine, selectors
from routing.models import RepProfile, RoutingRule
from scoring.models import Qualification


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
    barred = selectors.lead_cool_off(contact=contact, rule=rule, now=now)
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


def _take(decision: engine.Decision, *, now: datetime) -> None:
    """Store what the decision consumed: the rule's cursor and the rep's last-assigned time."""
    if decision.rule is not None and decision.rotation_position is not None:
        RoutingRule.objects.filter(pk=decision.rule.id).update(
            rotation_position=decision.rotation_position
        )
    if decision.rep is not None:
        RepProfile.objects.filter(user_id=decision.rep.user_id).update(last_assigned_at=now)
