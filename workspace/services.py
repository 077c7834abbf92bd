"""
Writes of the sales workspace: saved views, and bulk actions on a multi-select of the contact
list. Bulk actions call the owning apps' services (routing for assignments, contacts for the
stage) one contact at a time, so each contact succeeds or fails on its own and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from contacts.models import Contact, LifecycleStage
from contacts.services import contact_set_stage
from routing import selectors as routing_selectors
from routing import services as routing_services
from routing.models import HELD_STATUSES, AssignmentStatus
from workspace.models import SavedView


class BulkAction:
    ASSIGN = "assign"
    REASSIGN = "reassign"
    STAGE = "stage"
    CHOICES = [
        (ASSIGN, "Assign unassigned leads to a rep"),
        (REASSIGN, "Reassign held leads to another rep"),
        (STAGE, "Change stage"),
    ]


@dataclass
class BulkResult:
    """What a bulk action did: contacts changed, and each skipped contact with why."""

    done: list[Contact] = field(default_factory=list)
    skipped: list[tuple[Contact, str]] = field(default_factory=list)


@transaction.atomic
def saved_view_save(*, user: AbstractBaseUser, name: str, query: str) -> SavedView:
    """Save the list's current query under a name; the same name replaces the older view."""
    name = " ".join(name.split())[:80]
    if not name:
        raise ValueError("Give the view a name.")
    view, _ = SavedView.objects.update_or_create(user=user, name=name, defaults={"query": query})
    return view


@transaction.atomic
def saved_view_delete(*, user: AbstractBaseUser, view_id: int) -> bool:
    """Delete one of the user's own saved views; another user's view is never touched."""
    deleted, _ = SavedView.objects.filter(user=user, pk=view_id).delete()
    return bool(deleted)


def _assignment_for(contact: Contact, *, user: AbstractBaseUser, action: str):
    """The contact's open assignment the manager may act on, or the reason there is none."""
    assignment = (
        routing_selectors.assignments_visible_to(user)
        .filter(contact=contact, status__in=(*HELD_STATUSES, AssignmentStatus.UNASSIGNED))
        .select_related("contact__company", "rule", "rep")
        .order_by("-created_at")
        .first()
    )
    if assignment is None:
        return None, "not a routed lead of your teams (no open assignment)"
    if action == BulkAction.ASSIGN and assignment.status != AssignmentStatus.UNASSIGNED:
        return None, f"already held ({assignment.get_status_display().lower()}); use reassign"
    if action == BulkAction.REASSIGN and assignment.status == AssignmentStatus.UNASSIGNED:
        return None, "unassigned; use assign"
    return assignment, ""


def contacts_bulk_act(
    *,
    user: AbstractBaseUser,
    contacts: list[Contact],
    action: str,
    to_rep: AbstractBaseUser | None = None,
    stage: str = "",
    reason: str = "",
) -> BulkResult:
    """
    Apply one action to each chosen contact, each in its own transaction (a failure on one
    contact leaves the others done): assign or reassign the lead to a rep of the manager's
    teams (routing.services.assignment_reassign, which logs and notifies), or move the
    contact to a lifecycle stage (contacts.services.contact_set_stage).
    """
    result = BulkResult()
    if action == BulkAction.STAGE:
        stage = LifecycleStage(stage)
        for contact in contacts:
            with transaction.atomic():
                contact_set_stage(contact=contact, stage=stage)
            result.done.append(contact)
        return result
    if action not in (BulkAction.ASSIGN, BulkAction.REASSIGN):
        raise ValueError(f"Unknown bulk action {action!r}")
    if to_rep is None:
        raise ValueError("Choose a rep.")
    for contact in contacts:
        assignment, why = _assignment_for(contact, user=user, action=action)
        if assignment is None:
            result.skipped.append((contact, why))
            continue
        try:
            routing_services.assignment_reassign(
                assignment=assignment, to_rep=to_rep, by=user, reason=reason
            )
        except routing_services.RoutingError as exc:
            result.skipped.append((contact, str(exc)))
        else:
            result.done.append(contact)
    return result
