"""Celery tasks for the predictive score. Each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from predictive import services


@shared_task(name="predictive.train_model")
def train_model(model_id: int) -> None:
    services.predictive_model_train(model_id=model_id)


@shared_task(name="predictive.retrain_weekly")
def retrain_weekly() -> None:
    """The weekly beat: queue a new version (it runs through train_model)."""
    services.predictive_model_request(requested_by=None)


@shared_task(name="predictive.predict_contacts", acks_late=True)
def predict_contacts(contact_ids: list[int]) -> None:
    services.contacts_predict(contact_ids=contact_ids)
