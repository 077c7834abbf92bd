"""Celery tasks for scoring. Each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from scoring import services


@shared_task(name="scoring.rescore_contact", acks_late=True)
def rescore_contact(contact_id: int, reason: str, activity_id: int | None = None) -> None:
    services.contact_rescore(contact_id=contact_id, reason=reason, activity_id=activity_id)


@shared_task(name="scoring.rescore_company")
def rescore_company(company_id: int) -> None:
    services.company_contacts_rescore(company_id=company_id)


@shared_task(name="scoring.rescore_all")
def rescore_all(model_id: int, reason: str, release: bool | None = None) -> None:
    services.scoring_model_rescore(model_id=model_id, reason=reason, release=release)


@shared_task(name="scoring.refresh_decay")
def refresh_decay() -> None:
    services.scores_refresh_decay()


@shared_task(name="scoring.execute_rescore_run")
def execute_rescore_run(run_id: int) -> None:
    services.rescore_run_execute(run_id=run_id)


@shared_task(name="scoring.rescore_contacts", acks_late=True)
def rescore_contacts(contact_ids: list[int], reason: str = "new_activity") -> None:
    """Rescore the contacts a bulk write changed, once each (see contacts_bulk_changed)."""
    services.contacts_rescore(contact_ids=contact_ids, reason=reason)


@shared_task(name="scoring.run_whatif")
def run_whatif(run_id: int) -> None:
    """Replay a draft against the live version (what-if and backtest)."""
    services.whatif_run_execute(run_id=run_id)
