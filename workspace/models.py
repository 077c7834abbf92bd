"""Saved views of the contact list, per user."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A user's named contact-list query (filters and sort), reopened from the list page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    # The list's query string without the page number, e.g. "grade=A&band=1&sort=-fit".
    query = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Saving under an existing name replaces that view (the list shows names only).
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_user_name_uniq"),
        ]

    def __str__(self) -> str:
        return self.name
