"""
Routing's part of a contact merge (contacts.signals.contacts_merging): a lead has at most one
open qualification per scoring model, so when the merged contacts hold several under one
model, the one furthest along stays open and the others are closed as merged, with their open
assignment. Every qualification and
assignment is kept (contacts.merging moves them all to the kept contact afterwards).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from contacts.signals import contacts_merging
from routing.models import ACTIVE_STATUSES, Assignment, AssignmentStatus
from scoring.models import Qualification

# Which open qualification survives a merge: the lead a rep already works beats one awaiting
# acceptance, which beats one in the Unassigned queue, which beats one not yet routed.
_RANK = {
    AssignmentStatus.ACCEPTED: 0,
    AssignmentStatus.PENDING: 1,
    AssignmentStatus.UNASSIGNED: 2,
}


@receiver(contacts_merging, dispatch_uid="routing_contacts_merging")
def contacts_merging_received(
    sender, target_id: int, duplicate_ids: list[int], **kwargs: Any
) -> None:
    open_ones = list(
        Qualification.objects.select_for_update()
        .filter(contact_id__in=[target_id, *duplicate_ids], closed_at__isnull=True)
        .order_by("qualified_at", "pk")
    )
    by_line: dict[int, list[Qualification]] = {}
    for qualification in open_ones:
        by_line.setdefault(qualification.line_id, []).append(qualification)
    for same_line in by_line.values():
        if len(same_line) > 1:
            _keep_one(same_line, target_id=target_id)


def _keep_one(open_ones: list[Qualification], *, target_id: int) -> None:
    assignments = {
        a.qualification_id: a
        for a in Assignment.objects.select_for_update().filter(
            qualification__in=[q.pk for q in open_ones]
        )
    }

    def rank(q: Qualification) -> tuple[int, int]:
        assignment = assignments.get(q.pk)
        status = assignment.status if assignment else None
        return (_RANK.get(status, 3), 0 if q.contact_id == target_id else 1)

    keep = min(open_ones, key=rank)
    now = timezone.now()
    reason = f"Merged into contact #{target_id}"
    for qualification in open_ones:
        if qualification.pk == keep.pk:
            continue
        qualification.closed_at, qualification.closed_reason = now, reason
        qualification.save(update_fields=["closed_at", "closed_reason"])
        assignment = assignments.get(qualification.pk)
        if assignment is not None and assignment.status in ACTIVE_STATUSES:
            assignment.status = AssignmentStatus.MERGED
            assignment.closed_at, assignment.close_reason = now, reason
            assignment.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
