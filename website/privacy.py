"""What website tracking holds on one contact, for contacts.privacy (export and forget)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contacts.models import Contact
from contacts.privacy import PersonalDataHandler, personal_data_handler_register
from website.models import PageView, Visitor


def _page_views(contact: Contact):
    # Their browsers' page views, and those attached to them from a browser that later
    # identified as someone else (a shared computer).
    return PageView.objects.filter(Q(visitor__contact=contact) | Q(activity__contact=contact))


def _export(contact: Contact) -> dict[str, Any]:
    visitors = Visitor.objects.filter(contact=contact).select_related("site").order_by("pk")
    return {
        "visitors": [
            {
                "id": v.pk,
                "site": v.site.name,
                "visitor_id": v.visitor_id,
                "first_seen_at": v.first_seen_at,
                "last_seen_at": v.last_seen_at,
                "identified_at": v.identified_at,
                "first_referrer": v.first_referrer,
                "first_utm": v.first_utm,
                "user_agent": v.user_agent,
            }
            for v in visitors
        ],
        "page_views": [
            {
                "visitor_id": pv.visitor_id,
                "occurred_at": pv.occurred_at,
                "url": pv.url,
                "title": pv.title,
                "referrer": pv.referrer,
            }
            for pv in _page_views(contact).order_by("occurred_at", "pk")
        ],
    }


def _erase(contact: Contact) -> dict[str, int]:
    """
    A visitor only points at its contact (SET_NULL), so deleting the contact alone would leave
    the person's browsing (cookie id, browser, every page) behind as an anonymous visitor.
    """
    page_views, _ = _page_views(contact).delete()
    visitors, _ = Visitor.objects.filter(contact=contact).delete()
    return {"website page views": page_views, "website visitors": visitors}


def register() -> None:
    personal_data_handler_register(PersonalDataHandler("website", export=_export, erase=_erase))
