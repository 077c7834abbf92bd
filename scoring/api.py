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
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets

from contacts.api_docs import ERRORS
from contacts.models import LifecycleStage
from contacts.selectors import contacts_visible_to
from integrations.api import ApiCursorPagination, ErrorSerializer, UtcIsoDateTimeFilter
from integrations.filters import (
    API_FILTER_BACKENDS,
    IdFilter,
    KnownIdFilter,
    PointsFilter,
    StrictBooleanFilter,
)
from integrations.models import ApiKey, Scope
from integrations.permissions import sees_only_own_leads
from integrations.strict import StrictTypesMixin
from scoring import score_reads, selectors
from scoring.models import (
    AuditAction,
    ContactScore,
    Dimension,
    Qualification,
    RuleCondition,
    ScoringLine,
    ScoringModel,
    ScoringRule,
)
from scoring.services import audit_record


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
    model_id = serializers.IntegerField(
        source="line_id",
        read_only=True,
        help_text="The live scoring model (product line) this score is under: `?model=<id>`.",
    )
    model_version = serializers.IntegerField(source="scoring_model.version", read_only=True)
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
            "model_id",
            "model_version",
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
        score = score_reads.score_now(instance, now=now)
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
                    {"id": a.pk, "occurred_at": a.occurred_at.isoformat().replace("+00:00", "Z")}
                    for a in behind.get(part["rule_id"], ())
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
    model = KnownIdFilter(
        field_name="line_id",
        label="Scoring model id (GET /api/v1/scoring-models/); default: the default model",
        queryset=ScoringLine.objects.filter(versions__is_live=True),
        unknown="No live scoring model has id {id}: GET /api/v1/scoring-models/ lists them.",
    )
    grade = django_filters.MultipleChoiceFilter(choices=[(g, g) for g in "ABCD"])
    band = django_filters.MultipleChoiceFilter(choices=[(1, "1"), (2, "2"), (3, "3")])
    fit_min = PointsFilter(field_name="fit", lookup_expr="gte")
    fit_max = PointsFilter(field_name="fit", lookup_expr="lte")
    # The stored interest: the rows show it as of now (decay and windows are computed on read),
    # and the beat rewrites a stored score only when time moves its band or MQL state, so these
    # compare a value up to a band away from the one shown (ordering by interest too). Band and
    # meets_threshold follow time within a minute.
    interest_min = PointsFilter(
        field_name="interest",
        lookup_expr="gte",
        label="Interest at least, as last stored (rows show it as of now; use band for time)",
    )
    interest_max = PointsFilter(
        field_name="interest",
        lookup_expr="lte",
        label="Interest at most, as last stored (rows show it as of now; use band for time)",
    )
    meets_threshold = StrictBooleanFilter()
    mql = StrictBooleanFilter(field_name="is_mql")
    lifecycle_stage = django_filters.MultipleChoiceFilter(
        field_name="contact__lifecycle_stage", choices=LifecycleStage.choices
    )
    company = IdFilter(field_name="contact__company_id")
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
        "that explains them, as of now, under the default scoring model or the one "
        "`?model=<id>` names (GET /api/v1/scoring-models/); an id that names no live "
        "scoring model is a 400. `interest_min` and `interest_max` (and ordering by interest) "
        "compare the interest last stored, which time rewrites only when it moves the band or "
        "the MQL state: filter on `band` for where interest stands now.",
        responses={200: ScoreSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One contact's score (by contact id)", responses={200: ScoreSerializer, **ERRORS}
    ),
)
class ScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scores under one live scoring model (the default unless `?model=<id>`), by contact id."""

    serializer_class = ScoreSerializer
    pagination_class = ApiCursorPagination
    filterset_class = ScoreFilter
    filter_backends = API_FILTER_BACKENDS
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
            contact=OuterRef("contact_id"), line_id=OuterRef("line_id"), closed_at__isnull=True
        )
        # Scores of the lines that have a live version, whichever version wrote them: after a
        # publish, rows keep naming the retired one until the rescore run reaches them.
        live_lines = ScoringModel.objects.filter(is_live=True).values("line_id")
        qs = (
            ContactScore.objects.select_related("contact", "scoring_model")
            .filter(line_id__in=live_lines)
            .annotate(is_mql=Exists(open_q), mql_status=Subquery(open_q.values("status")[:1]))
        )
        if not self.request.query_params.get("model"):
            # One row per contact: the default model's, unless ?model= names another.
            qs = qs.filter(line__is_default=True)
        if sees_only_own_leads(self.request.user):
            # The one visibility rule for contacts (contacts.selectors.contacts_visible_to).
            visible = contacts_visible_to(self.request.user).values("pk")
            qs = qs.filter(contact_id__in=visible)
        return qs


class ScoringRuleFilter(django_filters.FilterSet):
    scoring_model = IdFilter(field_name="scoring_model_id", label="Version (scoring model id)")
    dimension = django_filters.ChoiceFilter(choices=Dimension.choices)
    is_active = StrictBooleanFilter()

    class Meta:
        model = ScoringRule
        fields = ["scoring_model", "dimension", "is_active"]


class RuleConditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleCondition
        fields = ["id", "property", "operator", "value", "min_value", "max_value"]
        read_only_fields = fields


class ScoringRuleSerializer(StrictTypesMixin, serializers.ModelSerializer):
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
            "position": {"max_value": 1_000_000},
        }


class VersionFrozen(exceptions.APIException):
    """409: a live or retired version's rules are read-only, as in the admin."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "version_frozen"


def _refuse_frozen(model: ScoringModel | None) -> None:
    if model is not None and not model.is_draft:
        raise VersionFrozen(
            f"Version {model.version} ({model.name}) is {model.get_status_display().lower()}: "
            "its rules are read-only. Copy it into a draft (Scoring > Versions in the admin), "
            "change the draft's rules, then publish it."
        )


def _api_note(request) -> str:
    """Which way the change came: an API key (by its prefix) or the browsable API."""
    api_key = request.auth if isinstance(request.auth, ApiKey) else None
    return f"via the API (key {api_key.prefix})" if api_key else "via the API"


def _rule_validate(rule: ScoringRule) -> None:
    """Validate a rule as the admin does."""
    try:
        rule.full_clean()
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc


def _field_value(rule: ScoringRule, name: str) -> Any:
    field = rule._meta.get_field(name)
    if field.is_relation:
        return getattr(rule, name)
    value = getattr(rule, name)
    choices = dict(field.choices or ())
    return choices.get(value, value) if choices else value


@transaction.atomic
def _rule_create(*, data: dict[str, Any], request) -> ScoringRule:
    """Add a rule to a draft, audited as the admin audits it (scoring's signals rescore)."""
    _refuse_frozen(data.get("scoring_model"))
    rule = ScoringRule(**data)
    _rule_validate(rule)
    rule.save()
    audit_record(user=request.user, action=AuditAction.CREATED, obj=rule, note=_api_note(request))
    return rule


@transaction.atomic
def _rule_update(*, rule: ScoringRule, data: dict[str, Any], request) -> ScoringRule:
    """Change a draft's rule; one audit entry per changed field, old and new value."""
    rule = ScoringRule.objects.select_for_update().select_related("scoring_model").get(pk=rule.pk)
    _refuse_frozen(rule.scoring_model)
    if "scoring_model" in data:
        _refuse_frozen(data["scoring_model"])
    before = {name: _field_value(rule, name) for name in data}
    for name, value in data.items():
        setattr(rule, name, value)
    _rule_validate(rule)
    rule.save()
    for name in data:
        old, new = before[name], _field_value(rule, name)
        if old == new:
            continue
        audit_record(
            user=request.user,
            action=AuditAction.CHANGED,
            obj=rule,
            field=str(rule._meta.get_field(name).verbose_name),
            old=old,
            new=new,
            note=_api_note(request),
        )
    return rule


@transaction.atomic
def _rule_delete(*, rule: ScoringRule, request) -> None:
    rule = ScoringRule.objects.select_for_update().select_related("scoring_model").get(pk=rule.pk)
    _refuse_frozen(rule.scoring_model)
    audit_record(user=request.user, action=AuditAction.DELETED, obj=rule, note=_api_note(request))
    rule.delete()


FROZEN_NOTE = (
    "Only rules of a draft version change: rules of the live and retired versions are "
    "read-only (409), as in the admin. Every change is in the audit trail with who made it."
)
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer, description="The rule belongs to a live or retired version."
    )
}

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
        summary="Add a scoring rule to a draft version",
        description=FROZEN_NOTE,
        responses={201: ScoringRuleSerializer, **ERRORS, **CONFLICT},
        examples=[OpenApiExample("Interest rule", value=RULE_EXAMPLE, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="Change a draft's scoring rule",
        description=FROZEN_NOTE,
        responses={200: ScoringRuleSerializer, **ERRORS, **CONFLICT},
    ),
    update=extend_schema(
        summary="Replace a draft's scoring rule",
        description=FROZEN_NOTE,
        responses={200: ScoringRuleSerializer, **ERRORS, **CONFLICT},
    ),
    destroy=extend_schema(
        summary="Delete a draft's scoring rule",
        description=FROZEN_NOTE,
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS, **CONFLICT},
    ),
)
class ScoringRuleViewSet(viewsets.ModelViewSet):
    """Scoring rules, for Marketing ops (needs the 'rules' scope for reading too)."""

    serializer_class = ScoringRuleSerializer
    pagination_class = ApiCursorPagination
    filterset_class = ScoringRuleFilter
    required_scopes = dict.fromkeys(
        ("list", "retrieve", "create", "update", "partial_update", "destroy"), Scope.RULES
    )
    queryset = ScoringRule.objects.prefetch_related("conditions").order_by("-id")

    def perform_create(self, serializer: ScoringRuleSerializer) -> None:
        serializer.instance = _rule_create(data=serializer.validated_data, request=self.request)

    def perform_update(self, serializer: ScoringRuleSerializer) -> None:
        serializer.instance = _rule_update(
            rule=serializer.instance, data=serializer.validated_data, request=self.request
        )

    def perform_destroy(self, instance: ScoringRule) -> None:
        _rule_delete(rule=instance, request=self.request)


class ScoringLineSerializer(serializers.ModelSerializer):
    live_version = serializers.SerializerMethodField(
        help_text="The live version's scoring_model id (its rules: /api/v1/scoring-rules/)."
    )
    version = serializers.SerializerMethodField(help_text="The live version's number.")

    class Meta:
        model = ScoringLine
        fields = ["id", "name", "description", "is_default", "live_version", "version"]
        read_only_fields = fields

    def _live(self, line: ScoringLine) -> ScoringModel | None:
        return next(iter(getattr(line, "live", [])), None)

    def get_live_version(self, line: ScoringLine) -> int | None:
        live = self._live(line)
        return live.pk if live else None

    def get_version(self, line: ScoringLine) -> int | None:
        live = self._live(line)
        return live.version if live else None


@extend_schema_view(
    list=extend_schema(
        summary="List the scoring models",
        description="Each live scoring model (product line or region) scores every contact: "
        "`/api/v1/scores/?model=<id>`. A new installation has one, the default.",
        responses={200: ScoringLineSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One scoring model", responses={200: ScoringLineSerializer, **ERRORS}
    ),
)
class ScoringLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The scoring models side by side, each with its live version."""

    serializer_class = ScoringLineSerializer
    pagination_class = ApiCursorPagination
    required_scopes = {"list": Scope.READ, "retrieve": Scope.READ}
    queryset = ScoringLine.objects.prefetch_related(
        Prefetch("versions", queryset=ScoringModel.objects.filter(is_live=True), to_attr="live")
    ).order_by("id")
