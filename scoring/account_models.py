"""
Account scores: one per company under the live model (scoring.account_engine computes them,
scoring.services.accounts writes them), their timeline, and marketing-qualified accounts.
Imported by scoring.models so Django registers them in the scoring app.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from contacts.models import Company, FollowsItsSubject


class AccountScore(FollowsItsSubject, models.Model):
    """
    A company's account score: fit from the account fit rules, engagement from its contacts'
    interest (each contact's share capped) plus buying-group coverage, and whether it meets
    the MQA rule. Written in the same transaction as the contact scores that feed it, under
    this row's lock (taken after the contacts' locks), and refreshed through time by the beat.
    """

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, primary_key=True, related_name="account_score"
    )
    scoring_model = models.ForeignKey(
        "scoring.ScoringModel", on_delete=models.CASCADE, related_name="+"
    )
    fit = models.FloatField(default=0)
    engagement = models.FloatField(default=0)
    grade = models.CharField(max_length=1, default="D")
    band = models.PositiveSmallIntegerField(default=3)
    people_engaged = models.PositiveIntegerField(
        default=0, help_text="Contacts engaged in the buying-group window."
    )
    roles_engaged = models.PositiveSmallIntegerField(
        default=0, help_text="Distinct seniorities among them (buying-group coverage)."
    )
    meets_threshold = models.BooleanField("meets the MQA rule", default=False)
    explanation = models.CharField(max_length=500, blank=True)
    breakdown = models.JSONField(default=dict)
    # 0: a placeholder row just created to be locked, not yet scored.
    version = models.PositiveBigIntegerField(default=0)
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The companies list and API: filter by grade/band, sort by engagement.
            models.Index(fields=["grade", "band", "-engagement"], name="accountscore_cell_idx"),
            # Sorting the companies list by engagement; the time refresh finds engaged accounts.
            models.Index(fields=["-engagement"], name="accountscore_engagement_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.cell} fit {self.fit:g} engagement {self.engagement:g}"

    @property
    def cell(self) -> str:
        return f"{self.grade}{self.band}"


class AccountScoreChange(FollowsItsSubject, models.Model):
    """One entry in an account's score timeline: what changed, by how much, and why."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="account_score_changes"
    )
    occurred_at = models.DateTimeField()
    reason = models.CharField(max_length=20)  # scoring.models.ChangeReason
    detail = models.CharField(max_length=500, blank=True)
    fit_before = models.FloatField(default=0)
    fit_after = models.FloatField(default=0)
    engagement_before = models.FloatField(default=0)
    engagement_after = models.FloatField(default=0)
    cell_before = models.CharField(max_length=2, blank=True)
    cell_after = models.CharField(max_length=2, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # An account's score timeline, newest first.
            models.Index(fields=["company", "-occurred_at"], name="accountchange_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.reason} at {self.occurred_at:%Y-%m-%d %H:%M}"


class AccountQualification(models.Model):
    """
    A company becoming a marketing-qualified account (MQA). At most one is open per company,
    so an account is qualified and routed once however many contacts' activities or workers
    race; a drop below the rule later is recorded, never a new qualification.
    """

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="account_qualifications"
    )
    scoring_model = models.ForeignKey(
        "scoring.ScoringModel", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10)  # scoring.models.QualificationStatus
    qualified_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    fit = models.FloatField()
    engagement = models.FloatField()
    people_engaged = models.PositiveIntegerField(default=0)
    released_at = models.DateTimeField(null=True, blank=True)
    fell_below_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-qualified_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(closed_at__isnull=True),
                name="accountqualification_one_open",
            ),
        ]
        indexes = [
            # Marketing's list of MQAs waiting to be released after a rule change.
            models.Index(fields=["status", "qualified_at"], name="accountqual_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.company} MQA {self.qualified_at:%Y-%m-%d} ({self.status})"
