"""Reads for the predictive score."""

from __future__ import annotations

from django.db.models import QuerySet

from predictive.models import ContactPrediction, ModelStatus, PredictiveModel


def active_model() -> PredictiveModel | None:
    """The version that scores contacts now."""
    return PredictiveModel.objects.filter(is_active=True).defer("pipeline").first()


def active_model_exists() -> bool:
    return PredictiveModel.objects.filter(is_active=True).exists()


def versions() -> QuerySet[PredictiveModel]:
    """Every version, newest first, without the pickled pipelines."""
    return PredictiveModel.objects.defer("pipeline").select_related("requested_by")


def previous_model(model: PredictiveModel) -> PredictiveModel | None:
    """The latest trained version before this one, for comparison."""
    return (
        versions()
        .filter(
            version__lt=model.version,
            status__in=[ModelStatus.ACTIVE, ModelStatus.RETIRED],
            source=model.source,
        )
        .first()
    )


def contact_prediction(*, contact_id: int) -> ContactPrediction | None:
    return ContactPrediction.objects.filter(pk=contact_id).first()


def predictions_for(contact_ids: list[int]) -> dict[int, ContactPrediction]:
    """Stored predictions of many contacts, in one query (the queue's rows)."""
    return {p.contact_id: p for p in ContactPrediction.objects.filter(pk__in=contact_ids)}
