"""
Scoring: full-rescore throughput and single-activity latency, beside a plain-SQL yardstick.

Builds N contacts over about N/5 companies with M activities (bulk writes; COPY on PostgreSQL),
then measures, under the live scoring model (the default model is created if none is live):

1. full rescore: scoring.services.rescore_run_execute() over every contact;
2. single-activity rescore: scoring.services.contact_rescore() after one new activity, for K
   random contacts (p50/p95/p99/max);
3. the yardstick: one SQL GROUP BY that sums each contact's activity points, fully fetched.

Targets: full rescore within 3x the yardstick; single-activity p95 < 20 ms.
Example: python -m bench scoring --contacts 100000 --activities 2000000 --repeat
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from bench._common import (
    BENCH_PREFIX,
    BenchError,
    Report,
    analyze_tables,
    percentiles,
    say,
    timed,
)
from contacts.models import Activity, Company, Contact, LeadSource, LifecycleStage
from scoring import engine, selectors, services
from scoring.defaults import default_model_create
from scoring.models import ContactScore, Qualification, ScoreChange, ScoringModel

DEFAULT_CONTACTS = 10_000
ACTIVITIES_PER_CONTACT = 20
CONTACTS_PER_COMPANY = 5
DEFAULT_SINGLE = 300
WARM_UP_CALLS = 3  # single-activity calls made first and not counted
YARDSTICK_TRIES = 3
BATCH_SIZE = 2000
YEAR_SECONDS = 365 * 86400

TARGET_RATIO = 3.0
TARGET_P95_MS = 20.0
TARGETS = "target: full rescore within 3x the yardstick; single-activity p95 < 20 ms"

# ---- What the data looks like ------------------------------------------------------------

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


# ---- Measuring ---------------------------------------------------------------------------


def live_model(report: Report) -> ScoringModel:
    model = selectors.live_model()
    if model is None:
        model = default_model_create(name=f"{BENCH_PREFIX}Default model")
        report.notes.append("No live scoring model: created the default one (bench-Default model).")
    report.parameters["scoring_model"] = (
        f"{model.name} ({model.rules.filter(is_active=True).count()} active rules)"
    )
    return model


def full_rescore(model: ScoringModel, label: str) -> dict[str, Any]:
    """Time rescore_run_execute() over every contact (the run is created untimed)."""
    changes_before = ScoreChange.objects.count()
    run = services.rescore_run_create(model=model, reason=f"{BENCH_PREFIX}{label}")
    with timed(f"Full rescore ({label})") as t:
        run = services.rescore_run_execute(run_id=run.pk)
    return {
        "seconds": t["seconds"],
        "contacts": run.done,
        "contacts_per_second": run.done / t["seconds"],
        "changed": run.changed,
        "newly_qualified": run.newly_qualified,
        "score_changes_written": ScoreChange.objects.count() - changes_before,
    }


def yardstick_sql(spec: engine.ModelSpec) -> tuple[str, list[Any]]:
    """
    Each contact's activity points in one GROUP BY: per kind, the points of the model's first
    interest rule for that kind; no conditions, caps, windows or decay.
    """
    points: dict[str, float] = {}
    for rule in spec.rules:
        if rule.dimension == engine.INTEREST:
            points.setdefault(rule.activity_kind, float(rule.points))
    quote = connection.ops.quote_name
    contact = quote(Activity._meta.get_field("contact").column)
    kind = quote(Activity._meta.get_field("kind").column)
    whens = " ".join("WHEN %s THEN %s" for _ in points)
    sql = (
        f"SELECT {contact}, SUM(CASE {kind} {whens} ELSE 0 END) "
        f"FROM {quote(Activity._meta.db_table)} GROUP BY {contact}"
    )
    params = [value for item in points.items() for value in item]
    return sql, params


def yardstick(spec: engine.ModelSpec) -> dict[str, Any]:
    sql, params = yardstick_sql(spec)
    times, rows = [], 0
    with timed(f"Yardstick (best of {YARDSTICK_TRIES})"):
        for _ in range(YARDSTICK_TRIES):
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql, params)
                rows = len(cursor.fetchall())
                times.append(time.perf_counter() - start)
    return {"seconds": min(times), "tries": times, "rows": rows}


def _one_activity(rng: random.Random, contact_id: int) -> Activity:
    """Write one new activity without signals (no rescore enqueued); it gets its id."""
    kind = rng.choices(KINDS, cum_weights=KIND_CUMULATIVE)[0]
    activity = Activity(
        contact_id=contact_id,
        kind=kind,
        custom_kind="partner_referral_call" if kind == "custom" else "",
        occurred_at=timezone.now(),
        properties=activity_properties(kind, rng),
        source=SOURCES.get(kind, ""),
    )
    Activity.objects.bulk_create([activity])
    return activity


def _rescore_ms(contact_id: int, activity_id: int) -> float:
    start = time.perf_counter()
    services.contact_rescore(contact_id=contact_id, activity_id=activity_id)
    return (time.perf_counter() - start) * 1000


def single_activity(contact_ids: Sequence[int], count: int, seed: int) -> dict[str, Any]:
    """Time contact_rescore() after one new activity, for `count` random contacts."""
    rng = random.Random(seed + 2)
    chosen = rng.sample(list(contact_ids), min(count + WARM_UP_CALLS, len(contact_ids)))
    latencies = []
    with timed(f"Single-activity rescore ({count} contacts)"):
        for position, contact_id in enumerate(chosen):
            activity = _one_activity(rng, contact_id)
            elapsed = _rescore_ms(contact_id, activity.pk)
            if position >= WARM_UP_CALLS:
                latencies.append(elapsed)
    return {"samples": len(latencies), **percentiles(latencies)}


def heaviest_contact(seed: int) -> dict[str, Any]:
    """Single-activity latency for the contact with the most activities (median of 5)."""
    top = (
        Activity.objects.values("contact_id")
        .annotate(n=Count("id"))
        .order_by("-n", "contact_id")
        .first()
    )
    if top is None:
        return {}
    rng = random.Random(seed + 3)
    times = []
    for _ in range(5):
        activity = _one_activity(rng, top["contact_id"])
        times.append(_rescore_ms(top["contact_id"], activity.pk))
    return {"activities": top["n"], "ms": statistics.median(times)}


def profile_rescore(model: ScoringModel, path: str, top: int) -> tuple[float, str]:
    """One more full rescore under cProfile; returns its seconds and the top functions."""
    run = services.rescore_run_create(model=model, reason=f"{BENCH_PREFIX}profiled rescore")
    profiler = cProfile.Profile()
    with timed("Full rescore under cProfile") as t:
        profiler.enable()
        services.rescore_run_execute(run_id=run.pk)
        profiler.disable()
    profiler.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"Profile of one more full rescore ({t['seconds']:.1f} s under cProfile), ")
    out.write(f"saved to {path}; top {top} by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(top)
    out.write(f"Top {top} by own (total) time:\n")
    stats.sort_stats("tottime").print_stats(top)
    return t["seconds"], out.getvalue()


# ---- The sub-command ---------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--contacts", type=int, default=DEFAULT_CONTACTS, help="contacts to build (10,000)"
    )
    parser.add_argument(
        "--activities", type=int, help=f"activities in all ({ACTIVITIES_PER_CONTACT}x contacts)"
    )
    parser.add_argument(
        "--companies", type=int, help=f"companies (contacts / {CONTACTS_PER_COMPANY})"
    )
    parser.add_argument(
        "--single",
        type=int,
        default=DEFAULT_SINGLE,
        metavar="K",
        help=f"contacts for the single-activity latency ({DEFAULT_SINGLE})",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument(
        "--repeat",
        action="store_true",
        help="run the full rescore twice: first scores, then with scores in place (warm)",
    )
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="profile one more full rescore with cProfile, save the stats here, print the top",
    )
    parser.add_argument("--profile-top", type=int, default=25, help="functions to print (25)")
    parser.add_argument(
        "--no-copy", action="store_true", help="build with bulk_create even on PostgreSQL"
    )


def run(args: argparse.Namespace, report: Report) -> None:
    if args.contacts < 1:
        raise BenchError("--contacts must be at least 1.")
    args.activities = (
        args.contacts * ACTIVITIES_PER_CONTACT if args.activities is None else args.activities
    )
    args.companies = (
        max(1, args.contacts // CONTACTS_PER_COMPANY) if args.companies is None else args.companies
    )
    report.parameters.update(
        contacts=args.contacts,
        companies=args.companies,
        activities=args.activities,
        seed=args.seed,
        single_activity_samples=args.single,
    )
    contact_ids = build(args, report)
    model = live_model(report)
    spec = selectors.model_spec(model)

    runs = [full_rescore(model, "full rescore, first scores")]
    if args.repeat:
        runs.append(full_rescore(model, "full rescore, scores in place"))
    # The yardstick reads the same activities as the full rescore: before new ones are added.
    stick = yardstick(spec)
    latency = single_activity(contact_ids, args.single, args.seed) if args.single > 0 else {}
    heaviest = heaviest_contact(args.seed) if args.single > 0 else {}

    report.section("Full rescore (rescore_run_execute over every contact)")
    labels = ["run 1: first scores (creates)", "run 2: scores in place (warm)"]
    for number, (label, figures) in enumerate(zip(labels, runs, strict=False), start=1):
        report.add(
            f"full_rescore_{number}",
            label,
            figures,
            f"{figures['seconds']:.1f} s",
            f"{figures['contacts_per_second']:,.0f} contacts/s, "
            f"{figures['score_changes_written']:,} timeline entries",
        )
    headline = runs[-1]
    report.figures["full_rescore_seconds"] = headline["seconds"]
    report.figures["full_rescore_contacts_per_second"] = headline["contacts_per_second"]

    report.section(f"Yardstick (one SQL GROUP BY over all activities, best of {YARDSTICK_TRIES})")
    report.add(
        "yardstick",
        "SUM(CASE kind ...) GROUP BY contact_id",
        stick,
        f"{stick['seconds']:.2f} s",
        f"{stick['rows']:,} rows fetched",
    )
    ratio = headline["seconds"] / stick["seconds"]
    met = "met" if ratio <= TARGET_RATIO else "MISSED"
    report.add(
        "ratio",
        f"full rescore (run {len(runs)}) / yardstick",
        ratio,
        f"{ratio:.1f}x",
        f"target <= {TARGET_RATIO:g}x: {met}",
    )
    report.figures["ratio_target_met"] = ratio <= TARGET_RATIO

    if latency:
        report.section(
            f"Single-activity rescore (contact_rescore after one new activity, "
            f"{latency['samples']} random contacts)"
        )
        for key in ("p50", "p95", "p99", "max", "mean"):
            note = ""
            if key == "p95":
                note = f"target < {TARGET_P95_MS:g} ms: "
                note += "met" if latency[key] < TARGET_P95_MS else "MISSED"
            report.add(f"single_{key}_ms", key, latency[key], f"{latency[key]:.1f} ms", note)
        report.figures["single_p95_target_met"] = latency["p95"] < TARGET_P95_MS
    if heaviest:
        report.add(
            "heaviest_contact",
            f"most active contact ({heaviest['activities']:,} activities)",
            heaviest,
            f"{heaviest['ms']:.1f} ms",
            "median of 5",
        )

    report.section("Stored afterwards")
    for key, label, count in (
        ("contact_scores", "contact scores", ContactScore.objects.count()),
        ("score_changes", "timeline entries (ScoreChange)", ScoreChange.objects.count()),
        ("qualifications", "qualifications", Qualification.objects.count()),
    ):
        report.add(key, label, count, f"{count:,}")
    report.notes.append(TARGETS)
    if args.profile:
        seconds, text = profile_rescore(model, args.profile, args.profile_top)
        report.figures["profiled_rescore_seconds"] = seconds
        report.appendix.append(text)
    say("Done.")
