"""
`/api/v1/companies/` with each company's account score (fit, engagement, grade, band, MQA)
and filters on it. Scoring extends contacts' company endpoint here because contacts knows
nothing of scoring (imports run contacts <- scoring); leadscore/api_urls.py registers this one.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from contacts.api import CompanyFilter, CompanyViewSet
from contacts.api_docs import ERRORS
from contacts.api_serializers import CompanySerializer
from contacts.models import Company
from integrations.filters import PointsFilter, StrictBooleanFilter
from scoring import account_selectors
from scoring.models import AccountQualification, AccountScore


class AccountScoreSerializer(serializers.ModelSerializer):
    """The account score under the live model, as stored at scored_at (the beat keeps it
    current through time)."""

    qualified = serializers.BooleanField(
        help_text="A marketing-qualified account (MQA): qualified once, and not closed since."
    )
    qualified_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = AccountScore
        fields = [
            "fit",
            "engagement",
            "grade",
            "band",
            "people_engaged",
            "roles_engaged",
            "meets_threshold",
            "qualified",
            "qualified_at",
            "explanation",
            "scored_at",
        ]
        read_only_fields = fields


class CompanyWithAccountScoreSerializer(CompanySerializer):
    account_score = serializers.SerializerMethodField()

    class Meta(CompanySerializer.Meta):
        fields = [*CompanySerializer.Meta.fields, "account_score"]
        read_only_fields = fields

    @extend_schema_field(AccountScoreSerializer(allow_null=True))
    def get_account_score(self, company: Company) -> dict[str, Any] | None:
        """Null until the company is scored under the live model."""
        score = getattr(company, "account_score", None) if company.has_account_score else None
        if score is None:
            return None
        score.qualified = company.account_qualified_at is not None
        score.qualified_at = company.account_qualified_at
        return AccountScoreSerializer(score).data


_ACCOUNT = (
    "account_grade",
    "account_band",
    "account_fit_min",
    "account_engagement_min",
    "account_qualified",
)


class AccountCompanyFilter(CompanyFilter):
    account_grade = django_filters.MultipleChoiceFilter(
        field_name="account_score__grade", choices=[(g, g) for g in "ABCD"]
    )
    account_band = django_filters.MultipleChoiceFilter(
        field_name="account_score__band", choices=[(1, "1"), (2, "2"), (3, "3")]
    )
    account_fit_min = PointsFilter(field_name="account_score__fit", lookup_expr="gte")
    account_engagement_min = PointsFilter(field_name="account_score__engagement", lookup_expr="gte")
    account_qualified = StrictBooleanFilter(
        method="by_qualified", help_text="Marketing-qualified accounts (an open MQA)."
    )

    class Meta(CompanyFilter.Meta):
        fields = [*CompanyFilter.Meta.fields, *_ACCOUNT]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # A filter on the account score matches only scores under the live model.
        if any(self.form.cleaned_data.get(name) not in (None, "", []) for name in _ACCOUNT):
            queryset = queryset.filter(has_account_score=True)
        return super().filter_queryset(queryset)

    def by_qualified(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(account_qualified_at__isnull=not value)


@extend_schema_view(
    list=extend_schema(
        summary="List companies",
        description="Companies with their account score (null until scored), filterable by "
        "account grade, band, fit, engagement and MQA.",
        responses={200: CompanyWithAccountScoreSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One company", responses={200: CompanyWithAccountScoreSerializer, **ERRORS}
    ),
)
class CompanyWithAccountScoreViewSet(CompanyViewSet):
    """Companies (accounts), matched by their normalised web domain, with account scores."""

    serializer_class = CompanyWithAccountScoreSerializer
    filterset_class = AccountCompanyFilter

    def get_queryset(self) -> QuerySet[Company]:
        open_mqa = AccountQualification.objects.filter(
            company=OuterRef("pk"), closed_at__isnull=True
        ).order_by("-qualified_at")
        live = AccountScore.objects.filter(
            account_selectors.shown_account_score(), company=OuterRef("pk")
        )
        return (
            super()
            .get_queryset()
            .select_related("account_score")
            .annotate(
                has_account_score=Exists(live),
                account_qualified_at=Subquery(open_mqa.values("qualified_at")[:1]),
            )
        )
