"""
The dry run: which rule and rep a contact would get now, and the matched team rep by rep,
without assigning anything.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from contacts.models import Contact
from leadscore.ids import row_id
from routing import engine, selectors, services
from routing.models import RepProfile


@permission_required("routing.view_routingrule", raise_exception=True)
def dry_run(request: HttpRequest) -> HttpResponse:
    """Which rule and rep a contact would get now, without assigning anything."""
    # NUL is dropped from the search: PostgreSQL text cannot hold it.
    term = request.GET.get("contact", "").replace("\x00", "").strip()
    contact = None
    matches: list[Contact] = []
    if term:
        contacts = Contact.objects.select_related("company")
        if term.isdigit():
            contact = contacts.filter(pk=row_id(term) or 0).first()
        else:
            found = list(
                contacts.filter(
                    Q(email__iexact=term)
                    | Q(email__icontains=term)
                    | Q(last_name__icontains=term)
                    | Q(first_name__icontains=term)
                ).order_by("last_name", "first_name")[:10]
            )
            exact = [c for c in found if c.email.lower() == term.lower()]
            contact = exact[0] if exact else (found[0] if len(found) == 1 else None)
            matches = [] if contact else found
    context: dict = {"term": term, "contact": contact, "matches": matches}
    if contact is not None:
        now = timezone.now()
        decision = services.lead_route_dry_run(contact=contact, now=now)
        rule = decision.rule
        context.update(
            decision=decision,
            how=(
                f"Account match: {decision.account.name} {decision.account.relation}"
                if decision.account
                else engine.STRATEGY_WORDS.get(decision.strategy, "").capitalize()
            ),
            sla_words=(
                f"{engine.duration_words(rule.sla_minutes)} to accept "
                f"({engine.duration_words(rule.sla_for(hand_raise=True))} for a hand-raise)"
                if rule
                else ""
            ),
            current=selectors.current_assignment(contact=contact),
            candidates=_candidates(decision, contact, now=now),
        )
    return render(request, "routing/dry_run.html", context)


def _candidates(decision: engine.Decision, contact: Contact, *, now: datetime) -> list[dict]:
    """The matched rule's team, rep by rep: would they be eligible now, and why not."""
    if decision.rule is None:
        return []
    profiles = list(
        RepProfile.objects.filter(team_id=decision.rule.team_id)
        .select_related("user")
        .order_by("pk")
    )
    loads = selectors.rep_loads(p.user_id for p in profiles)
    lead = selectors.lead_of(contact)
    today = timezone.localdate(now)
    # Who rejected this lead within the cool-off: the verdict passes them over, so must the table.
    barred = selectors.lead_cool_off(contact=contact, rule=decision.rule, now=now)
    rows = []
    for profile in profiles:
        state = selectors.rep_state(profile, load=loads.get(profile.user_id, 0))
        reason = engine.unavailable_reason(state, today, barred)
        if reason is None and not state.covers(lead):
            reason = "outside territory"
        rows.append(
            {
                "profile": profile,
                "state": state,
                "reason": reason,
                "chosen": decision.rep is not None and decision.rep.user_id == state.user_id,
            }
        )
    return rows
