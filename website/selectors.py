"""Reads for website tracking: sites and forms by public key, visitors for marketing."""

from __future__ import annotations

from django.db.models import QuerySet

from website.models import Form, PageView, Site, Visitor


def site_by_key(key: str) -> Site | None:
    """The active site with this public key, or None (also for a malformed key)."""
    if not isinstance(key, str) or not 3 < len(key) <= 40:
        return None
    return Site.objects.filter(public_key=key, is_active=True).first()


def form_by_key(key: str) -> Form | None:
    """The active form (of an active site) with this public key, or None."""
    if not isinstance(key, str) or not 3 < len(key) <= 40:
        return None
    return (
        Form.objects.select_related("site")
        .filter(public_key=key, is_active=True, site__is_active=True)
        .first()
    )


def visitor_list(*, status: str = "anonymous", site_id: int | None = None) -> QuerySet[Visitor]:
    """Visitors most recently seen first: "anonymous", "identified" or "all"."""
    visitors = Visitor.objects.select_related("site", "contact")
    if status == "anonymous":
        visitors = visitors.filter(contact__isnull=True)
    elif status == "identified":
        visitors = visitors.filter(contact__isnull=False)
    if site_id is not None:
        visitors = visitors.filter(site_id=site_id)
    return visitors.order_by("-last_seen_at", "-pk")


def visitor_page_views(*, visitor: Visitor) -> QuerySet[PageView]:
    return PageView.objects.filter(visitor=visitor).order_by("-occurred_at", "-pk")
