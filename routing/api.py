"""
The REST API for assignments (under /api/v1/, see leadscore/api_urls.py): who holds which
qualified lead, and the holding rep's actions on it.

Which assignments a user sees is routing's rule (routing.selectors.assignments_visible_to), the
same as the sales queue: reps the leads they hold, managers their teams' (and unassigned leads no
team could take or whose team has no manager), admins all; Marketing ops works no leads and sees
none. The actions are thin: serializers check the shape, routing.services does the work and
raises RoutingError (409) when the lead's state does not allow it.

Here: the viewset, its filter and the schema's examples; who may act is in
routing.api_permissions, the serializers are in routing.api_serializers.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contacts.api_docs import ERRORS
from integrations.api import ApiCursorPagination, ErrorSerializer
from integrations.filters import API_FILTER_BACKENDS, IdFilter, StrictBooleanFilter
from integrations.models import Scope
from routing import selectors, services
from routing.api_permissions import ACTION_PERMISSIONS, AssignmentPermission
from routing.api_serializers import (
    LOG_LINES,
    LOG_LINES_DEFAULT,
    AssignmentSerializer,
    DisqualifySerializer,
    OutcomeSerializer,
    ReassignSerializer,
    RejectSerializer,
)
from routing.models import Assignment, AssignmentStatus, RoutingDecision

ACTION_ERRORS = {
    **ERRORS,
    404: OpenApiResponse(ErrorSerializer, description="No such assignment visible to you."),
    409: OpenApiResponse(
        ErrorSerializer, description="The lead's state does not allow it (e.g. accepted already)."
    ),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The lead's state does not allow this."
    default_code = "conflict"


# ---- Filters -----------------------------------------------------------------------------


class AssignmentApiFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AssignmentStatus.choices)
    rep = IdFilter(field_name="rep_id", label="Rep (user id)")
    contact = IdFilter(field_name="contact_id", label="Contact (id): who holds this lead")
    overdue = StrictBooleanFilter(
        method="by_overdue", label="Awaiting acceptance past the SLA deadline"
    )

    class Meta:
        model = Assignment
        fields = ["status", "rep", "contact", "overdue"]

    def by_overdue(self, queryset: QuerySet[Assignment], name: str, value: bool | None):
        if value is None:
            return queryset
        late = Q(status=AssignmentStatus.PENDING, sla_due_at__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)


# ---- Examples ----------------------------------------------------------------------------

ASSIGNMENT_EXAMPLE = {
    "id": 311,
    "contact": {
        "id": 1042,
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "company_name": "Example Ltd",
    },
    "rep": {"id": 7, "username": "rita", "name": "Rita Rep"},
    "team": "EMEA",
    "status": "pending",
    "hand_raise": False,
    "assigned_at": "2025-05-01T09:30:00Z",
    "accept_by": "2025-05-01T13:30:00Z",
    "overdue": False,
    "accepted_at": None,
    "closed_at": None,
    "close_reason": "",
    "rule": "EMEA mid-market",
    "decisions": [
        {
            "occurred_at": "2025-05-01T09:30:00Z",
            "kind": "assigned",
            "sentence": "Rule 'EMEA mid-market' matched (country is UK); round robin gave it "
            "to Rita; Sam skipped (out of office until 3 May); 4 h to accept",
        }
    ],
    "reasons": ["+25 VP title", "+15 Pricing page (3 times)"],
}


def _action_doc(summary: str, description: str, request, example: dict[str, Any] | None):
    examples = [OpenApiExample("Updated assignment", value=ASSIGNMENT_EXAMPLE, response_only=True)]
    if example is not None:
        examples.insert(0, OpenApiExample("Request", value=example, request_only=True))
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: AssignmentSerializer, **ACTION_ERRORS},
        examples=examples,
    )


# ---- The viewset -------------------------------------------------------------------------


def _with_details(qs: QuerySet[Assignment], *, log_lines: int) -> QuerySet[Assignment]:
    """Everything a row shows, in a fixed number of queries: one more for the log lines."""
    log = RoutingDecision.objects.order_by("-occurred_at", "-id")[:log_lines]
    return (
        selectors.with_lead_scores(qs)
        .select_related("contact__company", "rep", "team", "rule")
        .prefetch_related(Prefetch("decisions", queryset=log, to_attr="latest_decisions"))
    )


@extend_schema_view(
    list=extend_schema(
        summary="List assignments",
        description="Reps see the leads they hold, managers their teams' leads (and leads no "
        "team could take), admins all; Marketing ops works no leads and gets an empty list. "
        "Each row carries its latest decision-log lines and the lead's top score reasons.",
        responses={200: AssignmentSerializer, **ERRORS},
        examples=[OpenApiExample("An assignment", value=ASSIGNMENT_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="One assignment",
        description="With up to 50 lines of its decision log, newest first.",
        responses={
            200: AssignmentSerializer,
            404: ACTION_ERRORS[404],
            **ERRORS,
        },
        examples=[OpenApiExample("An assignment", value=ASSIGNMENT_EXAMPLE, response_only=True)],
    ),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Where each qualified lead is, and the holding rep's actions on it."""

    serializer_class = AssignmentSerializer
    permission_classes = [AssignmentPermission]
    pagination_class = ApiCursorPagination
    filterset_class = AssignmentApiFilter
    filter_backends = API_FILTER_BACKENDS
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["-id"]
    required_scopes = {
        "list": Scope.READ,
        "retrieve": Scope.READ,
        **dict.fromkeys(ACTION_PERMISSIONS, Scope.WRITE),
    }

    def get_queryset(self) -> QuerySet[Assignment]:
        visible = selectors.assignments_visible_to(self.request.user)
        if self.action in ACTION_PERMISSIONS:
            return visible  # the service locks and loads the row itself
        return _with_details(visible, log_lines=LOG_LINES.get(self.action, LOG_LINES_DEFAULT))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _done(self, assignment: Assignment) -> Response:
        """After an action: the assignment as it is now, as retrieve shows it."""
        fresh = Assignment.objects.filter(pk=assignment.pk)
        instance = _with_details(fresh, log_lines=LOG_LINES_DEFAULT).get()
        return Response(self.get_serializer(instance).data)

    def _input(self, serializer_class) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @_action_doc(
        "Accept a lead",
        "The holding rep takes the lead: the contact becomes sales-accepted (SAL) and the SLA "
        "stops. 409 unless it is awaiting acceptance.",
        None,
        None,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        try:
            services.assignment_accept(assignment=assignment, user=request.user)
        except services.RoutingError as exc:
            raise Conflict(str(exc)) from exc
        return self._done(assignment)

    @_action_doc(
        "Reject a lead",
        "The holding rep hands the lead back to marketing with a reason: the contact is "
        "recycled and may qualify again later. 409 unless the rep holds it.",
        RejectSerializer,
        {"reason": "bad_timing", "note": "Budget in Q3"},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        data = self._input(RejectSerializer)
        try:
            services.assignment_reject(
                assignment=assignment,
                user=request.user,
                reason=data["reason"],
                note=data.get("note", ""),
            )
        except services.RoutingError as exc:
            raise Conflict(str(exc)) from exc
        return self._done(assignment)

    @_action_doc(
        "Disqualify a lead",
        "The lead will never buy (competitor, student, spam…): the contact is disqualified. "
        "The holding rep, or a manager of the team, may do it. 409 once the lead is closed.",
        DisqualifySerializer,
        {"reason": "competitor", "note": "Works at a competitor"},
    )
    @action(detail=True, methods=["post"])
    def disqualify(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        data = self._input(DisqualifySerializer)
        try:
            services.assignment_disqualify(
                assignment=assignment,
                user=request.user,
                reason=data["reason"],
                note=data.get("note", ""),
            )
        except services.RoutingError as exc:
            raise Conflict(str(exc)) from exc
        return self._done(assignment)

    @_action_doc(
        "Record a lead's outcome (won or lost)",
        "Closes an accepted lead: won makes the contact a customer; lost needs a reason. "
        "decided_at (default now) is also when the assignment closes. 409 unless accepted.",
        OutcomeSerializer,
        {"result": "won", "decided_at": "2025-06-02T15:00:00Z", "amount": "24000.00"},
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        data = self._input(OutcomeSerializer)
        decided_at, accepted_at = data.get("decided_at"), assignment.accepted_at
        if decided_at is not None and accepted_at is not None and decided_at < accepted_at:
            raise serializers.ValidationError(
                {
                    "decided_at": [
                        f"The lead was accepted at {accepted_at.isoformat()}; the "
                        "decision cannot come before that."
                    ]
                }
            )
        try:
            services.assignment_outcome_record(
                assignment=assignment,
                user=request.user,
                result=data["result"],
                lost_reason=data.get("lost_reason", ""),
                amount=data.get("amount"),
                now=data.get("decided_at"),
            )
        except services.RoutingError as exc:
            raise Conflict(str(exc)) from exc
        return self._done(assignment)

    @_action_doc(
        "Reassign a lead by hand (managers)",
        "A manager gives the lead to a rep of their team with a reason for the log. A lead "
        "awaiting acceptance or unassigned gets a fresh SLA; an accepted one stays accepted. "
        "409 once the lead is closed or if the rep already has it; 409 with code "
        "`needs_confirmation` and `warnings` when the rep is away, inactive, full or rejected "
        "the lead within the cool-off: send again with `force: true` to go ahead.",
        ReassignSerializer,
        {"to_rep": 7, "reason": "Rita speaks German"},
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        data = self._input(ReassignSerializer)
        target = (
            selectors.reassign_targets(user=request.user)
            .filter(user_id=data["to_rep"])
            .select_related("user")
            .first()
        )
        if target is None:
            raise serializers.ValidationError(
                {"to_rep": ["Choose an active rep of a team you manage."]}
            )
        try:
            services.assignment_reassign(
                assignment=assignment,
                to_rep=target.user,
                by=request.user,
                reason=data["reason"],
                force=data["force"],
            )
        except services.ReassignWarning as exc:
            raise Conflict(
                {"detail": str(exc), "code": "needs_confirmation", "warnings": exc.warnings}
            ) from exc
        except services.RoutingError as exc:
            raise Conflict(str(exc)) from exc
        return self._done(assignment)
