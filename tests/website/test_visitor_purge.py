"""Visitors unseen for WEBSITE_VISITOR_RETENTION_DAYS are purged daily by Celery beat; what
identified visitors did stays on their contacts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from contacts.models import Activity
from tests.factories import ContactFactory
from website.models import PageView, Visitor
from website.services import visitor_identify
from website.tasks import purge_visitors

pytestmark = pytest.mark.django_db


def make_visitor(site, vid: str, last_seen) -> Visitor:
    visitor = Visitor.objects.create(
        site=site, visitor_id=vid * 32, first_seen_at=last_seen, last_seen_at=last_seen
    )
    PageView.objects.create(visitor=visitor, occurred_at=last_seen, url="https://a.example/")
    return visitor


def test_stale_visitors_and_their_page_views_are_purged(site, settings):
    settings.WEBSITE_VISITOR_RETENTION_DAYS = 30
    now = timezone.now()
    make_visitor(site, "a", now - dt.timedelta(days=31))
    fresh = make_visitor(site, "b", now - dt.timedelta(days=29))
    known = make_visitor(site, "c", now - dt.timedelta(days=40))
    contact = ContactFactory()
    visitor_identify(visitor=known, contact=contact)

    assert purge_visitors.delay().get() == 2

    assert list(Visitor.objects.all()) == [fresh]
    assert PageView.objects.count() == 1
    assert Activity.objects.filter(contact=contact, kind="page_view").count() == 1


def test_the_purge_is_scheduled_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["website-purge-visitors"]
    assert entry["task"] == "website.purge_visitors"
    assert entry["schedule"] == 86400.0
