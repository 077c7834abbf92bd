"""Celery tasks for scoring. Each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from scoring import services


@shared_task(name="scoring.deliver_outbox", acks_late=True)
def deliver_outbox(message_id: int) -> bool:
    """Deliver one outbox message (routing a qualified lead...)."""
    return services.outbox_message_deliver(message_id=message_id)


@shared_task(name="scoring.redrive_outbox")
def redrive_outbox() -> int:
    """Beat, every minute: deliver what the broker missed; start rescore runs left waiting."""
    services.rescore_runs_redrive()
    return services.outbox_redrive()


@shared_task(name="scoring.refresh_decay")
def refresh_decay() -> int:
    """Beat: stored bands and MQL state follow decay, windows and future activities."""
    return services.scores_refresh_time()


@shared_task(name="scoring.refresh_accounts_time")
def refresh_accounts_time() -> int:
    """Beat: account scores follow their contacts' decay and the buying-group window."""
    return services.accounts_refresh_time()


@shared_task(bind=True, name="scoring.execute_rescore_run", acks_late=True, max_retries=None)
def execute_rescore_run(self, run_id: int) -> None:
    try:
        # Eager (no broker), nothing else waits for this process: the run goes on to its end.
        budget = None if self.request.is_eager else settings.SCORING_RESCORE_TASK_SECONDS
        services.rescore_run_execute(run_id=run_id, budget_seconds=budget)
    except services.RescoreBusy:
        if self.request.is_eager:
            return  # the running run's end (or the re-drive) starts it
        raise self.retry(countdown=5) from None


@shared_task(name="scoring.rescore_all")
def rescore_all(model_id: int, reason: str, release: bool | None = None) -> None:
    services.scoring_model_rescore(model_id=model_id, reason=reason, release=release)


@shared_task(name="scoring.run_whatif")
def run_whatif(run_id: int) -> None:
    """Replay a draft against the live version (what-if and backtest)."""
    services.whatif_run_execute(run_id=run_id)
