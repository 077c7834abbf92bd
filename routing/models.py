"""
Routing: teams of reps, ordered routing rules, and the assignment of each qualified lead.

A qualification (scoring.models.Qualification) gets exactly one Assignment; its RoutingDecision
rows are the readable history of who got the lead, who was skipped and why.
"""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from contacts.models import Contact, LeadSource
from routing.engine import SEGMENT_BOUNDS, split_values
from routing.webhook_http import UnsafeWebhookTarget, webhook_target_check

# --- Teams and reps ----------------------------------------------------------------------------


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as Europe/London (empty: inherit)."""
    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f"Unknown time zone '{value}'; use a name like Europe/London."
        ) from exc


def validate_workdays(value: str) -> None:
    """ISO weekdays, comma-separated: 1 (Monday) to 7 (Sunday)."""
    days = [d.strip() for d in (value or "").split(",") if d.strip()]
    if not days or any(d not in {"1", "2", "3", "4", "5", "6", "7"} for d in days):
        raise ValidationError("Give ISO weekdays, e.g. '1,2,3,4,5' for Monday to Friday.")


def validate_slack_url(value: str) -> None:
    """A Slack incoming-webhook URL (see routing.slack.slack_url_problem)."""
    from routing.slack import slack_url_problem

    problem = slack_url_problem(value)
    if problem:
        raise ValidationError(problem)


class SizeSegment(models.TextChoices):
    SMB = "smb", "SMB (under 200 employees)"
    MID_MARKET = "mid_market", "Mid-market (200-999)"
    ENTERPRISE = "enterprise", "Enterprise (1,000+)"


assert set(SizeSegment.values) == set(SEGMENT_BOUNDS), "keep engine.SEGMENT_BOUNDS in step"


class SlaClock(models.TextChoices):
    BUSINESS_HOURS = "business_hours", "Business hours only"
    ALWAYS = "always", "Around the clock"


class Team(models.Model):
    """A sales team: the reps leads are routed to, and the manager who sees their queue."""

    name = models.CharField(max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    escalate_after_reroutes = models.PositiveSmallIntegerField(
        "escalate after (re-routes)",
        default=2,
        help_text="A lead whose SLA ran out this many times goes to the manager instead of "
        "another rep.",
    )
    reject_cool_off_days = models.PositiveSmallIntegerField(
        "cool-off after a rejection (days)",
        default=30,
        help_text="A rep who rejected a lead is not given it again for this many days.",
    )
    # SLA clocks run in business hours (routing.sla): a lead that arrives on Saturday is due on
    # Monday morning, not while nobody works.
    sla_clock = models.CharField(
        "SLA clock",
        max_length=20,
        choices=SlaClock.choices,
        default=SlaClock.BUSINESS_HOURS,
        help_text="Business hours: the SLA only counts working hours on working days, in the "
        "rep's time zone (or the team's).",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/London; a rep may have their own.",
    )
    workday_start = models.TimeField(default=time(8, 0))
    workday_end = models.TimeField(default=time(18, 0))
    workdays = models.CharField(
        max_length=20,
        default="1,2,3,4,5",
        validators=[validate_workdays],
        help_text="ISO weekdays the SLA clock runs: 1 = Monday ... 7 = Sunday.",
    )
    slack_webhook_url = models.URLField(
        "Slack webhook",
        max_length=500,
        blank=True,
        validators=[validate_slack_url],
        help_text="A Slack incoming webhook: the team channel hears about leads nobody could "
        "take and escalations.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(workday_start__lt=F("workday_end")),
                name="team_workday_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RepProfile(models.Model):
    """A user who receives leads: their team, availability, capacity and territory."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep_profile"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="reps")
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive reps receive no new leads."
    )
    out_of_office_until = models.DateField(
        null=True, blank=True, help_text="No new leads up to and including this day."
    )
    capacity = models.PositiveIntegerField(
        default=25, help_text="Most open leads (awaiting acceptance or being worked) at once."
    )
    weight = models.PositiveSmallIntegerField(
        default=1, help_text="Weighted round robin: a rep of weight 2 gets two slots per turn."
    )
    countries = models.TextField(
        blank=True, help_text="Territory: countries, comma-separated. Empty: any country."
    )
    regions = models.TextField(
        blank=True, help_text="Territory: regions or states, comma-separated. Empty: any region."
    )
    industries = models.TextField(
        blank=True, help_text="Territory: industries, comma-separated. Empty: any industry."
    )
    segments = models.CharField(
        "company-size segments",
        max_length=100,
        blank=True,
        help_text="Comma-separated: smb (under 200 employees), mid_market (200-999), "
        "enterprise (1,000+). Empty: any size.",
    )
    notify_by_email = models.BooleanField(
        "email me new leads", default=True, help_text="Email the rep on each new assignment."
    )
    slack_webhook_url = models.URLField(
        "Slack webhook",
        max_length=500,
        blank=True,
        validators=[validate_slack_url],
        help_text="A Slack incoming webhook (e.g. to the rep's DM channel): new leads are "
        "posted there too.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Where the rep works, for their SLA clock. Empty: the team's time zone.",
    )
    # Least-recently-assigned breaks ties fairly (least loaded), instead of always favouring
    # the rep with the lowest id.
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "user__first_name", "user__username"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="rep_weight_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        unknown = set(split_values(self.segments)) - set(SizeSegment.values)
        if unknown:
            raise ValidationError({"segments": f"Unknown segment(s): {', '.join(sorted(unknown))}"})


# --- Rules -------------------------------------------------------------------------------------


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Round robin"
    WEIGHTED_ROUND_ROBIN = "weighted_round_robin", "Weighted round robin"
    LEAST_LOADED = "least_loaded", "Least loaded"
    NAMED_REP = "named_rep", "Named rep"


class RoutingRule(models.Model):
    """
    Where a qualified lead goes: the first active rule (by position) whose conditions all match
    picks the team and the strategy; the fallback rule catches everything else. Empty
    conditions match anything.
    """

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0, help_text="Lower runs first.")
    is_active = models.BooleanField("active", default=True)
    is_fallback = models.BooleanField(
        "fallback", default=False, help_text="Catches every lead no other rule matched."
    )
    # Conditions
    countries = models.TextField(blank=True, help_text="Comma-separated. Empty: any.")
    regions = models.TextField(blank=True, help_text="Regions or states, comma-separated.")
    industries = models.TextField(blank=True, help_text="Comma-separated. Empty: any.")
    min_employees = models.PositiveIntegerField(null=True, blank=True)
    max_employees = models.PositiveIntegerField(null=True, blank=True)
    fit_grades = models.CharField(
        max_length=20, blank=True, help_text="Fit grades, e.g. 'A, B'. Empty: any grade."
    )
    lead_sources = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated: " + ", ".join(LeadSource.values) + ". Empty: any source.",
    )
    property_name = models.CharField(
        "custom property", max_length=100, blank=True, help_text="A contact custom property key."
    )
    property_values = models.CharField(
        "property is one of",
        max_length=255,
        blank=True,
        help_text="Comma-separated values the property must have (case-insensitive).",
    )
    scoring_line = models.ForeignKey(
        "scoring.ScoringLine",
        verbose_name="scoring model",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Only leads that qualified under this scoring model. Empty: any model.",
    )
    # Target
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="rules")
    strategy = models.CharField(
        max_length=30, choices=Strategy.choices, default=Strategy.ROUND_ROBIN
    )
    named_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For the named-rep strategy.",
    )
    account_match = models.BooleanField(
        "account match first",
        default=True,
        help_text="A lead whose company has an account owner, or whose colleague is already "
        "held by a rep, goes to that rep when they can take it.",
    )
    sla_minutes = models.PositiveIntegerField(
        "SLA (minutes)", default=240, help_text="Time a rep has to accept before re-routing."
    )
    hand_raise_sla_minutes = models.PositiveIntegerField(
        "hand-raise SLA (minutes)", default=60, help_text="Shorter SLA for demo requests etc."
    )
    # The round-robin cursor: the next slot in the team's rotation. Read and advanced only
    # under a row lock on this rule (services._rule_locked), so concurrent leads take
    # successive slots.
    rotation_position = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["is_fallback", "position", "id"]
        constraints = [
            # engine.first_matching_rule() falls back to the one fallback rule.
            models.UniqueConstraint(
                fields=["is_fallback"],
                condition=Q(is_fallback=True, is_active=True),
                name="routing_one_active_fallback",
            ),
            models.CheckConstraint(
                condition=~Q(strategy="named_rep") | Q(named_rep__isnull=False),
                name="routing_named_rep_has_a_rep",
            ),
            models.CheckConstraint(
                condition=Q(min_employees__isnull=True)
                | Q(max_employees__isnull=True)
                | Q(min_employees__lte=F("max_employees")),
                name="routing_employee_range_ordered",
            ),
        ]
        indexes = [
            # Every routing decision loads the active rules in order.
            models.Index(fields=["is_active", "position"], name="routing_rule_active_pos_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.strategy == Strategy.NAMED_REP and not self.named_rep_id:
            errors["named_rep"] = "The named-rep strategy needs a rep."
        if (
            self.min_employees is not None
            and self.max_employees is not None
            and self.min_employees > self.max_employees
        ):
            errors["max_employees"] = "The maximum is below the minimum."
        unknown = set(split_values(self.lead_sources)) - set(LeadSource.values)
        if unknown:
            errors["lead_sources"] = f"Unknown lead source(s): {', '.join(sorted(unknown))}"
        bad_grades = {g.upper() for g in split_values(self.fit_grades)} - set("ABCD")
        if bad_grades:
            errors["fit_grades"] = "Grades are A, B, C and D."
        if bool(self.property_name) != bool(self.property_values):
            errors["property_values"] = "Give both the property and the values it must have."
        if errors:
            raise ValidationError(errors)


# --- Assignments -------------------------------------------------------------------------------


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


# --- Webhooks ----------------------------------------------------------------------------------


class WebhookEvent(models.TextChoices):
    LEAD_QUALIFIED = "lead.qualified", "lead.qualified: a lead became an MQL"
    LEAD_ASSIGNED = "lead.assigned", "lead.assigned: a lead was given to a rep"


def _new_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """A URL that receives signed JSON POSTs when routing events happen."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=128,
        default=_new_secret,
        help_text="Signs each delivery: X-Leadscore-Signature: t=<time>,v1=<HMAC> (see README).",
    )
    events = models.JSONField(default=list, help_text="Events this endpoint receives.")
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def clean(self) -> None:
        errors = {}
        unknown = set(self.events or []) - set(WebhookEvent.values)
        if unknown or not self.events:
            errors["events"] = "Choose one or more of the known events."
        if self.url:
            # Checked again at each delivery (DNS can change); see routing.webhook_http.
            try:
                webhook_target_check(self.url)
            except UnsafeWebhookTarget as exc:
                errors["url"] = str(exc)
        if errors:
            raise ValidationError(errors)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    RETRYING = "retrying", "Failed, will retry"
    FAILED = "failed", "Failed, gave up"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with every attempt's outcome."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=30, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The admin's delivery log filtered by endpoint and status, newest first.
            models.Index(
                fields=["endpoint", "status", "-created_at"], name="delivery_endpoint_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint.name} ({self.get_status_display()})"


# --- Slack -------------------------------------------------------------------------------------


class SlackMessage(models.Model):
    """
    One Slack incoming-webhook post, written in the same transaction as the routing change it
    announces and sent by a task after commit; failed posts are retried with backoff (the
    durable record is what makes them survive a crash or a broker hiccup).
    """

    url = models.URLField(max_length=500)
    # Who it was for, to read the log: "Ana" or "team EMEA".
    audience = models.CharField(max_length=120)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(help_text="The incoming-webhook body: text plus blocks.")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The retry sweep: messages due for another attempt.
            models.Index(fields=["status", "next_attempt_at"], name="slack_status_next_idx"),
        ]

    def __str__(self) -> str:
        return f"Slack to {self.audience} ({self.get_status_display()})"


# --- Audit -------------------------------------------------------------------------------------


class RoutingAuditAction(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"


class RoutingAuditEntry(models.Model):
    """
    One change to a routing rule, a team or a rep's routing profile: who, when, what, and for a
    changed field its value before and after. Written by services.routing_audit_* from the
    admin; never edited. The object's name is copied in so the trail reads after a delete.
    """

    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=30)  # "routing rule", "team", "rep profile"
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_repr = models.CharField("object", max_length=255)
    action = models.CharField(max_length=10, choices=RoutingAuditAction.choices)
    field = models.CharField(max_length=100, blank=True)
    old_value = models.TextField("from", blank=True)
    new_value = models.TextField("to", blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "routing audit entries"
        indexes = [
            # One object's history (the rule's admin page), newest first.
            models.Index(
                fields=["object_type", "object_id", "-at"], name="routing_audit_object_idx"
            ),
            # The admin's audit list, newest first.
            models.Index(fields=["-at"], name="routing_audit_time_idx"),
        ]

    def __str__(self) -> str:
        what = f" {self.field}" if self.field else ""
        return f"{self.object_repr}: {self.get_action_display()}{what}"
