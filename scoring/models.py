from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from contacts.models import ActivityKind, Contact
from scoring.line_models import ScoringLine


class MqlMode(models.TextChoices):
    BOTH = "both", "Fit and interest each reach their threshold"
    COMBINED = "combined", "Fit + interest reach the combined threshold"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class ScoringModel(models.Model):
    """
    A version of the scoring model: its rules plus the settings that turn points into grades,
    bands and MQLs.

    Versions belong to a line (ScoringLine: a product line or region); exactly one version of
    each line is live at a time and scores every contact under that line. Marketing ops edits
    a *draft* (never published), tries it with a what-if replay and publishes it; the version
    it replaces is *retired* and kept, read-only, for comparison and rollback
    (services.scoring_model_publish, scoring_model_rollback). A line's versions are numbered
    1, 2, 3... in the order they were created.
    """

    line = models.ForeignKey(
        ScoringLine, on_delete=models.PROTECT, related_name="versions", editable=False
    )
    version = models.PositiveIntegerField(editable=False)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived",
        editable=False,
        help_text="The version this one was copied from.",
    )
    name = models.CharField(max_length=100)
    is_live = models.BooleanField(default=False)
    decay_half_life_days = models.FloatField(
        "interest half-life (days)",
        default=30,
        help_text="Interest points lose half their value every this many days. 0 = no decay.",
    )
    fit_cap = models.FloatField("fit at most", null=True, blank=True, default=100)
    interest_cap = models.FloatField("interest at most", null=True, blank=True, default=100)
    mql_mode = models.CharField(
        "MQL rule", max_length=10, choices=MqlMode.choices, default=MqlMode.BOTH
    )
    mql_fit_threshold = models.FloatField("fit at least", default=40)
    mql_interest_threshold = models.FloatField("interest at least", default=30)
    mql_combined_threshold = models.FloatField("fit + interest at least", default=80)
    grade_a_min = models.FloatField("grade A from fit", default=60)
    grade_b_min = models.FloatField("grade B from fit", default=40)
    grade_c_min = models.FloatField("grade C from fit", default=20)
    band_hot_min = models.FloatField("band 1 (hot) from interest", default=50)
    band_warm_min = models.FloatField("band 2 (warm) from interest", default=20)
    competitor_domains = models.TextField(
        blank=True, help_text="Email domains of competitors, one per line or comma-separated."
    )
    extra_free_mail_domains = models.TextField(
        blank=True,
        help_text="Free-mail domains in addition to the built-in list (gmail.com, yahoo.com...).",
    )
    # Account scores (scoring.account_engine): how contacts' interest adds up per company.
    account_contact_cap = models.FloatField(
        "one contact adds at most",
        default=25,
        help_text="Account engagement counts at most this much of any one contact's interest, "
        "so one busy contact cannot make an account hot.",
    )
    account_role_points = models.FloatField(
        "points per role engaged",
        default=10,
        help_text="Buying-group coverage: engagement added for each distinct seniority (C-level, "
        "VP, director, manager...) with a contact engaged in the window.",
    )
    account_window_days = models.PositiveIntegerField(
        "buying-group window (days)",
        default=30,
        help_text="A contact counts as engaged when its interest rose in the last N days.",
    )
    account_engagement_cap = models.FloatField(
        "account engagement at most", null=True, blank=True, default=100
    )
    mqa_fit_threshold = models.FloatField("MQA: account fit at least", default=30)
    mqa_engagement_threshold = models.FloatField("MQA: account engagement at least", default=50)
    mqa_min_people = models.PositiveSmallIntegerField(
        "MQA: people engaged at least",
        default=2,
        help_text="Contacts engaged in the buying-group window.",
    )
    auto_release_after_rescore = models.BooleanField(
        "release new MQLs automatically after a rule change",
        default=False,
        help_text="Off: leads that newly qualify after a rule change wait for marketing to "
        "release them to routing. On: they are released at once.",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-version"]
        permissions = [
            ("publish_scoringmodel", "Can publish a draft or roll back to an earlier version"),
        ]
        constraints = [
            # selectors.live_model(line) reads a line's one live version.
            models.UniqueConstraint(
                fields=["line"], condition=Q(is_live=True), name="scoring_one_live_model"
            ),
            # Numbered in creation order within a line; refuses a concurrent duplicate.
            models.UniqueConstraint(fields=["line", "version"], name="scoring_version_per_line"),
            models.CheckConstraint(
                condition=Q(grade_a_min__gte=models.F("grade_b_min"))
                & Q(grade_b_min__gte=models.F("grade_c_min")),
                name="scoring_grade_cutoffs_ordered",
            ),
            models.CheckConstraint(
                condition=Q(band_hot_min__gte=models.F("band_warm_min")),
                name="scoring_band_cutoffs_ordered",
            ),
            models.CheckConstraint(
                condition=Q(decay_half_life_days__gte=0), name="scoring_half_life_not_negative"
            ),
        ]

    def __str__(self) -> str:
        label = f"v{self.version} {self.name}" if self.version else self.name
        return f"{label} (live)" if self.is_live else label

    def save(self, *args, **kwargs) -> None:
        if self.line_id is None:
            # Created without a line (the default model, a fixture, a newcomer's first model).
            self.line = ScoringLine.objects.default()
        if self.version is None:
            # Numbered in creation order; the unique constraint refuses a concurrent duplicate.
            versions = ScoringModel.objects.filter(line_id=self.line_id)
            latest = versions.aggregate(n=models.Max("version"))["n"] or 0
            self.version = latest + 1
        if self.is_live and self.published_at is None:
            # Created live (the default model, a fixture): it counts as published now.
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def status(self) -> str:
        if self.is_live:
            return VersionStatus.LIVE
        return VersionStatus.RETIRED if self.published_at else VersionStatus.DRAFT

    def get_status_display(self) -> str:
        return VersionStatus(self.status).label

    @property
    def is_draft(self) -> bool:
        """Editable: never published. Live and retired versions are frozen."""
        return not self.is_live and self.published_at is None

    def clean(self) -> None:
        if not (self.grade_a_min >= self.grade_b_min >= self.grade_c_min):
            raise ValidationError("Grade cut-offs must run A >= B >= C.")
        if self.band_hot_min < self.band_warm_min:
            raise ValidationError("The hot band must start at or above the warm band.")


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


class ScoringRule(models.Model):
    """
    One way a lead earns (or loses) points: a fit rule tests an attribute of the contact or its
    company; an interest rule counts matching activities, with optional caps and a window.
    """

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=100)
    description = models.CharField(
        max_length=255, blank=True, help_text="Shown to reps beside the points, in plain words."
    )
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    points = models.FloatField(help_text="Negative points penalise (free mail, students...).")
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
        "at most (points)", null=True, blank=True, help_text="This rule gives at most P points."
    )
    window_days = models.PositiveIntegerField(
        "only the last (days)",
        null=True,
        blank=True,
        help_text="Only activities in the last N days count.",
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
        elif self.dimension == Dimension.INTEREST:
            if not self.activity_kind:
                errors["activity_kind"] = "An interest rule counts an activity kind."
            if self.activity_kind == ActivityKind.CUSTOM and not self.custom_kind:
                errors["custom_kind"] = "Name the custom activity kind."
        if errors:
            raise ValidationError(errors)


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


class ContactScore(models.Model):
    """
    A contact's scores under one live model (line), the breakdown that explains them, and the
    rule states they are computed from. One row per contact and line.

    `rule_states` holds, per interest rule definition (engine.definition_key), what that rule
    needs of the contact's history (engine.RuleState): new activities are folded into it in the
    transaction that records them, and the score at any moment is finished from it without
    reading an activity. Every writer holds the contact's row lock and bumps `version`, so a
    score computed from older data never overwrites a newer one.
    """

    # Indexed by score_one_per_line, which leads with contact.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    # The live model (line) this score is under; scoring_model is the version that wrote it.
    line = models.ForeignKey(ScoringLine, on_delete=models.CASCADE, related_name="+")
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+")
    fit = models.FloatField(default=0)
    # Interest, grade, band and MQL state as of scored_at. Pages and the API show the score as
    # of now (selectors.score_now); the time refresh (beat) rewrites these columns when time
    # alone moves a band or the MQL rule, so ranking and filters stay within one refresh.
    interest = models.FloatField(default=0)
    grade = models.CharField(max_length=1, default="D")
    band = models.PositiveSmallIntegerField(default=3)
    meets_threshold = models.BooleanField(default=False)
    hand_raise_rule = models.CharField(max_length=100, blank=True)
    # The positive and negative interest parts at scored_at, summed before the interest cap.
    # Until next_change_at every part only decays, by the same factor f, so interest stays
    # within [f*gains - losses, gains - f*losses]: the time refresh reads only the rows whose
    # band or MQL state that range could have moved (services.time_refresh), not every state.
    interest_gains = models.FloatField(null=True, blank=True)
    interest_losses = models.FloatField(null=True, blank=True)
    # engine.ModelSpec.fit_key of the rules the fit parts in `breakdown` come from: a new
    # activity reuses them while the key matches, instead of evaluating every fit rule again.
    fit_key = models.CharField(max_length=32, blank=True)
    breakdown = models.JSONField(default=dict)
    rule_states = models.JSONField(default=dict)
    # When a stored value next changes through time alone (an activity dated in the future
    # arrives, one leaves a window); decay is continuous and handled by the refresh itself.
    next_change_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveBigIntegerField(default=0)
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Every writer upserts on (contact, line): one score per contact per live model.
            models.UniqueConstraint(fields=["contact", "line"], name="score_one_per_line"),
        ]
        indexes = [
            # The queue ranks a team's open leads by their contacts' grade, band and fit +
            # interest under the lead's model (routing.selectors.queue_page): one index-only
            # lookup per lead, without reading the wide score rows (breakdowns are most of it).
            models.Index(
                fields=["contact", "line", "grade", "band", "fit", "interest"],
                name="score_rank_lookup_idx",
            ),
            # The contact list sorted by grade x band under one model
            # (workspace.paging.ScoreRankedRows): a page walks this index in order (backwards
            # for worst first) and stops after 50 rows.
            models.Index(
                F("line"),
                F("grade"),
                F("band"),
                (F("fit") + F("interest")).desc(),
                name="score_rank_idx",
            ),
            # The time refresh finds scores with interest left to lose.
            models.Index(fields=["interest"], name="score_interest_idx"),
            # The time refresh finds scores a future or expiring activity will change.
            models.Index(fields=["next_change_at"], name="score_next_change_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.cell} fit {self.fit:g} interest {self.interest:g}"

    def save(self, *args, **kwargs) -> None:
        if self.line_id is None and self.scoring_model_id is not None:
            self.line_id = self.scoring_model.line_id  # the version's line
        super().save(*args, **kwargs)

    @property
    def cell(self) -> str:
        return f"{self.grade}{self.band}"


class ChangeReason(models.TextChoices):
    FIRST_SCORE = "first_score", "First score"
    NEW_ACTIVITY = "new_activity", "New activity"
    PROFILE_CHANGE = "profile_change", "Profile change"
    RULE_CHANGE = "rule_change", "Rule change"
    # Time alone: decay, an activity leaving its window, one dated in the future arriving.
    DECAY = "decay", "Time passed"


class ScoreChange(models.Model):
    """One entry in a contact's score timeline: what changed, by how much, and why."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="score_changes")
    line = models.ForeignKey(ScoringLine, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=ChangeReason.choices)
    detail = models.CharField(max_length=500, blank=True)
    activity = models.ForeignKey(
        "contacts.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fit_before = models.FloatField(default=0)
    fit_after = models.FloatField(default=0)
    interest_before = models.FloatField(default=0)
    interest_after = models.FloatField(default=0)
    cell_before = models.CharField(max_length=2, blank=True)
    cell_after = models.CharField(max_length=2, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # A contact's score timeline, newest first.
            models.Index(fields=["contact", "-occurred_at"], name="scorechange_contact_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.reason} at {self.occurred_at:%Y-%m-%d %H:%M}"


class QualificationStatus(models.TextChoices):
    PENDING_RELEASE = "pending", "Waiting for marketing to release"
    RELEASED = "released", "Released to routing"


class Qualification(models.Model):
    """
    A contact becoming an MQL under one live model (line). At most one is open per contact and
    line, so a lead is announced to routing exactly once per qualification however many events
    or workers race; a contact qualifying under two models is two leads, each routed by rules
    that match its model.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="qualifications")
    # The live model the lead qualified under; routing rules can match it.
    line = models.ForeignKey(ScoringLine, on_delete=models.PROTECT, related_name="+")
    scoring_model = models.ForeignKey(
        ScoringModel, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=QualificationStatus.choices)
    qualified_at = models.DateTimeField()
    reason = models.CharField(max_length=255)
    hand_raise = models.BooleanField(default=False)
    fit = models.FloatField()
    interest = models.FloatField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Interest decayed below the MQL rule after qualifying. Recorded, but the lead stays with
    # its rep: only routing (accept, reject, recycle) closes a qualification.
    fell_below_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-qualified_at"]
        constraints = [
            # One open qualification per contact and model: a lead is announced once per
            # model however many events or workers race.
            models.UniqueConstraint(
                fields=["contact", "line"],
                condition=Q(closed_at__isnull=True),
                name="qualification_one_open_per_line",
            ),
        ]
        indexes = [
            # Marketing's list of leads waiting to be released.
            models.Index(fields=["status", "qualified_at"], name="qualification_status_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.contact} qualified {self.qualified_at:%Y-%m-%d} ({self.get_status_display()})"
        )

    def save(self, *args, **kwargs) -> None:
        if self.line_id is None:
            # The version's line; a qualification recorded without one is the default's.
            self.line_id = (
                self.scoring_model.line_id
                if self.scoring_model_id
                else ScoringLine.objects.default().pk
            )
        super().save(*args, **kwargs)


class RescoreStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RescoreRun(models.Model):
    """A background rescore of every contact after a rule or settings change, with progress."""

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=RescoreStatus.choices, default="queued")
    reason = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    release_new_mqls = models.BooleanField(
        default=False, help_text="Send newly qualifying leads straight to routing."
    )
    refold_all = models.BooleanField(
        default=False,
        help_text="Rebuild every rule state from the history, not only the changed definitions.",
    )
    requests = models.PositiveIntegerField(
        default=1, help_text="How many rescore requests this run answers (later ones coalesce)."
    )
    refolded = models.PositiveIntegerField(
        default=0, help_text="Rule definitions whose states were rebuilt from the history."
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    newly_qualified = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # "Is a run already queued for this model?" when rules change in quick succession.
            models.Index(fields=["scoring_model", "status"], name="rescorerun_model_status_idx"),
        ]
        constraints = [
            # Rescore requests coalesce: at most one run waits per model; more requests while
            # it waits join it (services.rescore_runs.scoring_model_changed).
            models.UniqueConstraint(
                fields=["scoring_model"],
                condition=Q(status="queued"),
                name="rescorerun_one_queued_per_model",
            ),
        ]

    def __str__(self) -> str:
        return f"Rescore {self.pk} ({self.get_status_display()}, {self.percent}%)"

    @property
    def percent(self) -> int:
        return (
            100 if self.status == RescoreStatus.DONE else int(100 * self.done / max(self.total, 1))
        )


class AuditAction(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"
    PUBLISHED = "published", "Published"
    ROLLED_BACK = "rolled_back", "Rolled back"


class AuditObject(models.TextChoices):
    MODEL = "model", "Model version"
    RULE = "rule", "Rule"
    CONDITION = "condition", "Rule condition"


class AuditEntry(models.Model):
    """
    One change to a scoring model version, a rule or a rule condition: who, when, what, and
    for a changed field its value before and after. Written by services.audit_* from the admin
    and from the publish, rollback and draft services; never edited.

    The version number and the object's name are copied in, so the trail still reads after a
    draft or a rule is deleted.
    """

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scoring_model = models.ForeignKey(
        ScoringModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    model_version = models.PositiveIntegerField(null=True, blank=True)
    rule = models.ForeignKey(
        ScoringRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    object_type = models.CharField(max_length=10, choices=AuditObject.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_repr = models.CharField("object", max_length=255)
    action = models.CharField(max_length=12, choices=AuditAction.choices)
    field = models.CharField(max_length=100, blank=True)
    old_value = models.TextField("from", blank=True)
    new_value = models.TextField("to", blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # The model page: the latest entries of one version.
            models.Index(fields=["scoring_model", "-at"], name="audit_model_time_idx"),
            # The admin's audit list, newest first.
            models.Index(fields=["-at"], name="audit_time_idx"),
        ]

    def __str__(self) -> str:
        what = f"{self.object_repr}.{self.field}" if self.field else self.object_repr
        return f"{self.get_action_display()} {what} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def summary(self) -> str:
        """'Viewed pricing: points 10 → 15', 'Created rule Webinar', 'Published model v4'..."""
        if self.field:
            before, after = self.old_value or "(empty)", self.new_value or "(empty)"
            return f"{self.object_repr}: {self.field} {before} → {after}"
        kind = self.get_object_type_display().lower()
        text = f"{self.get_action_display()} {kind} {self.object_repr}"
        return f"{text} ({self.note})" if self.note else text


class WhatIfStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class OutcomeLevel(models.TextChoices):
    EITHER = "either", "The contact's own outcome, else its account's"
    CONTACT = "contact", "Outcomes recorded on the contact"
    ACCOUNT = "account", "Outcomes recorded on the account"


class WhatIfRun(models.Model):
    """
    A replay of a draft and the live version over every stored contact (scoring.whatif) and
    over the contacts with known outcomes (scoring.backtest), run in the background.

    `result` holds the aggregated comparison; `observations` the per-outcome scores of both
    versions, so the backtest can be re-split at another date without replaying.
    """

    draft = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="whatif_runs")
    baseline = models.ForeignKey(
        ScoringModel, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=WhatIfStatus.choices, default="queued")
    outcome_level = models.CharField(
        max_length=10, choices=OutcomeLevel.choices, default=OutcomeLevel.EITHER
    )
    as_of = models.DateTimeField(help_text="The moment both versions were evaluated at.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    observations = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The what-if page: the latest run of a draft.
            models.Index(fields=["draft", "-created_at"], name="whatif_draft_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"What-if {self.pk} of v{self.draft.version} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == WhatIfStatus.DONE:
            return 100
        return int(100 * self.done / max(self.total, 1))

    @property
    def is_running(self) -> bool:
        return self.status in (WhatIfStatus.QUEUED, WhatIfStatus.RUNNING)

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class OutboxTopic(models.TextChoices):
    LEAD_QUALIFIED = "lead_qualified", "Lead qualified: route it"
    ACCOUNT_QUALIFIED = "account_qualified", "Account qualified (MQA): route it"
    ACCOUNTS_SCORE = "accounts_score", "Contacts scored: rescore their accounts"
    # Handled by the predictive app (it registers its handler: scoring cannot import it).
    PREDICTIONS_REFRESH = "predictions_refresh", "Contacts changed: refresh their predictions"


class OutboxMessage(models.Model):
    """
    A side effect that must not be lost (routing a qualified lead...), written in the same
    transaction as the change that causes it and delivered afterwards by a Celery task. If the
    broker is down when the transaction commits, the message waits here and the beat task
    (outbox re-drive) delivers it once the broker is back. Delivery locks the row and marks it
    delivered in one transaction with the handler's own writes, so a message is handled once.
    """

    topic = models.CharField(max_length=30, choices=OutboxTopic.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    # Not before this moment: set on failure, for backoff.
    available_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The re-drive: undelivered messages that are due, oldest first.
            models.Index(
                fields=["available_at", "id"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        state = "delivered" if self.delivered_at else "pending"
        return f"{self.get_topic_display()} #{self.pk} ({state})"


# Account scores live in their own module; imported here so Django finds the models.
from scoring.account_models import (  # noqa: E402, F401
    AccountQualification,
    AccountScore,
    AccountScoreChange,
)
