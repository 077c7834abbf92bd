"""The contact list's filters: the contacts app's own, plus scores, owner and MQL state."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from contacts.filters import ContactFilter
from contacts.models import Contact
from leadscore.ids import row_id
from scoring.models import ScoringLine

GRADES = [(g, g) for g in "ABCD"]
BANDS = [("1", "1 · Hot"), ("2", "2 · Warm"), ("3", "3 · Cold")]


class WorkspaceContactFilter(ContactFilter):
    """Filters over `workspace.selectors.contact_rows` (which carries owner_id and is_mql)."""

    grade = django_filters.MultipleChoiceFilter(
        field_name="score__grade",
        choices=GRADES,
        label="Grade",
        widget=forms.CheckboxSelectMultiple,
    )
    band = django_filters.MultipleChoiceFilter(
        field_name="score__band", choices=BANDS, label="Band", widget=forms.CheckboxSelectMultiple
    )
    fit_min = django_filters.NumberFilter(
        field_name="score__fit", lookup_expr="gte", label="Fit at least"
    )
    fit_max = django_filters.NumberFilter(
        field_name="score__fit", lookup_expr="lte", label="Fit at most"
    )
    interest_min = django_filters.NumberFilter(
        field_name="score__interest", lookup_expr="gte", label="Interest at least"
    )
    interest_max = django_filters.NumberFilter(
        field_name="score__interest", lookup_expr="lte", label="Interest at most"
    )
    probability_min = django_filters.NumberFilter(
        method="filter_probability_min",
        label="Win probability at least (%)",
        min_value=0,
        max_value=100,
    )
    # The scoring model the scores come from (workspace.selectors.contact_rows applies it):
    # shown only when several models are live.
    model = django_filters.ModelChoiceFilter(
        queryset=ScoringLine.objects.all(),
        method="filter_model",
        label="Scoring model",
        empty_label="Default model",
    )
    owner = django_filters.CharFilter(method="filter_owner", label="Owner")
    # Not "MQL": that is also a lifecycle stage, and the what-if's "meets the MQL rule".
    mql = django_filters.BooleanFilter(
        method="filter_mql",
        label="Open qualification",
        help_text="Qualified as an MQL and not closed since (rejected, recycled, disqualified, "
        "won or lost), whatever the score says now",
    )

    class Meta:
        model = Contact
        fields = ContactFilter.Meta.fields

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_model(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # applied by contact_rows, which joins that model's scores

    def filter_probability_min(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(prediction__probability__gte=float(value) / 100)

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """'me', 'none' (nobody owns it) or a user id; anything else matches nobody."""
        value = value.strip()
        if value == "me":
            return queryset.filter(owner_id=getattr(self.user, "pk", None) or 0)
        if value == "none":
            return queryset.filter(owner_id__isnull=True)
        owner_id = row_id(value)
        return queryset.filter(owner_id=owner_id) if owner_id else queryset.none()

    def filter_mql(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """MQL: an open qualification (qualified and not yet closed by sales)."""
        if value is None:
            return queryset
        return queryset.filter(Q(is_mql=True) if value else Q(is_mql=False))


class CompanyAccountFilter(django_filters.FilterSet):
    """The companies list's filters over `workspace.selectors.company_rows`."""

    q = django_filters.CharFilter(method="search", label="Search")
    account_grade = django_filters.MultipleChoiceFilter(
        field_name="account_grade", choices=GRADES, label="Account grade"
    )
    account_band = django_filters.MultipleChoiceFilter(
        field_name="account_band", choices=BANDS, label="Account band"
    )
    mqa = django_filters.BooleanFilter(
        method="filter_mqa",
        label="MQA",
        widget=forms.Select(choices=[("", "Any"), ("true", "MQA"), ("false", "Not MQA")]),
    )

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(Q(name__icontains=word) | Q(domain__icontains=word))
        return queryset

    def filter_mqa(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(mqa_at__isnull=not value)
