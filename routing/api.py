"""
The REST API for assignments (under /api/v1/, see leadscore/api_urls.py): who holds which
qualified lead, and the holding rep's actions on it.

Which assignments a user sees is routing's rule (routing.selectors.assignments_visible_to), the
same as the sales queue: reps the leads they hold, managers their teams' (and leads no team could
take), admins all; Marketing ops works no leads and sees none. The actions are thin: serializers
check the shape, routing.services does the work and raises RoutingError (409) when the lead's
state does not allow it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from contacts.api_docs import ERRORS
from contacts.models import Contact, OutcomeResult
from integrations.api import ApiCursorPagination, ErrorSerializer
from integrations.filters import IdFilter, StrictBooleanFilter
from integrations.models import ApiKey, Scope
from integrations.permissions import HasScopeAndRole, role_of
from integrations.strict import StrictTypesMixin
from routing import selectors, services
from routing.models import (
    Assignment,
    AssignmentStatus,
    DisqualifyReason,
    RejectReason,
    RoutingDecision,
)
from scoring import score_reads
from scoring import wording as scoring_wording

# Ids are 64-bit; a bigger number must be refused (400), not sent to the database (500).
ID_MAX = 2**63 - 1
# Decision log lines shown per assignment, newest first: a list page stays light.
LOG_LINES = {"list": 5}
LOG_LINES_DEFAULT = 50
# A decision date this far ahead of the server's clock is still taken (clock skew).
CLOCK_SKEW = timedelta(minutes=5)

# The routing permission each action needs, on top of the API key's 'write' scope.
ACTION_PERMISSIONS = {
    "accept": "routing.change_assignment",
    "reject": "routing.change_assignment",
    "disqualify": "routing.change_assignment",
    "outcome": "routing.change_assignment",
    "reassign": "routing.reassign_assignment",
}
# Actions a manager (reassign permission) may take on a visible lead they do not hold; the
# others are the holding rep's alone. The same rule as the queue's
# (routing.action_views._actionable).
MANAGER_ACTIONS = {"disqualify", "reassign"}

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


# ---- Who may act -------------------------------------------------------------------------


class AssignmentPermission(HasScopeAndRole):
    """
    Reading is checked as on every endpoint (the 'read' scope). An action needs the 'write'
    scope on an API key, but the role rule is routing's: a Sales rep's or manager's role grants
    no 'write' (they may not write contacts), yet working the leads they hold is what routing
    gives them (change_assignment; reassign_assignment for managers). Then the object check:
    only the holding rep acts, except that a manager may also disqualify and reassign.
    """

    def has_permission(self, request: Request, view) -> bool:
        needed = ACTION_PERMISSIONS.get(getattr(view, "action", None))
        if needed is None:
            return super().has_permission(request, view)
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated(
                "Send an API key (Authorization: Bearer lsk_…) or log in."
            )
        if not user.has_perm(needed):
            role = role_of(user)
            who = f"the {role.value} role" if role else "a user without a role"
            raise exceptions.PermissionDenied(
                f"Acting on assignments ({view.action}) is not something {who} may do."
            )
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        if api_key is not None and not api_key.has_scope(Scope.WRITE):
            raise exceptions.PermissionDenied(
                f"API key {api_key.prefix} lacks the '{Scope.WRITE.value}' scope."
            )
        return True

    def has_object_permission(self, request: Request, view, obj: Assignment) -> bool:
        if getattr(view, "action", None) not in ACTION_PERMISSIONS:
            return True
        if view.action != "reassign" and obj.rep_id == request.user.pk:
            return True
        if view.action in MANAGER_ACTIONS and request.user.has_perm("routing.reassign_assignment"):
            return True
        raise exceptions.PermissionDenied(f"Only the rep who holds this lead may {view.action} it.")


# ---- Serializers: shape only -------------------------------------------------------------


class ContactRefSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    company_name = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "email", "name", "company_name"]
        read_only_fields = fields

    @staticmethod
    def get_name(contact: Contact) -> str:
        """First and last name; the email when there is none."""
        return str(contact)

    @staticmethod
    def get_company_name(contact: Contact) -> str | None:
        return contact.company.name if contact.company_id else None


class RepRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()

    @staticmethod
    def get_username(user) -> str:
        return user.get_username()

    @staticmethod
    def get_name(user) -> str:
        return user.get_full_name() or user.get_username()


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoutingDecision
        fields = ["occurred_at", "kind", "sentence"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    contact = ContactRefSerializer(read_only=True)
    rep = RepRefSerializer(read_only=True, allow_null=True)
    team = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    rule = serializers.CharField(
        source="rule.name", read_only=True, allow_null=True, help_text="The routing rule's name."
    )
    accept_by = serializers.DateTimeField(
        source="sla_due_at",
        read_only=True,
        allow_null=True,
        help_text="The SLA deadline: the rep must accept by then or the lead is re-routed.",
    )
    overdue = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "contact",
            "rep",
            "team",
            "status",
            "hand_raise",
            "assigned_at",
            "accept_by",
            "overdue",
            "accepted_at",
            "closed_at",
            "close_reason",
            "rule",
            "decisions",
            "reasons",
        ]
        read_only_fields = fields

    def _now(self) -> datetime:
        return self.context.get("now") or timezone.now()

    def get_overdue(self, assignment: Assignment) -> bool:
        """Awaiting acceptance past its SLA deadline."""
        due = assignment.sla_due_at
        return (
            assignment.status == AssignmentStatus.PENDING
            and due is not None
            and due < (self._now())
        )

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, assignment: Assignment) -> list[dict[str, Any]]:
        """The decision log, newest first: who got the lead, who was skipped and why."""
        entries = getattr(assignment, "latest_decisions", None)
        if entries is None:
            entries = list(selectors.decision_log(assignment=assignment)[:LOG_LINES_DEFAULT])
        return DecisionSerializer(entries, many=True).data

    def get_reasons(self, assignment: Assignment) -> list[str]:
        """Why the lead scored as it did, the reasons that weigh most first (as of now)."""
        stored = selectors.lead_score(assignment)
        if stored is None:
            return []
        now = self._now()
        return scoring_wording.top_reasons(score_reads.score_now(stored, now=now), now)


class RejectSerializer(StrictTypesMixin, serializers.Serializer):
    reason = serializers.ChoiceField(choices=RejectReason.choices)
    note = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="Needed for 'other'."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["reason"] == RejectReason.OTHER and not attrs.get("note", "").strip():
            raise serializers.ValidationError(
                {"note": ["Say why in a few words when the reason is 'other'."]}
            )
        return attrs


class DisqualifySerializer(StrictTypesMixin, serializers.Serializer):
    reason = serializers.ChoiceField(choices=DisqualifyReason.choices)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


class OutcomeSerializer(StrictTypesMixin, serializers.Serializer):
    result = serializers.ChoiceField(choices=OutcomeResult.choices)
    decided_at = serializers.DateTimeField(
        required=False, help_text="When the deal was won or lost; default now. Not in the future."
    )
    lost_reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="Needed when lost."
    )
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )

    def validate_decided_at(self, value: datetime) -> datetime:
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise serializers.ValidationError("This moment is out of range.") from exc
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError("The decision date may not be in the future.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lost_reason = attrs.get("lost_reason", "").strip()
        if attrs["result"] == OutcomeResult.LOST and not lost_reason:
            raise serializers.ValidationError({"lost_reason": ["Say why the deal was lost."]})
        if attrs["result"] == OutcomeResult.WON and lost_reason:
            raise serializers.ValidationError(
                {"lost_reason": ["Only a lost outcome has a lost reason."]}
            )
        return attrs


class ReassignSerializer(StrictTypesMixin, serializers.Serializer):
    to_rep = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text="The user id of a rep of your team."
    )
    reason = serializers.CharField(max_length=500, help_text="Goes in the lead's decision log.")
    force = serializers.BooleanField(
        default=False,
        help_text="Reassign even if the rep is away, inactive, at capacity or rejected this "
        "lead within the cool-off. Without it such a reassignment answers 409 with `warnings`.",
    )


# ---- Filters -----------------------------------------------------------------------------


class AssignmentApiFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AssignmentStatus.choices)
    rep = IdFilter(field_name="rep_id", label="Rep (user id)")
    overdue = StrictBooleanFilter(
        method="by_overdue", label="Awaiting acceptance past the SLA deadline"
    )

    class Meta:
        model = Assignment
        fields = ["status", "rep", "overdue"]

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
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
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
