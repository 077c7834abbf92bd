"""
bench scoring's data: N contacts over about N/5 companies with M activities of a realistic mix
(titles, industries, places, sources, activity kinds and their properties), written with bulk
writes (COPY on PostgreSQL). bench accounts, models and others build the same data.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench._common import BENCH_PREFIX, BenchError, Report, analyze_tables, timed
from contacts.models import Activity, Company, Contact, LeadSource, LifecycleStage

ACTIVITIES_PER_CONTACT = 20
CONTACTS_PER_COMPANY = 5
BATCH_SIZE = 2000
YEAR_SECONDS = 365 * 86400

INDUSTRIES = {
    "Software": 22,
    "Financial services": 10,
    "Telecommunications": 5,
    "Healthcare": 10,
    "Manufacturing": 10,
    "Retail": 9,
    "Education": 7,
    "Government": 4,
    "Media": 6,
    "Consulting": 8,
    "Logistics": 6,
    "": 3,
}
# (country, region, city, weight)
PLACES = [
    ("United States", "California", "San Francisco", 8),
    ("United States", "New York", "New York", 8),
    ("United States", "Texas", "Austin", 5),
    ("Canada", "Ontario", "Toronto", 4),
    ("United Kingdom", "England", "London", 7),
    ("Germany", "Berlin", "Berlin", 5),
    ("Germany", "Bavaria", "Munich", 3),
    ("France", "Île-de-France", "Paris", 5),
    ("Netherlands", "North Holland", "Amsterdam", 3),
    ("Sweden", "Stockholm", "Stockholm", 2),
    ("Spain", "Madrid", "Madrid", 3),
    ("India", "Karnataka", "Bengaluru", 6),
    ("Brazil", "São Paulo", "São Paulo", 3),
    ("Australia", "New South Wales", "Sydney", 3),
    ("Japan", "Tokyo", "Tokyo", 2),
    ("Singapore", "", "Singapore", 2),
]
TECHNOLOGIES = [
    "Salesforce",
    "HubSpot",
    "Marketo",
    "Pardot",
    "Zendesk",
    "Slack",
    "Jira",
    "Snowflake",
    "AWS",
    "Azure",
    "Google Cloud",
    "Segment",
    "Intercom",
]
COMPANY_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay"]
COMPANY_WORDS += ["Soylent", "Cyberdyne", "Tyrell", "Wonka", "Aperture", "Massive", "Dunder"]
COMPANY_SUFFIXES = ["Inc", "Ltd", "GmbH", "Systems", "Labs", "Group", "Technologies", "Partners"]
FIRST_NAMES = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances"]
FIRST_NAMES += ["John", "Katherine", "Tim", "Radia", "Guido", "Sophie", "Edsger", "Hedy", "Niklaus"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov"]
LAST_NAMES += ["Ritchie", "Allen", "Backus", "Johnson", "Berners-Lee", "Perlman", "van Rossum"]
# Job title -> weight; seniority_of() reads these.
TITLES = {
    "CEO": 1,
    "Founder": 0.5,
    "CTO": 0.5,
    "VP Marketing": 1,
    "VP Sales": 1,
    "Vice President, Engineering": 0.5,
    "Director of Marketing": 2,
    "IT Director": 1,
    "Head of Growth": 1,
    "Marketing Manager": 4,
    "Sales Manager": 3,
    "Engineering Manager": 2,
    "Software Engineer": 6,
    "Marketing Specialist": 4,
    "Data Analyst": 3,
    "Account Executive": 3,
    "Student": 1,
    "Marketing Intern": 0.5,
    "Assistant to the CEO": 0.3,
    "": 3,
}
FREE_MAIL = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "gmx.de"]
COMPETITOR_MAIL = ["pipelinepro.io", "scorely.com", "leadlytics.com"]
STAGES = {
    LifecycleStage.SUBSCRIBER: 20,
    LifecycleStage.LEAD: 64,
    LifecycleStage.MQL: 3,
    LifecycleStage.SAL: 2,
    LifecycleStage.SQL: 2,
    LifecycleStage.OPPORTUNITY: 2,
    LifecycleStage.CUSTOMER: 3,
    LifecycleStage.RECYCLED: 3,
    LifecycleStage.DISQUALIFIED: 1,
}
LEAD_SOURCES = {
    LeadSource.ORGANIC_SEARCH: 30,
    LeadSource.PAID_SEARCH: 15,
    LeadSource.REFERRAL: 8,
    LeadSource.SOCIAL: 10,
    LeadSource.EMAIL: 10,
    LeadSource.EVENT: 7,
    LeadSource.PARTNER: 5,
    LeadSource.DIRECT: 10,
    LeadSource.OTHER: 5,
}
CAMPAIGNS = ["spring-launch", "q3-webinar-series", "newsletter", "product-update", "nurture-1"]

# Activity kind -> share (per mille) of all activities: mostly page views and e-mail, few
# hand-raises.
ACTIVITY_MIX = {
    "page_view": 450,
    "email_open": 220,
    "email_click": 80,
    "pricing_page_view": 55,
    "content_download": 40,
    "form_submission": 30,
    "webinar_attended": 20,
    "chat": 10,
    "custom": 6,
    "free_trial_signup": 4,
    "unsubscribe": 3,
    "meeting_booked": 2,
    "demo_request": 2,
    "contact_sales": 1,
}
KINDS = list(ACTIVITY_MIX)
KIND_CUMULATIVE = list(accumulate(ACTIVITY_MIX.values()))
PAGES = [
    ("/", "Home"),
    ("/product/scoring", "Lead scoring"),
    ("/product/routing", "Lead routing"),
    ("/customers", "Customers"),
    ("/blog/lead-scoring-101", "Lead scoring 101"),
    ("/blog/mql-vs-sql", "MQL vs SQL"),
    ("/blog/decay-explained", "Why interest decays"),
    ("/docs/api", "API reference"),
    ("/docs/imports", "Importing contacts"),
    ("/careers", "Careers"),
    ("/careers/backend-engineer", "Backend engineer"),
    ("/about", "About us"),
]
ASSETS = ["state-of-lead-scoring-2025.pdf", "roi-calculator.xlsx", "mql-playbook.pdf"]
WEBINARS = ["Scoring that sales trusts", "Routing in practice", "From MQL to revenue"]
FORMS = {"newsletter": 45, "ebook": 30, "webinar-registration": 20, "contact-sales": 5}
SOURCES = {
    "page_view": "website",
    "pricing_page_view": "website",
    "email_open": "email",
    "email_click": "email",
    "webinar_attended": "webinar",
    "form_submission": "forms",
    "demo_request": "forms",
    "contact_sales": "forms",
}


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def activity_properties(kind: str, rng: random.Random) -> dict[str, Any]:
    """Properties of one activity, like a tracker or a form tool would send them."""
    if kind == "page_view":
        url, title = rng.choice(PAGES)
        return {"url": url, "title": title, "duration_seconds": int(rng.lognormvariate(3.7, 0.9))}
    if kind == "pricing_page_view":
        return {"url": "/pricing", "duration_seconds": int(rng.lognormvariate(4.0, 0.9))}
    if kind == "email_open":
        return {"campaign": rng.choice(CAMPAIGNS)}
    if kind == "email_click":
        return {"campaign": rng.choice(CAMPAIGNS), "url": rng.choice(PAGES)[0]}
    if kind == "content_download":
        return {"asset": rng.choice(ASSETS)}
    if kind == "webinar_attended":
        return {"webinar": rng.choice(WEBINARS), "percent_watched": rng.randint(5, 100)}
    if kind == "form_submission":
        return {"form_name": _weighted(rng, FORMS)}
    if kind in ("demo_request", "contact_sales"):
        return {"form_name": kind.replace("_", "-")}
    if kind == "chat":
        return {"messages": rng.randint(2, 20)}
    if kind == "free_trial_signup":
        return {"plan": rng.choice(["starter", "growth", "enterprise"])}
    if kind == "custom":
        return {"partner": rng.choice(["Northwind", "Contoso"])}
    return {}


def _spread(rng: random.Random, people: int, total: int) -> list[int]:
    """Split `total` activities over `people`: skewed (a few are very active), summing exactly."""
    weights = [rng.lognormvariate(0.0, 1.0) for _ in range(people)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for index in rng.sample(range(people), total - sum(counts)):
        counts[index] += 1
    return counts


# ---- Building ----------------------------------------------------------------------------


def build_companies(rng: random.Random, count: int) -> list[Company]:
    companies = []
    places = [p[:3] for p in PLACES]
    place_weights = [p[3] for p in PLACES]
    for j in range(count):
        word, suffix = rng.choice(COMPANY_WORDS), rng.choice(COMPANY_SUFFIXES)
        employees = None if rng.random() < 0.08 else max(1, int(rng.lognormvariate(5.0, 1.6)))
        revenue = None
        if employees is not None and rng.random() < 0.85:
            revenue = Decimal(employees * rng.randint(80_000, 250_000))
        country, region, city = rng.choices(places, weights=place_weights)[0]
        companies.append(
            Company(
                name=f"{word} {suffix} {j}",
                # bulk_create skips Company.save(), which lower-cases domains: write them so.
                domain=f"{BENCH_PREFIX}{word.lower()}-{j}.com",
                industry=_weighted(rng, INDUSTRIES),
                employee_count=employees,
                annual_revenue=revenue,
                country=country,
                region=region,
                city=city,
                technologies=rng.sample(TECHNOLOGIES, rng.randint(0, 4)),
            )
        )
    return companies


def build_contacts(
    rng: random.Random, count: int, companies: Sequence[Company], now: datetime
) -> list[Contact]:
    """Contacts, most at a company (bigger companies have more), some on free or rival mail."""
    company_cumulative = list(accumulate(rng.lognormvariate(0.0, 1.0) for _ in companies))
    contacts = []
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roll = rng.random()
        company = rng.choices(companies, cum_weights=company_cumulative)[0] if companies else None
        if roll < 0.78 and company is not None:
            domain = company.domain
        elif roll < 0.985:
            domain = rng.choice(FREE_MAIL)
            company = company if rng.random() < 0.4 else None
        else:
            domain, company = rng.choice(COMPETITOR_MAIL), None
        local = f"{first}.{last}".lower().replace(" ", "").replace("-", "")
        stage = _weighted(rng, STAGES)
        properties = {}
        if rng.random() < 0.6:
            properties = {"utm_campaign": rng.choice(CAMPAIGNS), "newsletter": rng.random() < 0.5}
        contact = Contact(
            email=f"{BENCH_PREFIX}{i}.{local}@{domain}",
            first_name=first,
            last_name=last,
            job_title=_weighted(rng, TITLES),
            company=company,
            lead_source=_weighted(rng, LEAD_SOURCES),
            lifecycle_stage=stage,
            do_not_contact=rng.random() < 0.02,
            unsubscribed=rng.random() < 0.03,
            properties=properties,
        )
        setattr(contact, f"{stage}_at", now - timedelta(seconds=rng.random() * YEAR_SECONDS))
        contacts.append(contact)
    return contacts


def activity_rows(
    rng: random.Random, contact_ids: Sequence[int], total: int, now: datetime
) -> Iterator[tuple[int, str, str, datetime, dict[str, Any], str]]:
    """(contact_id, kind, custom_kind, occurred_at, properties, source) over the last year."""
    for contact_id, count in zip(contact_ids, _spread(rng, len(contact_ids), total), strict=True):
        for kind in rng.choices(KINDS, cum_weights=KIND_CUMULATIVE, k=count):
            yield (
                contact_id,
                kind,
                "partner_referral_call" if kind == "custom" else "",
                now - timedelta(seconds=rng.random() * YEAR_SECONDS),
                activity_properties(kind, rng),
                SOURCES.get(kind, ""),
            )


def _copy_activities(rows: Iterator[tuple], now: datetime) -> None:
    """PostgreSQL: stream activities with COPY (psycopg's cursor.copy())."""
    quote = connection.ops.quote_name
    names = ["contact", "kind", "custom_kind", "occurred_at", "properties", "source"]
    names += ["external_id", "created_at"]
    columns = ", ".join(quote(Activity._meta.get_field(n).column) for n in names)
    sql = f"COPY {quote(Activity._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for contact_id, kind, custom_kind, occurred_at, properties, source in rows:
            copy.write_row(
                (
                    contact_id,
                    kind,
                    custom_kind,
                    occurred_at,
                    json.dumps(properties),
                    source,
                    "",
                    now,
                )
            )


def _bulk_create_activities(rows: Iterator[tuple]) -> None:
    batch: list[Activity] = []
    for contact_id, kind, custom_kind, occurred_at, properties, source in rows:
        batch.append(
            Activity(
                contact_id=contact_id,
                kind=kind,
                custom_kind=custom_kind,
                occurred_at=occurred_at,
                properties=properties,
                source=source,
            )
        )
        if len(batch) >= 10 * BATCH_SIZE:
            Activity.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            batch = []
    Activity.objects.bulk_create(batch, batch_size=BATCH_SIZE)


def build(args: argparse.Namespace, report: Report) -> list[int]:
    """Write companies, contacts and activities (no signals: bulk writes). Returns contact ids."""
    rng = random.Random(args.seed)
    now = timezone.now()
    use_copy = connection.vendor == "postgresql" and not args.no_copy
    report.section("Build (bulk writes; reported apart, not the subject)")
    start = time.perf_counter()
    with transaction.atomic():
        with timed(f"Building {args.companies:,} companies") as t:
            companies = build_companies(rng, args.companies)
            Company.objects.bulk_create(companies, batch_size=BATCH_SIZE)
        report.add("build_companies_s", f"{args.companies:,} companies", t["seconds"], _s(t))
        with timed(f"Building {args.contacts:,} contacts") as t:
            contacts = build_contacts(rng, args.contacts, companies, now)
            Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
        report.add("build_contacts_s", f"{args.contacts:,} contacts", t["seconds"], _s(t))
        contact_ids = [c.pk for c in contacts]
        if None in contact_ids:
            raise BenchError("bulk_create did not return primary keys on this database.")
        how = "COPY" if use_copy else "bulk_create"
        with timed(f"Building {args.activities:,} activities ({how})") as t:
            rows = activity_rows(rng, contact_ids, args.activities, now)
            if use_copy:
                _copy_activities(rows, now)
            else:
                _bulk_create_activities(rows)
        rate = args.activities / t["seconds"]
        report.add(
            "build_activities_s",
            f"{args.activities:,} activities",
            t["seconds"],
            _s(t),
            f"{how}, {rate:,.0f} rows/s",
        )
    with timed("VACUUM ANALYZE"):
        analyze_tables(Company, Contact, Activity, vacuum=True)
    total = time.perf_counter() - start
    report.add("build_total_s", "total (with commit, VACUUM ANALYZE)", total, f"{total:.1f} s")
    return contact_ids


def _s(t: dict[str, float]) -> str:
    return f"{t['seconds']:.1f} s"
