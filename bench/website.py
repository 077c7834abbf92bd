"""
Website tracking: page views per second through the collect endpoint, beside the database's
own insert rates, and the time to attach a visitor's page views to a contact.

Posts N page views (from V visitors) through Django's full stack (test client: middleware,
site and origin checks, rate limit, validation, one transaction per view) and compares with
two yardsticks measured in the same run: PageView rows written one by one with the ORM (the
floor a per-request write cannot beat) and with bulk_create. Then identifies one visitor with
K page views (visitor_identify: K page_view activities in one batch, rescored once).
Example: python -m bench website --views 5000 --attach 2000
"""

from __future__ import annotations

import argparse
import json
import uuid

from django.core.cache import cache
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from bench._common import BENCH_PREFIX, BenchError, Report, say, timed
from contacts.services import contact_upsert
from website.models import PageView, Site, Visitor
from website.services import visitor_identify

ORIGIN = "https://bench.example"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--views", type=int, default=2000, help="page views to post (2,000)")
    parser.add_argument("--visitors", type=int, default=200, help="visitors they come from")
    parser.add_argument("--attach", type=int, default=1000, help="page views to attach (1,000)")


def _post_views(site: Site, views: int, visitors: int) -> float:
    client = Client(HTTP_ORIGIN=ORIGIN, HTTP_USER_AGENT=AGENT, HTTP_HOST="127.0.0.1")
    ids = [uuid.uuid4().hex for _ in range(visitors)]
    url = f"/w/c/{site.public_key}/"
    # The first request imports every URLconf (the predictive app loads scikit-learn): not
    # part of serving a page view, so it is made before the clock starts.
    warm = {"v": "w" * 32, "url": f"{ORIGIN}/warm", "consent": True}
    client.post(url, json.dumps(warm), content_type="text/plain")
    with timed(f"Posting {views:,} page views") as t:
        for i in range(views):
            body = {"v": ids[i % visitors], "url": f"{ORIGIN}/p/{i}", "title": "T", "consent": True}
            response = client.post(url, json.dumps(body), content_type="text/plain")
            if response.status_code != 200:
                raise BenchError(f"collect answered {response.status_code}: {response.content!r}")
    return t["seconds"]


def _yardsticks(site: Site, views: int) -> tuple[float, float]:
    now = timezone.now()
    visitor = Visitor.objects.create(
        site=site, visitor_id="y" * 32, first_seen_at=now, last_seen_at=now
    )
    rows = [PageView(visitor=visitor, occurred_at=now, url=f"{ORIGIN}/y/{i}") for i in range(views)]
    with timed("Yardstick: ORM inserts one by one") as one:
        for row in rows:
            PageView.objects.create(visitor=visitor, occurred_at=row.occurred_at, url=row.url)
    with timed("Yardstick: bulk_create") as bulk:
        PageView.objects.bulk_create(
            [PageView(visitor=visitor, occurred_at=now, url=r.url) for r in rows], batch_size=2000
        )
    visitor.delete()
    return one["seconds"], bulk["seconds"]


def _attach(site: Site, count: int) -> float:
    now = timezone.now()
    visitor = Visitor.objects.create(
        site=site, visitor_id="a" * 32, first_seen_at=now, last_seen_at=now
    )
    PageView.objects.bulk_create(
        [PageView(visitor=visitor, occurred_at=now, url=f"{ORIGIN}/a/{i}") for i in range(count)]
    )
    contact, _ = contact_upsert(email=f"{BENCH_PREFIX}visitor@bench.example")
    with timed(f"Attaching {count:,} page views to a contact") as t:
        attached = visitor_identify(visitor=visitor, contact=contact)
    if attached != count:
        raise BenchError(f"attached {attached} of {count} page views")
    return t["seconds"]


def run(args: argparse.Namespace, report: Report) -> None:
    if min(args.views, args.visitors, args.attach) < 1:
        raise BenchError("--views, --visitors and --attach must be at least 1.")
    report.parameters.update(views=args.views, visitors=args.visitors, attach=args.attach)
    Site.objects.filter(name=f"{BENCH_PREFIX}website").delete()
    site = Site.objects.create(
        name=f"{BENCH_PREFIX}website", allowed_origins=[ORIGIN], require_consent=True
    )
    try:
        cache.clear()
        with override_settings(WEBSITE_COLLECT_RATE=f"{args.views * 10}/min"):
            seconds = _post_views(site, args.views, args.visitors)
        one, bulk = _yardsticks(site, args.views)
        report.section("Page views (collect endpoint, full Django stack, one transaction each)")
        rate = args.views / seconds
        report.add("collect_per_s", "collect endpoint", rate, f"{rate:,.0f} views/s")
        report.add(
            "orm_insert_per_s",
            "yardstick: ORM insert per row",
            args.views / one,
            f"{args.views / one:,.0f} rows/s",
            f"endpoint at {rate / (args.views / one):.0%} of it",
        )
        report.add(
            "bulk_insert_per_s",
            "yardstick: bulk_create",
            args.views / bulk,
            f"{args.views / bulk:,.0f} rows/s",
        )
        attach_s = _attach(site, args.attach)
        report.section("Identification (visitor_identify: page views become activities)")
        report.add(
            "attach_seconds",
            f"{args.attach:,} page views attached",
            attach_s,
            f"{attach_s:.2f} s",
            f"{args.attach / attach_s:,.0f} views/s",
        )
    finally:
        say("Deleting the benchmark site")
        site.delete()
