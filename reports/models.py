"""
Reports read across contacts, scoring and routing and store nothing of their own.

FunnelReport has no table: it only carries the permission to see the funnel dashboard, so
roles can be given it like any other permission (see migrations/0002_roles.py).
"""

from django.db import models


class FunnelReport(models.Model):
    """The funnel dashboard (no table: a holder for its permission)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_funnel", "Can view the funnel dashboard")]

    def __str__(self) -> str:
        return "Funnel dashboard"
