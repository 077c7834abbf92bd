from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.models import Contact, FollowsItsSubject


class ModelStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    TRAINING = "training", "Training"
    ACTIVE = "active", "Active: scores leads"
    RETIRED = "retired", "Retired (kept for comparison)"
    EVALUATION = "evaluation", "Evaluation only (trained on a file)"
    FAILED = "failed", "Not trained"


class PredictiveModel(models.Model):
    """
    A version of the predictive score: a classifier learned from won and lost leads, with its
    held-out evaluation, the features it uses and the fitted pipeline (a joblib pickle).

    Versions are numbered 1, 2, 3... Training creates a queued version; when it succeeds it
    becomes the one active version and the previous active one is retired and kept, so the
    model page can compare them. A refusal (too few outcomes) or an error is kept too, with
    its message. Versions trained from a CSV file (`predictive_from_csv`) are for evaluation
    only: they never score CRM contacts.
    """

    version = models.PositiveIntegerField(unique=True, editable=False)
    status = models.CharField(max_length=12, choices=ModelStatus.choices, default="queued")
    is_active = models.BooleanField(default=False)
    source = models.CharField(
        max_length=255, default="crm", help_text="'crm', or the CSV file it was trained on."
    )
    algorithm = models.CharField(max_length=30, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    n_rows = models.PositiveIntegerField("outcomes", default=0)
    n_train = models.PositiveIntegerField("training rows", default=0)
    n_test = models.PositiveIntegerField("test rows", default=0)
    n_won = models.PositiveIntegerField("won", default=0)
    split = models.CharField(max_length=10, blank=True, help_text="'time' or 'random'.")
    split_at = models.DateTimeField(null=True, blank=True)
    features = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    coefficients = models.JSONField(default=list, blank=True)
    suggestions = models.JSONField(default=dict, blank=True)
    pipeline = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    trained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            # selectors.active_model() reads the one active version.
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="predictive_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"Predictive v{self.version} ({self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        if self.version is None:
            latest = PredictiveModel.objects.aggregate(n=models.Max("version"))["n"] or 0
            self.version = latest + 1
        super().save(*args, **kwargs)

    @property
    def is_running(self) -> bool:
        return self.status in (ModelStatus.QUEUED, ModelStatus.TRAINING)

    @property
    def test_auc(self) -> float | None:
        return (self.metrics or {}).get("test", {}).get("auc")


class ContactPrediction(FollowsItsSubject, models.Model):
    """A contact's probability of being won under the active predictive model, and why."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, primary_key=True, related_name="prediction"
    )
    model = models.ForeignKey(PredictiveModel, on_delete=models.CASCADE, related_name="+")
    model_version = models.PositiveIntegerField()
    probability = models.FloatField()
    # [{"words": "Lead source: referral", "contribution": 0.41}, ...], strongest first.
    positive = models.JSONField(default=list, blank=True)
    negative = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Lists of the most likely leads, highest probability first.
            models.Index(fields=["-probability"], name="prediction_probability_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.probability:.0%} (v{self.model_version})"

    @property
    def percent(self) -> int:
        """Whole percent, never 0 or 100: no lead nobody has decided is certain either way
        (training also keeps stored probabilities within the test set's honest bounds)."""
        return min(99, max(1, round(100 * self.probability)))
