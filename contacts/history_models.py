"""
What happened to contacts beyond their own fields: merges (which contacts went into which and
what moved), the users who held a lead, and erasures (what was removed, without personal data).
Imported into contacts.models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FollowsItsSubject:
    """
    A model computed or logged about a contact or a company (scores, their timelines,
    predictions, merge audits): deleting the subject in the admin deletes its rows without
    asking for their own delete permission (contacts.admin.SubjectDeleteMixin).
    """


class ContactMerge(FollowsItsSubject, models.Model):
    """
    The audit of a merge: which contacts were merged into which, by whom, and how many rows of
    each kind moved (contacts.merging.contacts_merge).
    """

    # About its target, and holds the merged people's emails: erased with the contact.
    target = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="merges")
    merged_ids = models.JSONField(default=list)
    merged_emails = models.JSONField(default=list)
    # {"contacts.Activity": 12, "routing.Assignment": 1, ...}
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{len(self.merged_ids)} merged into contact {self.target_id}"


class ContactHolder(models.Model):
    """
    A user a lead was assigned to, now or before. Routing writes one row whenever it gives a
    lead to someone (contacts.services.contact_holder_record); contacts cannot import routing,
    so this is how the visibility rule (contacts.selectors.contacts_visible_to) knows which
    leads a rep holds or held, without reading routing's tables.
    """

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="holders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="held_contacts"
    )
    first_held_at = models.DateTimeField()

    class Meta:
        constraints = [
            # contacts_visible_to(): EXISTS (holder for this contact and this user).
            models.UniqueConstraint(fields=["contact", "user"], name="contact_holder_unique"),
        ]
        indexes = [
            # A rep's contact list: every contact this user holds or held.
            models.Index(fields=["user", "contact"], name="contact_holder_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} held by {self.user_id}"


class ErasureVia(models.TextChoices):
    API = "api", "API"
    COMMAND = "command", "manage.py forget_contact"
    ADMIN = "admin", "Admin"


class ContactErasure(models.Model):
    """
    The audit line of one erased contact: when, by whom and how, and how many records of each
    kind were removed or redacted. It keeps no personal data: the contact's id is a number that
    no longer points to anything.
    """

    contact_id = models.BigIntegerField()
    erased_at = models.DateTimeField()
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=10, choices=ErasureVia.choices)
    # {"activities": 12, "webhook deliveries": 2, "import file rows": 1, ...}
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Contact {self.contact_id} erased at {self.erased_at:%Y-%m-%d %H:%M}"
