"""
The REST API for companies, contacts and activities (under /api/v1/, see leadscore/api_urls.py).

Views are thin: serializers check each row's shape, contacts.services does the upserts. Writes
of one record go through the same bulk services as a batch of one, so a single POST and a row
of a bulk request behave the same (upsert by email or domain, idempotent events).
"""

from __future__ import annotations

import contextlib
import json
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from contacts import privacy, selectors, services
from contacts.merging import contact_duplicates, contacts_merge
from contacts.models import (
    STAGE_DATE_FIELDS,
    Activity,
    ActivityKind,
    Company,
    Contact,
    ErasureVia,
    LeadSource,
    LifecycleStage,
)
from contacts.services import ActivityRow, CompanyRow, ContactRow, RowStatus
from integrations.api import (
    ApiCursorPagination,
    BulkResponseSerializer,
    ErrorSerializer,
    UtcIsoDateTimeFilter,
    atomic_rejected_by_shape,
    bulk_envelope,
    bulk_response,
    validate_rows,
)
from integrations.filters import IdFilter, StrictBooleanFilter
from integrations.models import Scope
from integrations.strict import StrictTypesMixin
from leadscore.batch_gc import fewer_collections

INT_MAX = 2_147_483_647
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The request is malformed."),
    401: OpenApiResponse(ErrorSerializer, description="No valid API key or session."),
    403: OpenApiResponse(ErrorSerializer, description="The key's scope or the role refuses it."),
    429: OpenApiResponse(ErrorSerializer, description="Rate limit hit; see Retry-After."),
}


# ---- Serializers: shape only -------------------------------------------------------------


# Ids are 64-bit: a larger filter value is a 400, not an overflow in the database driver.
ID_MAX = 2**63 - 1


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "employee_count",
            "annual_revenue",
            "country",
            "region",
            "city",
            "technologies",
            "properties",
            "account_owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number", "minimum": -99_999_999_999_999, "maximum": 99_999_999_999_999},
            {"type": "string", "pattern": r"^-?\d{1,14}(\.\d{1,2})?$"},
        ],
        "nullable": True,
    }
)
class RevenueField(serializers.DecimalField):
    """An amount sent as a JSON number or a numeric string, rounded to cents."""

    PATTERN = re.compile(r"-?\d{1,14}(\.\d{1,2})?")

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and not self.PATTERN.fullmatch(data):
            raise serializers.ValidationError("A number with at most 14 digits and 2 decimals.")
        return super().run_validation(data)

    def validate_precision(self, value: Decimal) -> Decimal:
        # Too many digits to round raises InvalidOperation: the check below refuses those.
        with contextlib.suppress(InvalidOperation):
            value = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return super().validate_precision(value)


class CompanyInSerializer(StrictTypesMixin, serializers.Serializer):
    """A company to upsert by domain; fields left out (or empty) keep their stored value."""

    domain = serializers.CharField(
        max_length=255, help_text="Any form: 'https://www.Example.com/about' is example.com."
    )
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    employee_count = serializers.IntegerField(
        min_value=0, max_value=INT_MAX, required=False, allow_null=True
    )
    annual_revenue = RevenueField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    technologies = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=200
    )


class CompanyRefSerializer(serializers.ModelSerializer):
    """The contact's company in short; null when the contact has none."""

    class Meta:
        model = Company
        fields = ["id", "name", "domain"]


class IdentitySerializer(serializers.Serializer):
    source = serializers.CharField()
    external_id = serializers.CharField()


class ContactSerializer(serializers.ModelSerializer):
    # Plain text, not format "email": empty for a contact known only by an external id.
    email = serializers.CharField(
        read_only=True, help_text="Empty for a contact known only by an external id."
    )
    company = CompanyRefSerializer(read_only=True, allow_null=True)
    stage_dates = serializers.SerializerMethodField()
    identities = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "job_title",
            "phone",
            "company",
            "identities",
            "country",
            "region",
            "city",
            "lead_source",
            "lead_source_raw",
            "lifecycle_stage",
            "stage_dates",
            "do_not_contact",
            "unsubscribed",
            "properties",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @staticmethod
    @extend_schema_field(IdentitySerializer(many=True))
    def get_identities(contact: Contact) -> list[dict[str, str]]:
        """The contact's ids in other systems."""
        return [
            {"source": i.source, "external_id": i.external_id} for i in contact.identities.all()
        ]

    @staticmethod
    def get_stage_dates(contact: Contact) -> dict[str, str | None]:
        """When each lifecycle stage was first reached (null: never)."""
        return {
            stage: value.isoformat() if (value := getattr(contact, name)) else None
            for stage, name in STAGE_DATE_FIELDS.items()
        }


# Custom properties: bounded so one contact cannot carry megabytes (README, "Limits").
PROPERTIES_MAX_KEYS = 200
PROPERTY_KEY_MAX_LENGTH = 100
PROPERTY_VALUE_MAX_LENGTH = 10_000


def _json_without_nul(value: Any) -> Any:
    if services.has_nul(value):
        raise serializers.ValidationError("May not contain NUL characters.")
    return value


def _properties_bounded(value: dict[str, Any]) -> dict[str, Any]:
    """At most 200 keys of up to 100 characters; each value at most 10,000 characters as JSON."""
    if len(value) > PROPERTIES_MAX_KEYS:
        raise serializers.ValidationError(f"At most {PROPERTIES_MAX_KEYS} properties.")
    for key, item in value.items():
        if not key.strip() or len(key) > PROPERTY_KEY_MAX_LENGTH:
            raise serializers.ValidationError(
                f"Property names have 1 to {PROPERTY_KEY_MAX_LENGTH} characters."
            )
        size = len(item) if isinstance(item, str) else len(json.dumps(item, default=str))
        if size > PROPERTY_VALUE_MAX_LENGTH:
            raise serializers.ValidationError(
                f"The value of '{key[:40]}' is longer than {PROPERTY_VALUE_MAX_LENGTH:,} "
                "characters."
            )
    return value


PROPERTIES_HELP = (
    f"at most {PROPERTIES_MAX_KEYS} keys of up to {PROPERTY_KEY_MAX_LENGTH} characters, each "
    f"value up to {PROPERTY_VALUE_MAX_LENGTH:,} characters"
)


class ContactInSerializer(StrictTypesMixin, serializers.Serializer):
    """
    A contact to upsert, found by (source, external_id) when given, else by email (any case).
    Give either. Fields left out keep their stored value.
    """

    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    source = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The system external_id belongs to: 'hubspot', 'salesforce', your CRM...",
    )
    external_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The contact's id in that system; the contact is found by it next time.",
    )
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lead_source_raw = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The lead source as your system names it; lead_source is its category.",
    )
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    lead_source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    lifecycle_stage = serializers.ChoiceField(choices=LifecycleStage.choices, required=False)
    do_not_contact = serializers.BooleanField(required=False)
    unsubscribed = serializers.BooleanField(required=False)
    properties = serializers.DictField(
        required=False,
        validators=[_json_without_nul, _properties_bounded],
        help_text="Custom properties, merged into the stored ones (a key given replaces it); "
        + PROPERTIES_HELP
        + ".",
    )
    company = CompanyInSerializer(
        required=False,
        allow_null=True,
        help_text="The contact's company, upserted by domain and linked to the contact.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("email") and not (attrs.get("external_id") or "").strip():
            raise serializers.ValidationError(
                {"email": ["Give the contact's email or its external_id (with its source)."]}
            )
        return attrs


class MergeInSerializer(serializers.Serializer):
    duplicates = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        min_length=1,
        max_length=100,
        help_text="Ids of the contacts to merge into this one.",
    )


class ActivitySerializer(serializers.ModelSerializer):
    contact_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "contact_id",
            "kind",
            "custom_kind",
            "occurred_at",
            "properties",
            "source",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


class ActivityInSerializer(StrictTypesMixin, serializers.Serializer):
    """An event. Give (source, external_id) to make re-sending it harmless."""

    contact_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    contact_email = serializers.EmailField(
        max_length=254, required=False, help_text="Matched case-insensitively."
    )
    contact_source = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="With contact_external_id: the system the contact's id belongs to.",
    )
    contact_external_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The contact's id in contact_source (instead of its email or contact_id).",
    )
    create_contact = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Create the contact from contact_email / contact_external_id when none is "
        "found, instead of answering an error.",
    )
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    custom_kind = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Names a 'custom' kind."
    )
    occurred_at = serializers.DateTimeField()
    properties = serializers.DictField(
        required=False,
        validators=[_json_without_nul, _properties_bounded],
        help_text="Details the scoring rules can test: url, form_name, asset, percent_watched…; "
        + PROPERTIES_HELP
        + ".",
    )
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The event's id at its source; with source, stores the event once.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (
            not attrs.get("contact_id")
            and not attrs.get("contact_email")
            and not (attrs.get("contact_external_id") or "").strip()
        ):
            raise serializers.ValidationError(
                {"contact_email": ["Give the contact's email, contact_id or contact_external_id."]}
            )
        return attrs


def _company_row(index: int, data: dict[str, Any]) -> CompanyRow:
    fields = {k: v for k, v in data.items() if k != "domain"}
    return CompanyRow(index=index, domain=data["domain"], fields=fields)


def _contact_row(index: int, data: dict[str, Any]) -> ContactRow:
    data = dict(data)
    company = data.pop("company", None)
    return ContactRow(
        index=index,
        email=data.pop("email", "") or "",
        source=data.pop("source", "") or "",
        external_id=data.pop("external_id", "") or "",
        properties=data.pop("properties", {}) or {},
        company=dict(company) if company else None,
        fields=data,
    )


def _activity_row(index: int, data: dict[str, Any]) -> ActivityRow:
    return ActivityRow(
        index=index,
        contact_id=data.get("contact_id"),
        contact_email=data.get("contact_email", ""),
        contact_source=data.get("contact_source", "") or "",
        contact_external_id=data.get("contact_external_id", "") or "",
        create_contact=bool(data.get("create_contact")),
        kind=data["kind"],
        custom_kind=data.get("custom_kind", ""),
        occurred_at=data["occurred_at"],
        properties=data.get("properties") or {},
        source=data.get("source", ""),
        external_id=data.get("external_id", ""),
    )


# ---- Examples ----------------------------------------------------------------------------

CONTACT_EXAMPLE = {
    "email": "ada@example.com",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "job_title": "VP Engineering",
    "lead_source": "organic_search",
    "properties": {"utm_campaign": "spring-launch"},
    "company": {"domain": "example.com", "name": "Example Ltd", "industry": "Software"},
}
ACTIVITY_EXAMPLE = {
    "contact_email": "ada@example.com",
    "kind": "pricing_page_view",
    "occurred_at": "2025-05-01T09:30:00Z",
    "properties": {"url": "/pricing"},
    "source": "website",
    "external_id": "evt_01HZX3",
}
BULK_RESPONSE_EXAMPLE = {
    "committed": True,
    "atomic": False,
    "counts": {"created": 1, "updated": 0, "unchanged": 1, "error": 1},
    "results": [
        {"index": 0, "status": "created", "id": 1042},
        {"index": 1, "status": "unchanged", "id": 977},
        {"index": 2, "status": "error", "id": None, "errors": {"email": ["Enter a valid email"]}},
    ],
}


def _bulk_doc(item: type[serializers.Serializer], example: dict[str, Any], what: str):
    return extend_schema(
        summary=f"Upsert up to 10,000 {what} in one request",
        description=(
            "Every row is validated and written on its own: the response lists each row's "
            "result (created / updated / unchanged / error with field messages) by its index. "
            "A failing row writes nothing. With `atomic: true` (or `?atomic=true`) one failing "
            "row rolls back the whole batch (422). Affected contacts are rescored once, after "
            "the batch."
        ),
        request=inline_serializer(
            name=f"Bulk{item.__name__.removesuffix('InSerializer')}Request",
            fields={
                "atomic": serializers.BooleanField(default=False),
                # Any objects at the HTTP level: each row is checked on its own against
                # the single-record schema and answered with its own error (a 200 with
                # error rows, or 422 when atomic).
                "items": serializers.ListField(
                    child=serializers.DictField(),
                    min_length=1,
                    max_length=services.BULK_MAX_ROWS,
                    help_text=f"Rows shaped like {item.__name__.removesuffix('Serializer')}"
                    "Request; a row that does not fit is answered as an error row.",
                ),
            },
        ),
        parameters=[OpenApiParameter("atomic", OpenApiTypes.BOOL, description="All or nothing.")],
        responses={
            200: BulkResponseSerializer,
            422: OpenApiResponse(BulkResponseSerializer, description="Atomic batch rolled back."),
            **ERRORS,
        },
        examples=[
            OpenApiExample(
                "Two rows", value={"atomic": False, "items": [example, example]}, request_only=True
            ),
            OpenApiExample("Row results", value=BULK_RESPONSE_EXAMPLE, response_only=True),
        ],
    )


class _BulkMixin:
    """POST …/bulk/ for a resource: shape per row, then one service call for the batch."""

    bulk_actions = ("bulk",)
    in_serializer: type[serializers.Serializer]

    @fewer_collections()  # a batch of up to thousands of rows: one batch's worth of objects
    def _bulk(self, request: Request, to_row, service, **options) -> Response:
        items, atomic = bulk_envelope(request)
        valid, shape_errors = validate_rows(self.in_serializer, items)
        if atomic and shape_errors:
            return atomic_rejected_by_shape(shape_errors, valid)
        rows = [to_row(index, data) for index, data in valid]
        result = service(rows=rows, atomic=atomic, **options)
        return bulk_response(result, shape_errors, atomic=atomic)

    def _single(self, request: Request, to_row, service, out_serializer, queryset) -> Response:
        serializer = self.in_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = service(rows=[to_row(0, serializer.validated_data)])
        row = result.results[0]
        if row.status == RowStatus.ERROR:
            return Response(
                {"detail": "The row was refused.", "code": "invalid", "errors": row.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        instance = queryset.get(pk=row.id)
        code = status.HTTP_201_CREATED if row.status == RowStatus.CREATED else status.HTTP_200_OK
        body = {"status": row.status, **out_serializer(instance).data}
        return Response(body, status=code)


def _upsert_response(serializer, description: str) -> dict:
    return {
        200: OpenApiResponse(serializer, description=f"{description} existed (updated or not)."),
        201: OpenApiResponse(serializer, description=f"{description} was created."),
        **ERRORS,
    }


# ---- Companies ---------------------------------------------------------------------------


class CompanyFilter(django_filters.FilterSet):
    domain = django_filters.CharFilter(method="by_domain")
    industry = django_filters.CharFilter(lookup_expr="iexact")
    country = django_filters.CharFilter(lookup_expr="iexact")
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Company
        fields = ["domain", "industry", "country", "updated_since"]

    def by_domain(self, queryset, name, value):
        return queryset.filter(domain=services.normalize_domain(value))


@extend_schema_view(
    list=extend_schema(summary="List companies", responses={200: CompanySerializer, **ERRORS}),
    retrieve=extend_schema(summary="One company", responses={200: CompanySerializer, **ERRORS}),
)
class CompanyViewSet(
    _BulkMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Companies (accounts), matched by their normalised web domain."""

    serializer_class = CompanySerializer
    in_serializer = CompanyInSerializer
    pagination_class = ApiCursorPagination
    filterset_class = CompanyFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["id", "name", "domain", "created_at", "updated_at"]
    ordering = ["-id"]
    required_scopes = {
        "list": Scope.READ,
        "retrieve": Scope.READ,
        "create": Scope.WRITE,
        "bulk": Scope.IMPORT,
    }

    def get_queryset(self) -> QuerySet[Company]:
        return selectors.companies_visible_to(self.request.user)

    @extend_schema(
        summary="Create or update a company by domain",
        request=CompanyInSerializer,
        responses=_upsert_response(CompanySerializer, "The company"),
        examples=[
            OpenApiExample(
                "Upsert",
                value={
                    "domain": "https://www.example.com",
                    "name": "Example",
                    "employee_count": 250,
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request) -> Response:
        return self._single(
            request,
            _company_row,
            services.companies_bulk_upsert,
            CompanySerializer,
            Company.objects,
        )

    @_bulk_doc(CompanyInSerializer, {"domain": "example.com", "name": "Example"}, "companies")
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request, _company_row, services.companies_bulk_upsert)


# ---- Contacts ----------------------------------------------------------------------------


class ContactApiFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    lifecycle_stage = django_filters.MultipleChoiceFilter(choices=LifecycleStage.choices)
    lead_source = django_filters.MultipleChoiceFilter(choices=LeadSource.choices)
    company = IdFilter(field_name="company_id")
    company_domain = django_filters.CharFilter(method="by_domain")
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    created_since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    unsubscribed = StrictBooleanFilter()
    do_not_contact = StrictBooleanFilter()

    class Meta:
        model = Contact
        fields = ["email", "lifecycle_stage", "lead_source", "company", "unsubscribed"]

    def by_domain(self, queryset, name, value):
        return queryset.filter(company__domain=services.normalize_domain(value))


@extend_schema_view(
    list=extend_schema(
        summary="List contacts",
        description="Sales reps see only the contacts of the accounts they own and the leads "
        "assigned to them, now or before. Scores and "
        "grades are on /scores/ (filter them there by grade, band and score ranges).",
        responses={200: ContactSerializer, **ERRORS},
    ),
    retrieve=extend_schema(summary="One contact", responses={200: ContactSerializer, **ERRORS}),
    destroy=extend_schema(
        summary="Forget a contact (erase their personal data)",
        description="Deletes the contact with their activities, outcomes, scores and "
        "assignments, redacts them from webhook payloads and what-if results, and removes "
        "their rows from uploaded import files and rejected-row files. An audit line without "
        "personal data records who did it. Needs the 'write' scope.",
        responses={204: OpenApiResponse(description="Erased."), **ERRORS},
    ),
)
class ContactViewSet(
    _BulkMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Contacts, upserted by email (case-insensitive)."""

    serializer_class = ContactSerializer
    in_serializer = ContactInSerializer
    pagination_class = ApiCursorPagination
    filterset_class = ContactApiFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["id", "email", "created_at", "updated_at"]
    ordering = ["-id"]
    required_scopes = {
        "list": Scope.READ,
        "retrieve": Scope.READ,
        "export": Scope.READ,
        "create": Scope.WRITE,
        "destroy": Scope.WRITE,
        "bulk": Scope.IMPORT,
        "duplicates": Scope.READ,
        "merge": Scope.WRITE,
    }

    def perform_destroy(self, instance: Contact) -> None:
        privacy.contact_forget(contact=instance, by=self.request.user, via=ErasureVia.API)

    @extend_schema(
        summary="Everything held on one contact, as JSON",
        description="The contact, company, activities, outcomes, scores and their changes, "
        "qualifications, assignments and their log, notifications, webhook payloads, the "
        "predictive score and rows of import files that name them.",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="All data on the person."),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str | None = None) -> Response:
        return Response(privacy.contact_export(contact=self.get_object()))

    def get_queryset(self) -> QuerySet[Contact]:
        return selectors.contacts_visible_to(
            self.request.user,
            within=Contact.objects.select_related("company").prefetch_related("identities"),
        )

    @extend_schema(
        summary="Probable duplicates of a contact",
        description="Same email in any case, or the same first and last name with the same "
        "phone number or company.",
        responses={200: ContactSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def duplicates(self, request: Request, pk=None) -> Response:
        contact = self.get_object()
        found = contact_duplicates(contact=contact).prefetch_related("identities")
        visible = self.get_queryset().filter(pk__in=[c.pk for c in found])
        return Response(ContactSerializer(visible, many=True).data)

    @extend_schema(
        summary="Merge duplicates into this contact",
        description="Every activity, outcome, identity, qualification and assignment of the "
        "duplicates moves to this contact, which keeps its values and takes theirs where it "
        "has none; the duplicates are deleted and this contact is rescored once.",
        request=MergeInSerializer,
        responses={200: ContactSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def merge(self, request: Request, pk=None) -> Response:
        contact = self.get_object()
        serializer = MergeInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = set(serializer.validated_data["duplicates"]) - {contact.pk}
        duplicates = list(self.get_queryset().filter(pk__in=ids))
        missing = ids - {d.pk for d in duplicates}
        if missing or not ids:
            return Response(
                {
                    "detail": "No such contacts to merge: "
                    + (", ".join(str(i) for i in sorted(missing)) or "give other contacts' ids"),
                    "code": "invalid",
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        user = request.user if getattr(request.user, "is_authenticated", False) else None
        contacts_merge(target=contact, duplicates=duplicates, merged_by=user)
        merged = self.get_queryset().get(pk=contact.pk)
        return Response(ContactSerializer(merged).data)

    @extend_schema(
        summary="Create or update a contact by email",
        request=ContactInSerializer,
        responses=_upsert_response(ContactSerializer, "The contact"),
        examples=[OpenApiExample("Upsert", value=CONTACT_EXAMPLE, request_only=True)],
    )
    def create(self, request: Request) -> Response:
        return self._single(
            request,
            _contact_row,
            services.contacts_bulk_upsert,
            ContactSerializer,
            Contact.objects.select_related("company").prefetch_related("identities"),
        )

    @_bulk_doc(ContactInSerializer, CONTACT_EXAMPLE, "contacts")
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request, _contact_row, services.contacts_bulk_upsert)


# ---- Activities --------------------------------------------------------------------------


class ActivityApiFilter(django_filters.FilterSet):
    contact = IdFilter(field_name="contact_id")
    kind = django_filters.MultipleChoiceFilter(choices=ActivityKind.choices)
    source = django_filters.CharFilter()
    external_id = django_filters.CharFilter()
    occurred_since = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = ["contact", "kind", "source", "external_id"]


@extend_schema_view(
    list=extend_schema(summary="List activities", responses={200: ActivitySerializer, **ERRORS}),
    retrieve=extend_schema(summary="One activity", responses={200: ActivitySerializer, **ERRORS}),
)
class ActivityViewSet(
    _BulkMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """What contacts did. Events are idempotent by (source, external_id)."""

    serializer_class = ActivitySerializer
    in_serializer = ActivityInSerializer
    pagination_class = ApiCursorPagination
    filterset_class = ActivityApiFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["id", "occurred_at", "created_at"]
    ordering = ["-id"]
    required_scopes = {
        "list": Scope.READ,
        "retrieve": Scope.READ,
        "create": Scope.WRITE,
        "bulk": Scope.IMPORT,
    }

    def get_queryset(self) -> QuerySet[Activity]:
        return selectors.activities_visible_to(self.request.user)

    @extend_schema(
        summary="Record an activity (idempotent)",
        description="Sending the same (source, external_id) again stores nothing new and "
        "answers 200 with the stored activity's id; a new event answers 201.",
        request=ActivityInSerializer,
        responses=_upsert_response(ActivitySerializer, "The event"),
        examples=[OpenApiExample("Event", value=ACTIVITY_EXAMPLE, request_only=True)],
    )
    def create(self, request: Request) -> Response:
        return self._single(
            request,
            _activity_row,
            services.activities_bulk_record,
            ActivitySerializer,
            Activity.objects,
        )

    @_bulk_doc(ActivityInSerializer, ACTIVITY_EXAMPLE, "activities")
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request, _activity_row, services.activities_bulk_record)
