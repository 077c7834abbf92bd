"""
Reads for the funnel dashboard, across contacts, scoring and routing.

The funnel follows a cohort: the contacts who became leads in the period (Contact.lead_at),
optionally from one lead source, and how far each of them has got since, by the stage dates
contacts keep (set once, never cleared). A contact counts as having reached a stage when that
stage's date or any later stage's date is set, so a lead that skipped SQL on its way to a won
deal still counts as an SQL and the funnel never widens.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from contacts.models import Contact
from scoring.models import ScoringModel

# (stage, its date field, label), in funnel order.
FUNNEL = [
    ("lead", "lead_at", "Lead"),
    ("mql", "mql_at", "MQL"),
    ("sal", "sal_at", "SAL (accepted)"),
    ("sql", "sql_at", "SQL"),
    ("opportunity", "opportunity_at", "Opportunity"),
    ("customer", "customer_at", "Won (customer)"),
]


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    count: int
    # Share of the stage above (None for the first), and of all leads.
    conversion: float | None
    of_leads: float | None


def funnel_cohort(*, start: datetime, end: datetime, lead_source: str = "") -> QuerySet[Contact]:
    """Contacts who became leads in [start, end), of one lead source if given."""
    cohort = Contact.objects.filter(lead_at__gte=start, lead_at__lt=end)
    return cohort.filter(lead_source=lead_source) if lead_source else cohort


def _reached(position: int) -> Q:
    condition = Q()
    for _, field, _ in FUNNEL[position:]:
        condition |= Q(**{f"{field}__isnull": False})
    return condition


def funnel_stages(cohort: QuerySet[Contact]) -> list[Stage]:
    """How many of the cohort reached each stage, in one query, with conversions."""
    counts = cohort.aggregate(
        **{key: Count("pk", filter=_reached(i)) for i, (key, _, _) in enumerate(FUNNEL)}
    )
    stages, previous = [], None
    leads = counts["lead"]
    for key, _, label in FUNNEL:
        count = counts[key]
        stages.append(
            Stage(
                key=key,
                label=label,
                count=count,
                conversion=(count / previous if previous else None)
                if previous is not None
                else None,
                of_leads=count / leads if leads else None,
            )
        )
        previous = count
    return stages


def _median_days(pairs: list[tuple[datetime | None, datetime | None]]) -> tuple[float | None, int]:
    gaps = [
        (later - earlier).total_seconds() / 86400
        for earlier, later in pairs
        if earlier is not None and later is not None and later >= earlier
    ]
    return (statistics.median(gaps) if gaps else None), len(gaps)


def stage_times(cohort: QuerySet[Contact]) -> dict[str, tuple[float | None, int]]:
    """Median days (and how many contacts) from lead to MQL, MQL to accepted, MQL to won."""
    rows = list(cohort.values_list("lead_at", "mql_at", "sal_at", "customer_at"))
    return {
        "lead_to_mql": _median_days([(lead, mql) for lead, mql, _, _ in rows]),
        "mql_to_sal": _median_days([(mql, sal) for _, mql, sal, _ in rows]),
        "mql_to_won": _median_days([(mql, won) for _, mql, _, won in rows]),
    }


def recycled_count(cohort: QuerySet[Contact]) -> int:
    return cohort.filter(recycled_at__isnull=False).count()


def closed_reasons(cohort: QuerySet[Contact]) -> dict[str, list[tuple[str, int]]] | None:
    """
    Why reps rejected (recycled) or disqualified the cohort's leads, from routing's
    assignments: the reason's label, before any note the rep added. None when routing's
    tables are not there (routing not migrated).
    """
    try:
        from routing.models import Assignment, AssignmentStatus
    except ImportError:  # pragma: no cover - routing is an installed app
        return None
    result: dict[str, list[tuple[str, int]]] = {}
    try:
        with transaction.atomic():
            for status in (AssignmentStatus.REJECTED, AssignmentStatus.DISQUALIFIED):
                texts = Assignment.objects.filter(
                    contact__in=cohort.values("pk"), status=status
                ).values_list("close_reason", flat=True)
                counts: dict[str, int] = {}
                for text in texts:
                    label = (text or "No reason given").split(":", 1)[0].strip()
                    counts[label] = counts.get(label, 0) + 1
                result[status] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    except DatabaseError:
        return None
    return result


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def mqls_per_week(
    *, start: datetime, end: datetime, lead_source: str = ""
) -> list[tuple[date, int]]:
    """Contacts that became MQLs each week (Monday first) of [start, end), zeros included."""
    contacts = Contact.objects.filter(mql_at__gte=start, mql_at__lt=end)
    if lead_source:
        contacts = contacts.filter(lead_source=lead_source)
    counts = {
        (row["week"].date() if isinstance(row["week"], datetime) else row["week"]): row["n"]
        for row in contacts.annotate(week=TruncWeek("mql_at"))
        .values("week")
        .annotate(n=Count("pk"))
    }
    weeks, day = [], week_start(start.date())
    while day < end.date() or (day == week_start(end.date()) and end.date() > day):
        weeks.append((day, counts.get(day, 0)))
        day += timedelta(days=7)
    return weeks


def publications(*, start: datetime, end: datetime) -> list[ScoringModel]:
    """Scoring model versions published in [start, end), oldest first."""
    return list(
        ScoringModel.objects.filter(published_at__gte=start, published_at__lt=end).order_by(
            "published_at"
        )
    )
