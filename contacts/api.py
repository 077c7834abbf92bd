"""
The REST API for companies, contacts and activities (under /api/v1/, see leadscore/api_urls.py).

Views are thin: serializers check each row's shape, contacts.services does the upserts. Writes
of one record go through the same bulk services as a batch of one, so a single POST and a row
of a bulk request behave the same (upsert by email or domain, idempotent events).

This module holds the viewsets and their filters; the serializers and the rows they become are
in api_serializers, the shared OpenAPI documentation (ERRORS, examples) in api_docs.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contacts import privacy, selectors, services
from contacts.api_docs import (
    ACTIVITY_EXAMPLE,
    CONTACT_EXAMPLE,
    ERRORS,
    bulk_doc,
    upsert_response,
)
from contacts.api_serializers import (
    ActivityInSerializer,
    ActivitySerializer,
    CompanyInSerializer,
    CompanySerializer,
    ContactInSerializer,
    ContactSerializer,
    MergeInSerializer,
    activity_row,
    company_row,
    contact_row,
)
from contacts.merging import contact_duplicates, contacts_merge
from contacts.models import (
    Activity,
    ActivityKind,
    Company,
    Contact,
    ErasureVia,
    LeadSource,
    LifecycleStage,
)
from contacts.services import RowStatus
from integrations.api import (
    ApiCursorPagination,
    UtcIsoDateTimeFilter,
    atomic_rejected_by_shape,
    bulk_envelope,
    bulk_response,
    validate_rows,
)
from integrations.filters import (
    API_FILTER_BACKENDS,
    IdFilter,
    KnownQueryParameters,
    StrictBooleanFilter,
)
from integrations.models import Scope
from leadscore.batch_gc import fewer_collections


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
        # Answered from the object written where the service kept it (activities), else read.
        instance = row.written if row.written is not None else queryset.get(pk=row.id)
        code = status.HTTP_201_CREATED if row.status == RowStatus.CREATED else status.HTTP_200_OK
        body = {"status": row.status, **out_serializer(instance).data}
        return Response(body, status=code)


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
    filter_backends = API_FILTER_BACKENDS
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
        responses=upsert_response(CompanySerializer, "The company"),
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
            company_row,
            services.companies_bulk_upsert,
            CompanySerializer,
            Company.objects,
        )

    @bulk_doc(CompanyInSerializer, {"domain": "example.com", "name": "Example"}, "companies")
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request, company_row, services.companies_bulk_upsert)


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
    filter_backends = API_FILTER_BACKENDS
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
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        filter_backends=[KnownQueryParameters],
    )
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
        responses=upsert_response(ContactSerializer, "The contact"),
        examples=[OpenApiExample("Upsert", value=CONTACT_EXAMPLE, request_only=True)],
    )
    def create(self, request: Request) -> Response:
        return self._single(
            request,
            contact_row,
            services.contacts_bulk_upsert,
            ContactSerializer,
            Contact.objects.select_related("company").prefetch_related("identities"),
        )

    @bulk_doc(ContactInSerializer, CONTACT_EXAMPLE, "contacts")
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request, contact_row, services.contacts_bulk_upsert)


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
    filter_backends = API_FILTER_BACKENDS
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
        responses=upsert_response(ActivitySerializer, "The event"),
        examples=[OpenApiExample("Event", value=ACTIVITY_EXAMPLE, request_only=True)],
    )
    def create(self, request: Request) -> Response:
        return self._single(
            request,
            activity_row,
            services.activities_bulk_record,
            ActivitySerializer,
            Activity.objects,
        )

    @bulk_doc(ActivityInSerializer, ACTIVITY_EXAMPLE, "activities")
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        return self._bulk(request, activity_row, services.activities_bulk_record)
