"""Filters for the contact list (and, later, the API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from contacts.models import Contact, LeadSource, LifecycleStage


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    lifecycle_stage = django_filters.ChoiceFilter(choices=LifecycleStage.choices, label="Stage")
    lead_source = django_filters.ChoiceFilter(choices=LeadSource.choices, label="Source")
    industry = django_filters.CharFilter(
        field_name="company__industry", lookup_expr="iexact", label="Industry"
    )
    country = django_filters.CharFilter(
        field_name="company__country", lookup_expr="iexact", label="Country"
    )
    min_employees = django_filters.NumberFilter(
        field_name="company__employee_count", lookup_expr="gte", label="Employees at least"
    )
    max_employees = django_filters.NumberFilter(
        field_name="company__employee_count", lookup_expr="lte", label="Employees at most"
    )
    unsubscribed = django_filters.BooleanFilter(label="Unsubscribed")

    class Meta:
        model = Contact
        fields = ["q", "lifecycle_stage", "lead_source", "industry", "country", "unsubscribed"]

    def search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        for term in value.split():
            queryset = queryset.filter(
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
                | Q(job_title__icontains=term)
                | Q(company__name__icontains=term)
            )
        return queryset
