"""API keys: how integrations (a form tool, a website tracker, a nightly sync) call the REST API."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# Shown in front of every key so a leaked one is recognisable (secret scanners, logs).
KEY_PREFIX = "lsk_"


class Scope(models.TextChoices):
    READ = "read", "Read contacts, companies, activities and scores"
    WRITE = "write", "Create and update single records, send activities"
    IMPORT = "import", "Bulk endpoints (up to 10,000 rows a request)"
    RULES = "rules", "Read and change scoring rules"


def key_hash(raw_key: str) -> str:
    """The stored form of a key: its SHA-256, hex. Keys are 256-bit random, so no salt is needed."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def key_generate() -> tuple[str, str]:
    """A new raw key and its short identifying prefix ('lsk_3f9a1c2e')."""
    ident = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{ident}_{secrets.token_urlsafe(32)}"
    return raw, f"{KEY_PREFIX}{ident}"


class ApiKey(models.Model):
    """
    A key one integration uses to call the API, acting as its owner: the key's scopes and the
    owner's role both limit what it may do. Only a hash is stored; the key is shown once.
    """

    name = models.CharField(max_length=100, help_text="The integration: 'Website tracker'.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="The key acts as this user; the user's role also limits what it may do.",
    )
    prefix = models.CharField(max_length=20, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, blank=True)
    throttle_rate = models.CharField(
        max_length=20,
        blank=True,
        help_text="Requests allowed, e.g. '600/min' or '20000/hour'. Empty: the default rate.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(prefix__startswith=KEY_PREFIX), name="apikey_prefix_marked"
            ),
        ]
        # hashed_key's unique index serves the lookup of every authenticated request.

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: Scope | str) -> bool:
        return str(scope) in (self.scopes or [])

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
