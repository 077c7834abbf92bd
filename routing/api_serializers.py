"""
The assignment API's serializers, shape only: an assignment as the API shows it (with its
decision log and score reasons), and the input of each action (reject, disqualify, outcome,
reassign). Used by routing.api.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contacts.models import Contact, OutcomeResult
from integrations.strict import StrictTypesMixin
from leadscore.ids import ID_MAX  # ids are 64-bit: a larger one is a 400, not a 500
from routing import selectors
from routing.models import (
    Assignment,
    AssignmentStatus,
    DisqualifyReason,
    RejectReason,
    RoutingDecision,
)
from scoring import score_reads
from scoring import wording as scoring_wording

# Decision log lines shown per assignment, newest first: a list page stays light.
LOG_LINES = {"list": 5}
LOG_LINES_DEFAULT = 50
# A decision date this far ahead of the server's clock is still taken (clock skew).
CLOCK_SKEW = timedelta(minutes=5)


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
