"""Filters for the sales queue."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from contacts.models import LeadSource
from routing.models import Assignment
from scoring.models import ScoringLine

GRADES = [(g, g) for g in "ABCD"]
BANDS = [("1", "1 · Hot"), ("2", "2 · Warm"), ("3", "3 · Cold")]


class QueueFilter(django_filters.FilterSet):
    grade = django_filters.ChoiceFilter(
        field_name="score__grade", choices=GRADES, label="Grade", empty_label="Any grade"
    )
    band = django_filters.ChoiceFilter(
        field_name="score__band", choices=BANDS, label="Band", empty_label="Any band"
    )
    # Shown only when there are several live scoring models (views: `models`).
    model = django_filters.ModelChoiceFilter(
        field_name="qualification__line",
        queryset=ScoringLine.objects.all(),
        label="Scoring model",
        empty_label="Any model",
    )
    source = django_filters.ChoiceFilter(
        field_name="contact__lead_source",
        choices=LeadSource.choices,
        label="Source",
        empty_label="Any source",
    )
    country = django_filters.CharFilter(
        field_name="contact__company__country", lookup_expr="iexact", label="Country"
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="SLA overdue")

    class Meta:
        model = Assignment
        fields = ["grade", "band", "model", "source", "country", "overdue"]

    def filter_overdue(
        self, queryset: QuerySet[Assignment], name: str, value: bool | None
    ) -> QuerySet[Assignment]:
        if value is None:
            return queryset
        now = timezone.now()
        if value:
            return queryset.filter(sla_due_at__lt=now)
        return queryset.exclude(sla_due_at__lt=now)
