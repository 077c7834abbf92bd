"""
Scoring rules and their conditions: what a version's rules test (fit attributes, activity
kinds, operators) and how a rule is validated. Imported into scoring.models.
"""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from contacts.models import ActivityKind
from scoring.conditions import SENIORITY_LABELS, seniority_level, split_values


class Dimension(models.TextChoices):
    FIT = "fit", "Fit"
    INTEREST = "interest", "Interest"
    # A company fit rule: tests the company itself and scores the account (account_engine).
    ACCOUNT = "account", "Account fit"


class FitAttribute(models.TextChoices):
    INDUSTRY = "industry", "Company industry"
    EMPLOYEE_COUNT = "employee_count", "Company employees"
    ANNUAL_REVENUE = "annual_revenue", "Company annual revenue"
    # The contact's own location, else its company's.
    COUNTRY = "country", "Country"
    REGION = "region", "Region / state"
    CITY = "city", "City"
    TECHNOLOGIES = "technologies", "Technologies used"
    JOB_TITLE = "job_title", "Job title"
    SENIORITY = "seniority", "Seniority (from job title)"
    EMAIL_DOMAIN = "email_domain", "Email domain"
    FREE_MAIL = "free_mail", "Email is a free-mail address"
    COMPETITOR = "competitor", "Email is at a competitor"
    LEAD_SOURCE = "lead_source", "Lead source"
    LEAD_SOURCE_RAW = "lead_source_raw", "Lead source (as given)"
    PROPERTY = "property", "Contact custom property (company's for account rules)"


# What an account fit rule can test: the company's own fields (account_engine.COMPANY_ATTRIBUTES).
ACCOUNT_ATTRIBUTES = frozenset(
    {
        FitAttribute.INDUSTRY,
        FitAttribute.EMPLOYEE_COUNT,
        FitAttribute.ANNUAL_REVENUE,
        FitAttribute.COUNTRY,
        FitAttribute.REGION,
        FitAttribute.CITY,
        FitAttribute.TECHNOLOGIES,
        FitAttribute.PROPERTY,
    }
)


class Operator(models.TextChoices):
    EQUALS = "equals", "equals"
    NOT_EQUALS = "not_equals", "does not equal"
    ONE_OF = "one_of", "is one of"
    NOT_ONE_OF = "not_one_of", "is none of"
    CONTAINS = "contains", "contains"
    NOT_CONTAINS = "not_contains", "does not contain"
    BETWEEN = "between", "is between"
    NOT_BETWEEN = "not_between", "is not between"
    AT_LEAST = "at_least", "is at least"
    AT_MOST = "at_most", "is at most"
    IS_SET = "is_set", "is set"
    IS_EMPTY = "is_empty", "is empty"
    IS_TRUE = "is_true", "is true"
    IS_FALSE = "is_false", "is false"


NUMERIC_OPERATORS = {Operator.BETWEEN, Operator.NOT_BETWEEN, Operator.AT_LEAST, Operator.AT_MOST}
TEXT_VALUE_OPERATORS = {
    Operator.EQUALS,
    Operator.NOT_EQUALS,
    Operator.ONE_OF,
    Operator.NOT_ONE_OF,
    Operator.CONTAINS,
    Operator.NOT_CONTAINS,
}


def validate_operands(
    operator: str, value: str, min_value: float | None, max_value: float | None
) -> dict[str, str]:
    """Field errors for an operator whose operands are missing or contradict each other."""
    errors = {}
    if operator in TEXT_VALUE_OPERATORS and not value.strip():
        errors["value"] = "This operator compares against a value: fill it in."
    if operator in {Operator.BETWEEN, Operator.NOT_BETWEEN}:
        if min_value is None or max_value is None:
            errors["min_value"] = "'Between' needs both a minimum and a maximum."
        elif min_value > max_value:
            errors["max_value"] = "The maximum is below the minimum."
    if operator == Operator.AT_LEAST and min_value is None:
        errors["min_value"] = "'At least' needs a minimum."
    if operator == Operator.AT_MOST and max_value is None:
        errors["max_value"] = "'At most' needs a maximum."
    return errors


# The most points a rule may give or take. Far beyond any real model (scores read on a 0-100
# scale, caps at 100), and small enough that a rule's points times its counted activities stay
# finite: 1e308 points overflowed a rescore's SQL, and NaN points broke every page showing a
# score they reached.
POINTS_LIMIT = 1_000_000


def validate_points(value: float | None) -> None:
    """Points are a finite number within POINTS_LIMIT either way (None: no value, not mine)."""
    if value is None:
        return
    if not math.isfinite(value) or abs(value) > POINTS_LIMIT:
        raise ValidationError(
            f"Give a number of points between {-POINTS_LIMIT:,} and {POINTS_LIMIT:,}.",
            code="points_range",
        )


# The longest window a rule or the buying group may look back: a century, longer than any
# history (activities go back to 1900). Far larger windows overflowed the date arithmetic of
# every score, what-if and rescore ("days=2000000000; must have magnitude <= 999999999").
WINDOW_DAYS_LIMIT = 36_500


def validate_window_days(value: int | None) -> None:
    """A window is at most WINDOW_DAYS_LIMIT days (None: no window, not mine)."""
    if value is not None and value > WINDOW_DAYS_LIMIT:
        raise ValidationError(
            f"Give a window of at most {WINDOW_DAYS_LIMIT:,} days (100 years), or leave it "
            "empty to count every activity.",
            code="window_range",
        )


def validate_cap(value: float | None) -> None:
    """An 'at most' bound is a size: 0 or more points (None: no cap, not mine)."""
    validate_points(value)
    if value is not None and value < 0:
        # A negative cap turned every total into that size: fit at most -5 gave everyone 5.
        raise ValidationError(
            "'At most' is a size: give 0 or more points. Penalties are held to the same size.",
            code="cap_negative",
        )


# The fields each dimension reads (the rest stay empty).
FIT_FIELDS = ("attribute", "property_name", "operator", "value", "min_value", "max_value")
INTEREST_FIELDS = ("activity_kind", "custom_kind", "max_occurrences", "max_points", "window_days")


class ScoringRule(models.Model):
    """
    One way a lead earns (or loses) points: a fit rule tests an attribute of the contact or its
    company; an interest rule counts matching activities, with optional caps and a window.
    """

    scoring_model = models.ForeignKey(
        "scoring.ScoringModel", on_delete=models.CASCADE, related_name="rules"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(
        max_length=255, blank=True, help_text="Shown to reps beside the points, in plain words."
    )
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    points = models.FloatField(
        help_text="Negative points penalise (free mail, students...).",
        validators=[validate_points],
    )
    is_active = models.BooleanField("active", default=True)
    is_hand_raise = models.BooleanField(
        "hand-raise",
        default=False,
        help_text="A match makes the lead an MQL at once, whatever its score.",
    )
    position = models.PositiveIntegerField(default=0)
    # Fit rules
    attribute = models.CharField(max_length=20, choices=FitAttribute.choices, blank=True)
    property_name = models.CharField(
        max_length=100, blank=True, help_text="For custom-property rules: the property's key."
    )
    operator = models.CharField(max_length=20, choices=Operator.choices, blank=True)
    value = models.TextField(
        blank=True, help_text="Text to compare; for 'is one of', values separated by commas."
    )
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    # Interest rules
    activity_kind = models.CharField(max_length=30, choices=ActivityKind.choices, blank=True)
    custom_kind = models.CharField(
        max_length=100, blank=True, help_text="For the 'custom' kind: its name."
    )
    max_occurrences = models.PositiveIntegerField(
        "count at most (times)",
        null=True,
        blank=True,
        help_text="Only the most recent N matching activities count.",
    )
    max_points = models.FloatField(
        "at most (points)",
        null=True,
        blank=True,
        help_text="This rule gives at most P points.",
        validators=[validate_cap],
    )
    window_days = models.PositiveIntegerField(
        "only the last (days)",
        null=True,
        blank=True,
        help_text="Only activities in the last N days count.",
        validators=[validate_window_days],
    )

    class Meta:
        ordering = ["scoring_model", "dimension", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(dimension__in=["fit", "account"]) & ~Q(attribute="") & ~Q(operator=""))
                | (Q(dimension="interest") & ~Q(activity_kind="")),
                name="scoring_rule_has_its_test",
            ),
            models.CheckConstraint(
                condition=Q(max_points__isnull=True) | Q(max_points__gte=0),
                name="scoring_rule_cap_not_negative",
            ),
            # validate_points, for writes that skip validation (a view, a shell, SQL). NaN
            # fails too: PostgreSQL orders NaN above every number.
            models.CheckConstraint(
                condition=Q(points__gte=-POINTS_LIMIT, points__lte=POINTS_LIMIT),
                name="scoring_rule_points_in_range",
            ),
            models.CheckConstraint(
                condition=Q(max_points__isnull=True) | Q(max_points__lte=POINTS_LIMIT),
                name="scoring_rule_cap_in_range",
            ),
        ]
        indexes = [
            # Loading a model's active rules for every scoring run.
            models.Index(
                fields=["scoring_model", "is_active"], name="scoring_rule_model_active_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.points:+g} {self.dimension})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.dimension in (Dimension.FIT, Dimension.ACCOUNT):
            if not self.attribute:
                errors["attribute"] = "A fit rule tests an attribute."
            elif self.dimension == Dimension.ACCOUNT and self.attribute not in ACCOUNT_ATTRIBUTES:
                errors["attribute"] = (
                    "An account fit rule tests the company: industry, employees, revenue, "
                    "location, technologies or a company custom property."
                )
            if self.dimension == Dimension.ACCOUNT and self.is_hand_raise:
                errors["is_hand_raise"] = "Only contact rules can be hand-raises."
            if not self.operator:
                errors["operator"] = "A fit rule needs an operator."
            if self.attribute == FitAttribute.PROPERTY and not self.property_name:
                errors["property_name"] = "Name the custom property to test."
            errors.update(
                validate_operands(self.operator, self.value, self.min_value, self.max_value)
            )
            if (
                self.attribute == FitAttribute.SENIORITY
                and self.operator in TEXT_VALUE_OPERATORS
                and "value" not in errors
            ):
                self._clean_seniority_value(errors)
        elif self.dimension == Dimension.INTEREST:
            if not self.activity_kind:
                errors["activity_kind"] = "An interest rule counts an activity kind."
            if self.activity_kind == ActivityKind.CUSTOM and not self.custom_kind:
                errors["custom_kind"] = "Name the custom activity kind."
            elif self.custom_kind and self.activity_kind != ActivityKind.CUSTOM:
                # Only custom activities carry a name, so the rule would match nothing.
                errors["custom_kind"] = (
                    "Only the 'Custom' activity kind has a name: choose Custom, or clear the name."
                )
        errors.update(self._other_dimensions_fields())
        if errors:
            raise ValidationError(errors)

    def _other_dimensions_fields(self) -> dict[str, str]:
        """
        Fields of the other dimension that are filled in: the engine ignores them, so a fit
        rule's window or an interest rule's operator would be a setting that silently does
        nothing (typically left over after changing the dimension).
        """
        if self.dimension == Dimension.INTEREST:
            fields, message = FIT_FIELDS, "Only fit rules test an attribute: clear this."
        elif self.dimension in (Dimension.FIT, Dimension.ACCOUNT):
            fields, message = INTEREST_FIELDS, "Only interest rules count activities: clear this."
        else:
            return {}
        return {name: message for name in fields if getattr(self, name) not in (None, "")}

    def _clean_seniority_value(self, errors: dict[str, str]) -> None:
        """
        Store the levels the engine compares (c_level, vp...): a rule written with the labels
        the pages show ("C-level, Head of") matched nobody. A value that is no level is refused.
        """
        names = split_values(self.value)
        levels = [seniority_level(name) for name in names]
        unknown = [name for name, level in zip(names, levels, strict=True) if level is None]
        if unknown:
            errors["value"] = (
                f"Not a seniority: {', '.join(unknown)}. Use "
                f"{', '.join(SENIORITY_LABELS.values())}, separated by commas."
            )
        elif len(levels) > 1 and self.operator not in {Operator.ONE_OF, Operator.NOT_ONE_OF}:
            errors["value"] = "Give one seniority here, or choose 'is one of' for several."
        else:
            self.value = ", ".join(levels)


class RuleCondition(models.Model):
    """A condition on a property of the activities an interest rule counts."""

    rule = models.ForeignKey(ScoringRule, on_delete=models.CASCADE, related_name="conditions")
    property = models.CharField(
        max_length=100, help_text="Activity property: url, form_name, asset, percent_watched..."
    )
    operator = models.CharField(max_length=20, choices=Operator.choices)
    value = models.TextField(blank=True)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.property} {self.get_operator_display()} {self.value}".strip()

    def clean(self) -> None:
        errors = validate_operands(self.operator, self.value, self.min_value, self.max_value)
        if errors:
            raise ValidationError(errors)
