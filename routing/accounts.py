"""
Routing a marketing-qualified account (MQA): once per qualification, to the company's account
owner, else by the routing rules applied to the account's most engaged contact (the rep chosen
becomes the account owner). Called from scoring's outbox delivery, inside its transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contacts.models import Company, Contact
from routing.models import AccountAssignment
from routing.selectors import display_name
from routing.services.deciding import _decide, _take
from scoring.models import AccountQualification, AccountScore, QualificationStatus


def _top_contact(company: Company) -> Contact | None:
    """The contact that weighs most in the account's engagement (routing rules read it)."""
    score = AccountScore.objects.filter(company=company).first()
    contributions = score.breakdown.get("contacts", []) if score else []
    ids = [c["contact_id"] for c in contributions if c.get("contact_id")]
    contacts = Contact.objects.select_related("company__account_owner").filter(company=company)
    by_id = {c.pk: c for c in contacts.filter(pk__in=ids[:20])}
    for contact_id in ids:
        if contact_id in by_id:
            return by_id[contact_id]
    return contacts.order_by("pk").first()


@transaction.atomic
def account_route(
    *, qualification_id: int, now: datetime | None = None
) -> AccountAssignment | None:
    """
    Route a released MQA once. Returns its assignment (None when the qualification is gone,
    closed or not released).
    """
    now = now or timezone.now()
    qualification = (
        AccountQualification.objects.select_for_update(of=("self",))
        .select_related("company__account_owner")
        .filter(pk=qualification_id)
        .first()
    )
    if (
        qualification is None
        or qualification.closed_at is not None
        or qualification.status != QualificationStatus.RELEASED
    ):
        return None
    existing = AccountAssignment.objects.filter(qualification=qualification).first()
    if existing is not None:
        return existing
    company = Company.objects.select_for_update().get(pk=qualification.company_id)
    assignment = AccountAssignment(qualification=qualification, company=company, assigned_at=now)
    if company.account_owner_id:
        owner = company.account_owner
        assignment.rep = owner
        assignment.strategy = "account_owner"
        assignment.sentence = (
            f"Marketing-qualified account; routed to its owner {display_name(owner)}"
        )
    else:
        top = _top_contact(company)
        decision = _decide(contact=top, hand_raise=False, now=now, lock=True) if top else None
        if decision is not None and decision.rep is not None:
            _take(decision, now=now)
            assignment.rep_id = decision.rep.user_id
            assignment.rule_id = decision.rule.id if decision.rule else None
            assignment.strategy = decision.strategy or ""
            company.account_owner_id = decision.rep.user_id
            company.save(update_fields=["account_owner", "updated_at"])
            assignment.sentence = (
                f"Marketing-qualified account with no owner; routing rules for {top}: "
                f"{decision.sentence}; now the account owner"
            )
        else:
            why = decision.sentence if decision is not None else "it has no contacts"
            assignment.sentence = f"Marketing-qualified account left unassigned: {why}"
    assignment.save()
    return assignment
