"""
When a recycled lead may qualify again.

A rep rejected the lead and it went back to marketing (stage Recycled). The score that made it
an MQL is mostly still there, so one more email open would re-qualify it at once and hand it
straight back to sales. It qualifies again only on something new since it was recycled: a new
hand-raise, or at least settings.SCORING_RECYCLED_REQUALIFY_POINTS interest points earned by
activities after the recycle. Pure given its inputs: the engine scores the new activities alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.db.models import Max

from scoring import engine
from scoring.models import Qualification


def requalify_points() -> float:
    return float(getattr(settings, "SCORING_RECYCLED_REQUALIFY_POINTS", 20))


def recycled_since(contact_ids: Iterable[int]) -> dict[int, datetime]:
    """When each of these (recycled) contacts' last qualification was closed: one query."""
    ids = list(contact_ids)
    if not ids:
        return {}
    rows = (
        Qualification.objects.filter(contact_id__in=ids, closed_at__isnull=False)
        .values("contact_id")
        .annotate(at=Max("closed_at"))
    )
    return {row["contact_id"]: row["at"] for row in rows}


def recycled_lead_requalifies(
    *,
    spec: engine.ModelSpec,
    profile: engine.Profile,
    events: Sequence[engine.Event],
    recycled_at: datetime,
    now: datetime,
) -> bool:
    """A new hand-raise, or enough new interest points, since the lead was recycled."""
    fresh = engine.evaluate(spec, profile, [e for e in events if e.occurred_at > recycled_at], now)
    return bool(fresh.hand_raise_rule) or fresh.interest >= requalify_points()
