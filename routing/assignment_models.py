"""
Assignments: one per qualified lead (and one AccountAssignment per qualified account), their
statuses and close reasons, the RoutingDecision log of who got the lead and why, and the
in-app notifications about them. Imported into routing.models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.models import Contact
from routing.rule_models import RoutingRule
from routing.team_models import Team


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "Awaiting acceptance"
    UNASSIGNED = "unassigned", "Unassigned"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    DISQUALIFIED = "disqualified", "Disqualified"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    # Closed because its lead was merged into another lead that is already in play.
    MERGED = "merged", "Merged into another lead"


# Statuses that count against a rep's capacity: they still hold the lead.
HELD_STATUSES = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)
# Statuses still in play (not closed).
ACTIVE_STATUSES = (*HELD_STATUSES, AssignmentStatus.UNASSIGNED)


class RejectReason(models.TextChoices):
    NOT_DECISION_MAKER = "not_decision_maker", "Not a decision maker"
    NO_BUDGET = "no_budget", "No budget"
    BAD_TIMING = "bad_timing", "Bad timing"
    NO_RESPONSE = "no_response", "No response"
    WRONG_TERRITORY = "wrong_territory", "Wrong territory"
    DUPLICATE = "duplicate", "Duplicate"
    OTHER = "other", "Other"


class DisqualifyReason(models.TextChoices):
    COMPETITOR = "competitor", "Competitor"
    STUDENT = "student", "Student or personal use"
    SPAM = "spam", "Spam or fake"
    CUSTOMER = "customer", "Already a customer"
    OTHER = "other", "Other"


class Assignment(models.Model):
    """
    Where one qualified lead is: with a rep (awaiting acceptance, then accepted), in the
    Unassigned queue, or closed (rejected, disqualified, won, lost). One per qualification.
    """

    qualification = models.OneToOneField(
        "scoring.Qualification", on_delete=models.CASCADE, related_name="assignment"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=12, choices=AssignmentStatus.choices)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    strategy = models.CharField(max_length=30, blank=True)
    hand_raise = models.BooleanField(default=False)
    assigned_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField("SLA due", null=True, blank=True)
    reroute_count = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Why the rep rejected or disqualified it, kept for marketing when the lead is recycled.
    close_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("reassign_assignment", "Can reassign leads by hand"),
            ("view_team_queue", "Can see the queue of the teams they manage"),
            ("view_all_queues", "Can see every team's queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["pending", "accepted"]) | Q(rep__isnull=False),
                name="assignment_held_has_rep",
            ),
            models.CheckConstraint(
                condition=~Q(status="unassigned") | Q(rep__isnull=True),
                name="assignment_unassigned_has_no_rep",
            ),
        ]
        indexes = [
            # A rep's queue (rep, status) and every rep's load count for capacity checks.
            models.Index(fields=["rep", "status"], name="assignment_rep_status_idx"),
            # The SLA check: pending leads whose deadline passed.
            models.Index(fields=["status", "sla_due_at"], name="assignment_status_sla_idx"),
            # A manager's team queue and the Unassigned queue.
            models.Index(fields=["team", "status"], name="assignment_team_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in ACTIVE_STATUSES


class DecisionKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    UNASSIGNED = "unassigned", "Left unassigned"
    REROUTED = "rerouted", "Re-routed after SLA"
    ESCALATED = "escalated", "Escalated"
    REASSIGNED = "reassigned", "Reassigned by hand"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    DISQUALIFIED = "disqualified", "Disqualified"
    OUTCOME = "outcome", "Outcome recorded"


class RoutingDecision(models.Model):
    """One line of an assignment's decision log, as a sentence a rep can read."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="decisions")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=DecisionKind.choices)
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    strategy = models.CharField(max_length=30, blank=True)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did it by hand; empty when routing decided.",
    )
    # [{"rep_id": 3, "name": "Ana", "reason": "out of office until 3 Dec"}, ...]
    skipped = models.JSONField(default=list, blank=True)
    sentence = models.TextField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # An assignment's log, newest first (expanded queue row, assignment page).
            models.Index(fields=["assignment", "-occurred_at"], name="decision_assignment_idx"),
        ]

    def __str__(self) -> str:
        return self.sentence


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "New lead"
    REASSIGNED = "reassigned", "Lead reassigned to you"
    ESCALATED = "escalated", "Lead escalated"
    UNASSIGNED = "unassigned", "Lead nobody could take"


class Notification(models.Model):
    """An in-app message for one user (the unread badge in the nav), usually also emailed."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_notifications"
    )
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # When its email was sent (or found not wanted: no address, opted out). A notification
    # still without it after a few minutes lost its task with the broker; the beat re-drive
    # (services.deliveries_retry_due) sends it.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The nav badge: a user's unread count, on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The re-drive: notifications whose email was never sent, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.message


class AccountAssignment(models.Model):
    """
    Where a marketing-qualified account (scoring.AccountQualification) was routed: to its
    account owner, else by the routing rules (which then make the rep its owner). One per
    qualification, so an account is routed once however often its outbox message arrives.
    """

    qualification = models.OneToOneField(
        "scoring.AccountQualification", on_delete=models.CASCADE, related_name="assignment"
    )
    company = models.ForeignKey(
        "contacts.Company", on_delete=models.CASCADE, related_name="account_assignments"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_assignments",
    )
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    strategy = models.CharField(max_length=30, blank=True)
    sentence = models.TextField()
    assigned_at = models.DateTimeField()

    class Meta:
        ordering = ["-assigned_at", "-id"]
        indexes = [
            # The account page: a company's routed MQAs, newest first.
            models.Index(fields=["company", "-assigned_at"], name="accountassign_company_idx"),
        ]

    def __str__(self) -> str:
        return self.sentence
