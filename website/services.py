"""
Writes for website tracking and form capture. Contacts and their activities are written only
through contacts.services (which rescores them); this app keeps visitors and page views.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Activity, ActivityKind, Contact
from contacts.services import ActivityRow, activities_bulk_record, activity_record, contact_upsert
from website.models import Form, PageView, Site, Visitor
from website.payloads import FormPayload, PageViewPayload

log = logging.getLogger(__name__)

# Activity.source of what this app records; with the page view's or submission's id as
# external_id, a retried attach or a re-sent form is stored once.
PAGE_VIEW_SOURCE = "website"
FORM_SOURCE = "website-form"
_ATTACH_CHUNK = 1000


def _page_view_external_id(page_view: PageView) -> str:
    return f"pageview:{page_view.pk}"


def _visitor_for_update(*, site: Site, visitor_id: str, now: datetime, **first_touch) -> Visitor:
    """The visitor row, locked; created on its first page view (a race resolves to one row)."""
    visitor = Visitor.objects.select_for_update().filter(site=site, visitor_id=visitor_id).first()
    if visitor is not None:
        return visitor
    try:
        with transaction.atomic():
            return Visitor.objects.create(
                site=site, visitor_id=visitor_id, first_seen_at=now, last_seen_at=now, **first_touch
            )
    except IntegrityError:
        return Visitor.objects.select_for_update().get(site=site, visitor_id=visitor_id)


@transaction.atomic
def page_view_record(
    *,
    site: Site,
    payload: PageViewPayload,
    user_agent: str = "",
    identify_contact_id: int | None = None,
    now: datetime | None = None,
) -> PageView:
    """
    Store a page view of a visitor (created on first sight). If the visitor is known as a
    contact, the view is recorded on the contact as a page_view at once. A genuine identify
    token (`identify_contact_id`) first links the visitor to that contact, attaching its
    earlier anonymous views.
    """
    now = now or timezone.now()
    visitor = _visitor_for_update(
        site=site,
        visitor_id=payload.visitor_id,
        now=now,
        first_referrer=payload.referrer,
        first_utm=payload.utm,
        user_agent=user_agent[:300],
    )
    page_view = PageView.objects.create(
        visitor=visitor,
        occurred_at=now,
        url=payload.url,
        path=payload.path,
        title=payload.title,
        referrer=payload.referrer,
        utm=payload.utm,
    )
    visitor.last_seen_at = max(visitor.last_seen_at, now)
    visitor.last_url = payload.url
    visitor.page_view_count += 1
    visitor.save(update_fields=["last_seen_at", "last_url", "page_view_count"])
    if identify_contact_id is not None:
        contact = Contact.objects.filter(pk=identify_contact_id).first()
        if contact is not None:
            visitor_identify(visitor=visitor, contact=contact, now=now)
            page_view.refresh_from_db(fields=["activity"])
            return page_view
    if visitor.contact_id is not None:
        activity, _ = activity_record(
            contact=visitor.contact,
            kind=site.page_view_kind(page_view.path),
            occurred_at=page_view.occurred_at,
            properties=page_view.activity_properties(),
            source=PAGE_VIEW_SOURCE,
            external_id=_page_view_external_id(page_view),
        )
        page_view.activity = activity
        page_view.save(update_fields=["activity"])
    return page_view


@transaction.atomic
def visitor_identify(*, visitor: Visitor, contact: Contact, now: datetime | None = None) -> int:
    """
    The visitor is this contact: link them and record its page views not yet on a contact as
    the contact's page_view activities (once each, keyed by the page view's id), in one batch
    that rescores the contact once. Returns how many page views were attached.

    A browser that identifies as someone else later (a shared computer) follows the new
    contact; views already attached stay with the first.
    """
    now = now or timezone.now()
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    if visitor.contact_id != contact.pk:
        visitor.contact = contact
        visitor.identified_at = now
        visitor.save(update_fields=["contact", "identified_at"])
    pending = list(
        PageView.objects.filter(visitor=visitor, activity__isnull=True).order_by("occurred_at")
    )
    site = visitor.site
    attached = 0
    for start in range(0, len(pending), _ATTACH_CHUNK):
        chunk = pending[start : start + _ATTACH_CHUNK]
        rows = [
            ActivityRow(
                index=i,
                kind=site.page_view_kind(pv.path),
                occurred_at=pv.occurred_at,
                contact_id=contact.pk,
                properties=pv.activity_properties(),
                source=PAGE_VIEW_SOURCE,
                external_id=_page_view_external_id(pv),
            )
            for i, pv in enumerate(chunk)
        ]
        result = activities_bulk_record(rows=rows, now=now)
        for row in result.results:
            if row.id is None:
                log.warning("Page view %s not attached: %s", chunk[row.index].pk, row.errors)
                continue
            chunk[row.index].activity_id = row.id
            attached += 1
        PageView.objects.bulk_update(chunk, ["activity"])
    return attached


@dataclass(frozen=True)
class FormSubmissionResult:
    contact: Contact
    contact_created: bool
    activity: Activity
    recorded: bool  # False: the same submission (ls_sid) was already stored
    page_views_attached: int


@transaction.atomic
def form_submission_record(
    *, form: Form, payload: FormPayload, now: datetime | None = None
) -> FormSubmissionResult:
    """
    One step for a website form post: create or update the contact (by email; only the
    fields the form filled in are written), record its form_submission (form_name = the
    form's name, so scoring's hand-raise rules decide whether it qualifies at once), and,
    when the browser carries the snippet's visitor id, attach that visitor's page views.
    """
    now = now or timezone.now()
    contact, created = contact_upsert(email=payload.email, **payload.contact_fields)
    properties = {"form_name": form.name, "form_key": form.public_key}
    if payload.page_url:
        properties["page_url"] = payload.page_url
    if payload.fields:
        properties["fields"] = payload.fields
    # A re-sent submission (same ls_sid, same person) is stored once; the same ls_sid with
    # another email is someone else's submission, not a copy to drop.
    external_id = (
        f"{form.public_key}:{payload.submission_id}:{contact.pk}" if payload.submission_id else ""
    )
    activity, recorded = activity_record(
        contact=contact,
        kind=ActivityKind.FORM_SUBMISSION,
        occurred_at=now,
        properties=properties,
        source=FORM_SOURCE,
        external_id=external_id,
    )
    attached = 0
    if payload.visitor_id:
        visitor = _visitor_for_update(site=form.site, visitor_id=payload.visitor_id, now=now)
        attached = visitor_identify(visitor=visitor, contact=contact, now=now)
    return FormSubmissionResult(contact, created, activity, recorded, attached)


@transaction.atomic
def visitors_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """
    Delete visitors unseen for `days` (WEBSITE_VISITOR_RETENTION_DAYS) with their page views.
    What identified visitors did stays on their contacts as activities. Returns the count.
    """
    now = now or timezone.now()
    days = settings.WEBSITE_VISITOR_RETENTION_DAYS if days is None else days
    stale = Visitor.objects.filter(last_seen_at__lt=now - timedelta(days=days))
    count = stale.count()
    PageView.objects.filter(visitor__in=stale).delete()
    stale.delete()
    return count
