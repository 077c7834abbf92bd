"""
Records of work on versions: rescore runs, the audit trail, what-if runs and the outbox of
side effects. Imported into scoring.models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RescoreStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    # Its version stopped being live before the run ended: the live version's run rescores
    # every contact, and this one wrote nothing after (services.rescore_runs).
    SUPERSEDED = "superseded", "Superseded"


class RescoreRun(models.Model):
    """A background rescore of every contact after a rule or settings change, with progress."""

    scoring_model = models.ForeignKey(
        "scoring.ScoringModel", on_delete=models.CASCADE, related_name="runs"
    )
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
    # Contacts gone through whose score the change could not move (they count nothing the
    # changed rules count): left as they were, not rewritten. Part of `done`.
    untouched = models.PositiveIntegerField(default=0)
    # What the run priced scores with (repricing.pricing_snapshot), written when it is done:
    # the next run re-prices only the scores its changes can move.
    priced_with = models.JSONField(null=True, blank=True)
    newly_qualified = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When a slice was last finished: a running run with none for a while lost its workers,
    # and the beat re-drive sends it to another (services.rescore_runs.rescore_runs_redrive).
    progressed_at = models.DateTimeField(null=True, blank=True)
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


class RescoreSlice(models.Model):
    """
    One slice of a rescore run: the contacts with ids first_id..last_id, rescored in one
    transaction by whichever worker claims it (SKIP LOCKED), and marked done in that same
    transaction. Several workers share a run this way, and a run whose worker died resumes
    where it stopped: an unfinished slice is unlocked again and another worker takes it.
    """

    run = models.ForeignKey(RescoreRun, on_delete=models.CASCADE, related_name="slices")
    first_id = models.BigIntegerField()
    # None for the last slice: it also takes contacts created after the run was cut.
    last_id = models.BigIntegerField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # What the slice did, summed into the run when the last slice is done.
    contacts = models.PositiveIntegerField(default=0)
    untouched = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    newly_qualified = models.PositiveIntegerField(default=0)
    refolded = models.JSONField(default=list, blank=True)  # definition keys rebuilt
    priced_key = models.CharField(max_length=32, blank=True)  # the rules it priced with

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "first_id"], name="rescoreslice_run_first_id")
        ]
        indexes = [
            # A worker's claim: the run's first slice not done yet (FOR UPDATE SKIP LOCKED).
            models.Index(
                fields=["run", "first_id"],
                condition=Q(done_at__isnull=True),
                name="rescoreslice_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Slice {self.first_id}..{self.last_id or ''} of rescore {self.run_id}"


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
        "scoring.ScoringModel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit",
    )
    model_version = models.PositiveIntegerField(null=True, blank=True)
    rule = models.ForeignKey(
        "scoring.ScoringRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit",
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

    draft = models.ForeignKey(
        "scoring.ScoringModel", on_delete=models.CASCADE, related_name="whatif_runs"
    )
    baseline = models.ForeignKey(
        "scoring.ScoringModel", null=True, on_delete=models.SET_NULL, related_name="+"
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
    ACCOUNTS_RESCORE_ALL = "accounts_rescore_all", "Rescore run done: rescore every account"
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
