"""
Routing rules: which leads a rule matches (segments, countries, sources, a property), the team
and strategy it hands them to, and its round-robin cursor. Imported into routing.models.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from contacts.models import LeadSource
from routing.engine import split_values
from routing.team_models import Team


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
    # At least a minute: a 0-minute SLA (typed to mean "none") would be overdue at once and
    # bounce every lead from rep to rep until it escalates, within minutes.
    sla_minutes = models.PositiveIntegerField(
        "SLA (minutes)",
        default=240,
        validators=[MinValueValidator(1)],
        help_text="Time a rep has to accept before re-routing.",
    )
    hand_raise_sla_minutes = models.PositiveIntegerField(
        "hand-raise SLA (minutes)",
        default=60,
        validators=[MinValueValidator(1)],
        help_text="Shorter SLA for demo requests etc.",
    )
    # The round-robin cursor: the next slot in the team's rotation. Read and advanced only
    # under a row lock on this rule (services.deciding._decide), so concurrent leads take
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
