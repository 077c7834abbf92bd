"""
The REST API for scores (read) and scoring rules (Marketing ops), under /api/v1/.

Scores live here rather than on /contacts/ because contacts knows nothing of scoring: filter
leads by grade, band and score ranges, and by the contact's stage, company or last update.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.filters import OrderingFilter

from contacts.api import ERRORS
from contacts.models import LifecycleStage
from integrations.api import ApiCursorPagination, UtcIsoDateTimeFilter
from integrations.models import Scope
from integrations.permissions import sees_only_own_leads
from scoring import selectors
from scoring.models import ContactScore, Qualification, RuleCondition, ScoringRule

# Ids are 64-bit: a larger filter value is a 400, not an overflow in the database driver.
ID_MAX = 2**63 - 1


class ScoreSerializer(serializers.ModelSerializer):
    contact_id = serializers.IntegerField(read_only=True)
    email = serializers.CharField(source="contact.email", read_only=True)
    lifecycle_stage = serializers.CharField(source="contact.lifecycle_stage", read_only=True)
    cell = serializers.CharField(read_only=True, help_text="Grade and band: 'A1' is best.")
    mql = serializers.BooleanField(
        source="is_mql", read_only=True, help_text="An open qualification (MQL) exists."
    )
    mql_status = serializers.CharField(
        read_only=True, allow_null=True, help_text="pending (waits for release) or released."
    )
    model = serializers.CharField(source="scoring_model.name", read_only=True)
    as_of = serializers.DateTimeField(
        read_only=True,
        default=None,
        help_text="The moment the scores were computed for (now). Stored values change with "
        "time alone: decay, windows, activities dated in the future.",
    )

    class Meta:
        model = ContactScore
        fields = [
            "contact_id",
            "email",
            "lifecycle_stage",
            "model",
            "fit",
            "interest",
            "grade",
            "band",
            "cell",
            "meets_threshold",
            "hand_raise_rule",
            "mql",
            "mql_status",
            "breakdown",
            "scored_at",
            "as_of",
        ]
        read_only_fields = fields

    def to_representation(self, instance: ContactScore) -> dict[str, Any]:
        """The score as of now (decay, windows, dated activities), like every page shows it."""
        data = super().to_representation(instance)
        now = timezone.now()
        score = selectors.score_now(instance, now=now)
        breakdown = score.breakdown_json()
        if self.context.get("with_activities") and instance.rule_states:
            # One contact: each interest line lists the activities behind it (derived now).
            behind = selectors.breakdown_activities(
                contact_id=instance.contact_id,
                spec=selectors.cached_model_spec(instance.scoring_model),
                now=now,
            )
            for part in breakdown["interest"]:
                part["activities"] = [
                    {"id": e.id, "occurred_at": e.occurred_at.isoformat().replace("+00:00", "Z")}
                    for e in behind.get(part["rule_id"], ())
                ]
        data.update(
            fit=score.fit,
            interest=score.interest,
            grade=score.grade,
            band=score.band,
            cell=score.cell,
            meets_threshold=score.meets_threshold,
            hand_raise_rule=score.hand_raise_rule,
            breakdown=breakdown,
            as_of=now.isoformat().replace("+00:00", "Z"),
        )
        return data


class ScoreFilter(django_filters.FilterSet):
    grade = django_filters.MultipleChoiceFilter(choices=[(g, g) for g in "ABCD"])
    band = django_filters.MultipleChoiceFilter(choices=[(1, "1"), (2, "2"), (3, "3")])
    fit_min = django_filters.NumberFilter(field_name="fit", lookup_expr="gte")
    fit_max = django_filters.NumberFilter(field_name="fit", lookup_expr="lte")
    interest_min = django_filters.NumberFilter(field_name="interest", lookup_expr="gte")
    interest_max = django_filters.NumberFilter(field_name="interest", lookup_expr="lte")
    meets_threshold = django_filters.BooleanFilter()
    mql = django_filters.BooleanFilter(field_name="is_mql")
    lifecycle_stage = django_filters.MultipleChoiceFilter(
        field_name="contact__lifecycle_stage", choices=LifecycleStage.choices
    )
    company = django_filters.NumberFilter(
        field_name="contact__company_id", min_value=1, max_value=ID_MAX
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="contact__updated_at", lookup_expr="gte", label="Contact updated since"
    )
    scored_since = UtcIsoDateTimeFilter(field_name="scored_at", lookup_expr="gte")

    class Meta:
        model = ContactScore
        fields = ["grade", "band", "meets_threshold"]


@extend_schema_view(
    list=extend_schema(
        summary="List scores",
        description="Each contact's fit, interest, grade, band, MQL state and the breakdown "
        "that explains them (as of scored_at; interest decays from there).",
        responses={200: ScoreSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One contact's score (by contact id)", responses={200: ScoreSerializer, **ERRORS}
    ),
)
class ScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scores under the live model, by contact id."""

    serializer_class = ScoreSerializer
    pagination_class = ApiCursorPagination
    filterset_class = ScoreFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["contact_id", "fit", "interest", "scored_at"]
    ordering = ["-contact_id"]
    lookup_field = "contact_id"
    lookup_value_regex = r"\d+"
    required_scopes = {"list": Scope.READ, "retrieve": Scope.READ}

    def get_serializer_context(self) -> dict[str, Any]:
        # One contact's score lists the activities behind each interest line.
        return {**super().get_serializer_context(), "with_activities": self.action == "retrieve"}

    def get_queryset(self) -> QuerySet[ContactScore]:
        open_q = Qualification.objects.filter(
            contact=OuterRef("contact_id"), closed_at__isnull=True
        )
        qs = (
            ContactScore.objects.select_related("contact", "scoring_model")
            .filter(scoring_model__is_live=True)
            .annotate(is_mql=Exists(open_q), mql_status=Subquery(open_q.values("status")[:1]))
        )
        if sees_only_own_leads(self.request.user):
            qs = qs.filter(contact__company__account_owner=self.request.user)
        return qs


class RuleConditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleCondition
        fields = ["id", "property", "operator", "value", "min_value", "max_value"]
        read_only_fields = fields


class ScoringRuleSerializer(serializers.ModelSerializer):
    conditions = RuleConditionSerializer(many=True, read_only=True)

    class Meta:
        model = ScoringRule
        fields = [
            "id",
            "scoring_model",
            "name",
            "description",
            "dimension",
            "points",
            "is_active",
            "is_hand_raise",
            "position",
            "attribute",
            "property_name",
            "operator",
            "value",
            "min_value",
            "max_value",
            "activity_kind",
            "custom_kind",
            "max_occurrences",
            "max_points",
            "window_days",
            "conditions",
        ]
        read_only_fields = ["id", "conditions"]
        extra_kwargs = {
            "points": {"min_value": -1_000_000, "max_value": 1_000_000},
            "min_value": {"min_value": -1e15, "max_value": 1e15},
            "max_value": {"min_value": -1e15, "max_value": 1e15},
            "max_points": {"min_value": 0, "max_value": 1_000_000},
            "max_occurrences": {"max_value": 1_000_000},
            "window_days": {"max_value": 36_500},
            "position": {"max_value": 1_000_000},
        }


@transaction.atomic
def _rule_save(rule: ScoringRule) -> ScoringRule:
    """Validate a rule as the admin does, then save it (scoring's signals queue the rescore)."""
    try:
        rule.full_clean()
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc
    rule.save()
    return rule


RULE_EXAMPLE = {
    "scoring_model": 1,
    "name": "Pricing page",
    "description": "Looked at pricing",
    "dimension": "interest",
    "points": 5,
    "activity_kind": "pricing_page_view",
    "max_points": 15,
    "window_days": 30,
}


@extend_schema_view(
    list=extend_schema(
        summary="List scoring rules", responses={200: ScoringRuleSerializer, **ERRORS}
    ),
    retrieve=extend_schema(
        summary="One scoring rule", responses={200: ScoringRuleSerializer, **ERRORS}
    ),
    create=extend_schema(
        summary="Add a scoring rule",
        description="Changing a rule of the live model rescores every contact in the background.",
        responses={201: ScoringRuleSerializer, **ERRORS},
        examples=[OpenApiExample("Interest rule", value=RULE_EXAMPLE, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="Change a scoring rule", responses={200: ScoringRuleSerializer, **ERRORS}
    ),
    update=extend_schema(
        summary="Replace a scoring rule", responses={200: ScoringRuleSerializer, **ERRORS}
    ),
    destroy=extend_schema(
        summary="Delete a scoring rule",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    ),
)
class ScoringRuleViewSet(viewsets.ModelViewSet):
    """Scoring rules, for Marketing ops (needs the 'rules' scope for reading too)."""

    serializer_class = ScoringRuleSerializer
    pagination_class = ApiCursorPagination
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_fields = ["scoring_model", "dimension", "is_active"]
    required_scopes = dict.fromkeys(
        ("list", "retrieve", "create", "update", "partial_update", "destroy"), Scope.RULES
    )
    queryset = ScoringRule.objects.prefetch_related("conditions").order_by("-id")

    def perform_create(self, serializer: ScoringRuleSerializer) -> None:
        serializer.instance = _rule_save(ScoringRule(**serializer.validated_data))

    def perform_update(self, serializer: ScoringRuleSerializer) -> None:
        rule = serializer.instance
        data: dict[str, Any] = serializer.validated_data
        for name, value in data.items():
            setattr(rule, name, value)
        serializer.instance = _rule_save(rule)
