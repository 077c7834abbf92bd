"""
bench queue's data: C contacts over C/10 companies, each with a stored score, and A qualified
leads held by the reps of one team (pending and accepted, a few overdue), each with three
activities; PostgreSQL: COPY, elsewhere bulk_create. Also what --reuse checks and what --cleanup
deletes.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from bench._common import BENCH_PREFIX, Report, analyze_tables, timed
from contacts.models import Activity, Company, Contact, LifecycleStage
from leadscore.roles import Role, user_set_role
from routing.models import (
    Assignment,
    AssignmentStatus,
    RepProfile,
    RoutingDecision,
    RoutingRule,
    SlaClock,
    Team,
)
from scoring.defaults import default_model_create
from scoring.models import ContactScore, Qualification, QualificationStatus, ScoringModel

BATCH = 20_000
INDUSTRIES = ["Software", "Retail", "Healthcare", "Finance", "Manufacturing", "Education"]
COUNTRIES = ["United States", "Germany", "France", "United Kingdom", "Canada", "Spain"]
TITLES = ["CTO", "VP Sales", "Engineer", "Head of Marketing", "Analyst", "CEO", "Student"]


def _default(field: models.Field, now) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        return field.get_default()
    return None if field.null else field.get_default()


def insert_rows(
    model: type[models.Model], columns: list[str], rows: Iterable[tuple], *, now=None
) -> int:
    """
    Insert rows given as tuples of `columns` (field names); every other column gets its
    default. PostgreSQL: one COPY, the defaults prepared once, so a million rows stream at
    COPY speed; elsewhere bulk_create in batches. Returns the count.
    """
    now = now or timezone.now()
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]
    by_name = {f.name: f for f in fields}
    varying = [by_name[name] for name in columns]
    fixed = [f for f in fields if f.name not in columns]
    fixed_values = {f.name: _default(f, now) for f in fixed}
    count = 0
    if connection.vendor != "postgresql":
        attnames = [f.attname for f in varying]
        fixed_kwargs = {f.attname: fixed_values[f.name] for f in fixed}
        batch: list[models.Model] = []
        for row in rows:
            batch.append(model(**fixed_kwargs, **dict(zip(attnames, row, strict=True))))
            if len(batch) >= 2000:
                model.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        model.objects.bulk_create(batch)
        return count + len(batch)
    prepared = tuple(f.get_db_prep_save(fixed_values[f.name], connection=connection) for f in fixed)
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in [*varying, *fixed])
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    json_columns = [i for i, f in enumerate(varying) if isinstance(f, models.JSONField)]
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_columns:
                row = list(row)
                for i in json_columns:
                    row[i] = varying[i].get_db_prep_save(row[i], connection=connection)
            copy.write_row((*row, *prepared))
            count += 1
    return count


def _users(reps: int) -> tuple[Any, list[Any], Team]:
    User = get_user_model()
    manager = User.objects.create(username=f"{BENCH_PREFIX}manager", first_name="Bench")
    user_set_role(user=manager, role=Role.SALES_MANAGER)
    team = Team.objects.create(
        name=f"{BENCH_PREFIX}team", manager=manager, sla_clock=SlaClock.ALWAYS
    )
    users = User.objects.bulk_create(
        User(username=f"{BENCH_PREFIX}rep{i}", first_name=f"Rep{i}") for i in range(reps)
    )
    users = list(User.objects.filter(username__startswith=f"{BENCH_PREFIX}rep").order_by("pk"))
    for user in users:
        user_set_role(user=user, role=Role.SALES_REP)
    RepProfile.objects.bulk_create(
        RepProfile(user=user, team=team, capacity=10_000) for user in users
    )
    return manager, users, team


def _companies(rng: random.Random, count: int) -> list[int]:
    insert_rows(
        Company,
        ["name", "domain", "industry", "employee_count", "country"],
        (
            (
                f"{BENCH_PREFIX}Company {i}",
                f"{BENCH_PREFIX}co{i}.example",
                rng.choice(INDUSTRIES),
                rng.choice([12, 80, 350, 1500, 8000]),
                rng.choice(COUNTRIES),
            )
            for i in range(count)
        ),
    )
    return list(
        Company.objects.filter(domain__startswith=BENCH_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


CONTACT_COLUMNS = [
    "email",
    "email_normalized",
    "first_name",
    "last_name",
    "job_title",
    "company",
    "created_at",
]


def _contacts(rng: random.Random, count: int, company_ids: list[int]) -> Iterator[tuple]:
    now = timezone.now()
    for i in range(count):
        yield (
            f"{BENCH_PREFIX}p{i}@example.com",
            f"{BENCH_PREFIX}p{i}@example.com",  # already normal (contacts.identity)
            f"P{i}",
            "Bench",
            rng.choice(TITLES),
            company_ids[i % len(company_ids)],
            now - timedelta(days=rng.randint(0, 400)),
        )


def _part(rule_id: int, name: str, dimension: str, points: float) -> dict[str, Any]:
    """One breakdown line in the stored format (scoring.engine.RuleScore.to_json)."""
    return {
        "rule_id": rule_id,
        "name": name,
        "description": "",
        "dimension": dimension,
        "points": points,
        "raw_points": points,
        "matched": "",
        "occurrences": [],
    }


SCORE_COLUMNS = [
    "contact",
    "line",
    "scoring_model",
    "fit",
    "interest",
    "grade",
    "band",
    "meets_threshold",
    "breakdown",
    "scored_at",
]


def _scores(rng: random.Random, ids: list[int], model: ScoringModel) -> Iterator[tuple]:
    now = timezone.now()
    for contact_id in ids:
        fit, interest = rng.uniform(0, 90), rng.uniform(0, 80)
        grade = "A" if fit >= 60 else "B" if fit >= 40 else "C" if fit >= 20 else "D"
        band = 1 if interest >= 50 else 2 if interest >= 20 else 3
        breakdown = {
            "fit": [_part(1, "Title", "fit", fit)],
            "interest": [_part(2, "Pricing page", "interest", interest)],
        }
        yield (
            contact_id,
            model.line_id,
            model.pk,
            fit,
            interest,
            grade,
            band,
            fit >= 40 and interest >= 30,
            breakdown,
            now,
        )


def _qualifications(held: list[int], model: ScoringModel, now: datetime) -> dict[int, int]:
    """A released qualification for each held contact; their ids by contact id."""
    insert_rows(
        Qualification,
        [
            "contact",
            "line",
            "scoring_model",
            "status",
            "qualified_at",
            "released_at",
            "reason",
            "fit",
            "interest",
        ],
        (
            (
                contact_id,
                model.line_id,
                model.pk,
                QualificationStatus.RELEASED,
                now,
                now,
                "Bench",
                50,
                40,
            )
            for contact_id in held
        ),
    )
    return dict(Qualification.objects.filter(contact_id__in=held).values_list("contact_id", "pk"))


ASSIGNMENT_COLUMNS = [
    "qualification",
    "contact",
    "status",
    "rep",
    "team",
    "strategy",
    "assigned_at",
    "accepted_at",
    "sla_due_at",
]


def _assignments(
    rng: random.Random,
    held: list[int],
    qualification_of: dict[int, int],
    reps: list[Any],
    team: Team,
    now: datetime,
) -> list[tuple]:
    """The held leads spread over the reps: every fourth accepted, the others pending."""
    rows = []
    for i, contact_id in enumerate(held):
        rep = reps[i % len(reps)]
        accepted = i % 4 == 3
        assigned = now - timedelta(minutes=rng.randint(1, 600))
        rows.append(
            (
                qualification_of[contact_id],
                contact_id,
                AssignmentStatus.ACCEPTED if accepted else AssignmentStatus.PENDING,
                rep.pk,
                team.pk,
                "round_robin",
                assigned,
                assigned if accepted else None,
                None if accepted else assigned + timedelta(minutes=240),
            )
        )
    return rows


def _activities(rng: random.Random, held: list[int], now: datetime) -> Iterator[tuple]:
    """Three activities for each held lead, at random over the last 2,000 hours."""
    return (
        (
            contact_id,
            rng.choice(["page_view", "pricing_page_view", "email_click"]),
            now - timedelta(hours=rng.randint(1, 2000)),
            {},
        )
        for contact_id in held
        for _ in range(3)
    )


def build(args: argparse.Namespace, report: Report) -> tuple[Any, Team]:
    rng = random.Random(args.seed)
    how = "COPY" if connection.vendor == "postgresql" else "bulk_create"
    model = ScoringModel.objects.filter(is_live=True).first() or default_model_create()
    with transaction.atomic():
        manager, reps, team = _users(args.reps)
        RoutingRule.objects.create(name=f"{BENCH_PREFIX}rule", team=team, position=10_000)
    with timed(f"Contacts ({how})") as t_contacts, transaction.atomic():
        company_ids = _companies(rng, max(1, args.contacts // 10))
        insert_rows(Contact, CONTACT_COLUMNS, _contacts(rng, args.contacts, company_ids))
    ids = list(
        Contact.objects.filter(email__startswith=BENCH_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with timed(f"Scores ({how})") as t_scores, transaction.atomic():
        insert_rows(ContactScore, SCORE_COLUMNS, _scores(rng, ids, model))
    held = rng.sample(ids, min(args.assignments, len(ids)))
    now = timezone.now()
    with timed("Qualified leads, assignments, activities") as t_leads, transaction.atomic():
        qualification_of = _qualifications(held, model, now)
        Contact.objects.filter(pk__in=held).update(lifecycle_stage=LifecycleStage.MQL)
        insert_rows(
            Assignment,
            ASSIGNMENT_COLUMNS,
            _assignments(rng, held, qualification_of, reps, team, now),
        )
        insert_rows(
            Activity, ["contact", "kind", "occurred_at", "properties"], _activities(rng, held, now)
        )
    analyze_tables(Company, Contact, ContactScore, Qualification, Assignment, Activity)
    _report_build(report, args, how, len(held), t_contacts, t_scores, t_leads)
    return manager, team


def _report_build(
    report: Report,
    args: argparse.Namespace,
    how: str,
    leads: int,
    t_contacts: dict[str, float],
    t_scores: dict[str, float],
    t_leads: dict[str, float],
) -> None:
    report.section("Build")
    report.add(
        "build_contacts_s",
        f"{args.contacts:,} contacts + companies ({how})",
        t_contacts["seconds"],
        f"{t_contacts['seconds']:.1f} s",
    )
    report.add(
        "build_scores_s",
        f"{args.contacts:,} scores ({how})",
        t_scores["seconds"],
        f"{t_scores['seconds']:.1f} s",
    )
    report.add(
        "build_leads_s",
        f"{leads:,} leads, assignments, activities",
        t_leads["seconds"],
        f"{t_leads['seconds']:.1f} s",
    )


def reusable(args: argparse.Namespace) -> tuple[Any, Team] | None:
    """The manager and team of an earlier run with the same contacts and leads, else None."""
    team = Team.objects.filter(name=f"{BENCH_PREFIX}team").select_related("manager").first()
    if team is None:
        return None
    contacts = Contact.objects.filter(email__startswith=BENCH_PREFIX).count()
    leads = Assignment.objects.filter(team=team).count()
    if contacts != args.contacts or leads != min(args.assignments, contacts):
        return None
    return team.manager, team


def purge(manager_prefix: str = BENCH_PREFIX) -> None:
    """Delete the users, team and rule this benchmark adds (contacts go with purge_bench_data)."""
    from bench._common import purge_bench_data

    purge_bench_data()
    User = get_user_model()
    users = User.objects.filter(username__startswith=manager_prefix)
    RoutingDecision.objects.filter(Q(rep__in=users) | Q(actor__in=users)).delete()
    Assignment.objects.filter(team__name__startswith=manager_prefix).delete()
    RoutingRule.objects.filter(name__startswith=manager_prefix).delete()
    RepProfile.objects.filter(user__in=users).delete()
    Team.objects.filter(name__startswith=manager_prefix).delete()
    users.delete()
