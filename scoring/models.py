from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from contacts.models import Contact, FollowsItsSubject
from leadscore.fast_json import FastJSONField
from scoring.line_models import ScoringLine
from scoring.rule_models import validate_cap, validate_points, validate_window_days


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
    fit_cap = models.FloatField(
        "fit at most", null=True, blank=True, default=100, validators=[validate_cap]
    )
    interest_cap = models.FloatField(
        "interest at most", null=True, blank=True, default=100, validators=[validate_cap]
    )
    mql_mode = models.CharField(
        "MQL rule", max_length=10, choices=MqlMode.choices, default=MqlMode.BOTH
    )
    mql_fit_threshold = models.FloatField("fit at least", default=40, validators=[validate_points])
    mql_interest_threshold = models.FloatField(
        "interest at least", default=30, validators=[validate_points]
    )
    mql_combined_threshold = models.FloatField(
        "fit + interest at least", default=80, validators=[validate_points]
    )
    grade_a_min = models.FloatField("grade A from fit", default=60, validators=[validate_points])
    grade_b_min = models.FloatField("grade B from fit", default=40, validators=[validate_points])
    grade_c_min = models.FloatField("grade C from fit", default=20, validators=[validate_points])
    band_hot_min = models.FloatField(
        "band 1 (hot) from interest", default=50, validators=[validate_points]
    )
    band_warm_min = models.FloatField(
        "band 2 (warm) from interest", default=20, validators=[validate_points]
    )
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
        validators=[validate_cap],
    )
    account_role_points = models.FloatField(
        "points per role engaged",
        default=10,
        help_text="Buying-group coverage: engagement added for each distinct seniority (C-level, "
        "VP, director, manager...) with a contact engaged in the window.",
        validators=[validate_points],
    )
    account_window_days = models.PositiveIntegerField(
        "buying-group window (days)",
        default=30,
        help_text="A contact counts as engaged when its interest rose in the last N days.",
        validators=[validate_window_days],
    )
    account_engagement_cap = models.FloatField(
        "account engagement at most",
        null=True,
        blank=True,
        default=100,
        validators=[validate_cap],
    )
    mqa_fit_threshold = models.FloatField(
        "MQA: account fit at least", default=30, validators=[validate_points]
    )
    mqa_engagement_threshold = models.FloatField(
        "MQA: account engagement at least", default=50, validators=[validate_points]
    )
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
        # Keyed by field, so the database constraints behind them are not reported again by
        # name ('Constraint "scoring_grade_cutoffs_ordered" is violated.').
        errors = {}
        if self.decay_half_life_days is not None and self.decay_half_life_days < 0:
            errors["decay_half_life_days"] = "Give 0 days (no decay) or more."
        if not (self.grade_a_min >= self.grade_b_min >= self.grade_c_min):
            errors["grade_b_min"] = "Grade cut-offs must run A >= B >= C."
        if self.band_hot_min < self.band_warm_min:
            errors["band_warm_min"] = "The hot band must start at or above the warm band."
        if errors:
            raise ValidationError(errors)


class ContactScore(FollowsItsSubject, models.Model):
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
    # of now (score_reads.score_now); the time refresh (beat) rewrites these columns when time
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
    # engine.ModelSpec.price_key of the rules this score was priced with: a full rescore after
    # a change to some interest rules leaves a score priced with the run's starting rules alone
    # when it counts nothing those rules count (services.rescore_runs).
    priced_key = models.CharField(max_length=32, blank=True)
    breakdown = FastJSONField(default=dict)
    rule_states = FastJSONField(default=dict)
    # Each definition's units at scored_at (repricing.units_to_json): what its rules count, before
    # points and caps. Until next_change_at they re-price a points, cap or threshold change and
    # give the score as of now without decoding rule_states (repricing.stored_units_at). Empty
    # on scores written before it existed: those are finished from their states.
    units = FastJSONField(default=dict)
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


class ScoreChange(FollowsItsSubject, models.Model):
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


# Rules, run records and account scores live in their own modules; imported here so Django
# finds the models and callers import every scoring model from scoring.models.
from scoring.account_models import (  # noqa: E402, F401
    AccountQualification,
    AccountScore,
    AccountScoreChange,
)
from scoring.rule_models import (  # noqa: E402, F401
    ACCOUNT_ATTRIBUTES,
    Dimension,
    FitAttribute,
    Operator,
    RuleCondition,
    ScoringRule,
    validate_operands,
)
from scoring.run_models import (  # noqa: E402, F401
    AuditAction,
    AuditEntry,
    AuditObject,
    OutboxMessage,
    OutboxTopic,
    OutcomeLevel,
    RescoreRun,
    RescoreSlice,
    RescoreStatus,
    WhatIfRun,
    WhatIfStatus,
)
