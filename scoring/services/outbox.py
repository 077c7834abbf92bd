"""
The outbox: side effects that must not be lost, written in the transaction that causes them and
delivered afterwards by Celery (scoring.tasks.deliver_outbox), with a beat re-drive for whatever
the broker did not take. Delivery runs the handler and marks the message delivered in one
transaction under the message's row lock, so each message is handled exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadscore.on_commit import enqueue_once, enqueue_safely, pending
from scoring.models import AccountQualification, OutboxMessage, OutboxTopic, Qualification
from scoring.signals import account_qualified, lead_qualified

logger = logging.getLogger(__name__)

# A failed delivery is tried again after 30 s, 1 min, 2 min... at most every 30 minutes.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 1800
REDRIVE_BATCH = 500


def outbox_publish(*, topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Record a side effect in the caller's transaction; its delivery is queued on commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_publish() belongs inside the transaction that causes it.")
    message = OutboxMessage.objects.create(topic=OutboxTopic(topic), payload=payload)
    from scoring import tasks

    message_id = message.pk
    transaction.on_commit(lambda: enqueue_safely(tasks.deliver_outbox, message_id))
    return message


class _TransactionMessage:
    """
    A transaction's one message of a topic, kept among its on-commit jobs so later writes in
    the transaction find it and add their ids; the job itself has nothing to do (outbox_publish
    queued the delivery).
    """

    def __init__(self, message: OutboxMessage, field: str) -> None:
        self.message, self.field = message, field

    def add(self, ids: list[int]) -> None:
        known = set(self.message.payload[self.field])
        if set(ids) <= known:
            return
        self.message.payload[self.field] = sorted(known | set(ids))
        self.message.save(update_fields=["payload"])

    def __call__(self) -> None:
        pass


def _forget_pending(message_id: int) -> None:
    """
    A message delivered inside the transaction that wrote it (a shell, a test; a worker never
    sees one before its commit): later writes in that transaction publish a new one instead of
    adding to a delivered message.
    """
    for _, job, *_ in transaction.get_connection().run_on_commit:
        callback = getattr(job, "callback", None)
        if isinstance(callback, _TransactionMessage) and callback.message.pk == message_id:
            job.done = True


def outbox_publish_ids(
    *,
    topic: str,
    field: str,
    ids: Iterable[int],
    extra: dict[str, Any] | None = None,
    unless_pending: Callable[[], bool] | None = None,
) -> None:
    """
    Record a side effect about some rows, one message per topic and transaction: the first
    write publishes it, later writes in the same transaction add their ids to it (an import
    of 10,000 activities is one message, not 10,000). Outside a transaction, in one of its own.
    `unless_pending`, asked only when no message is pending yet, can say none is needed.
    """
    ids = sorted(set(ids))
    if not ids:
        return
    key = ("outbox", str(topic))
    # No savepoint inside the caller's transaction: a failure here fails the write it belongs to.
    with transaction.atomic(savepoint=False):
        queued = pending(key)
        if queued is not None:
            queued.callback.add(ids)
            return
        if unless_pending is not None and not unless_pending():
            return
        message = outbox_publish(topic=topic, payload={field: ids, **(extra or {})})
        enqueue_once(key, _TransactionMessage(message, field))


def _lead_qualified(payload: dict[str, Any]) -> None:
    qualification = (
        Qualification.objects.select_related("contact")
        .filter(pk=payload["qualification_id"])
        .first()
    )
    if qualification is None or qualification.closed_at is not None:
        return  # deleted or already closed before routing saw it: nothing to route
    # Receivers (routing) do their work synchronously, inside the delivery's transaction.
    lead_qualified.send(
        sender=Qualification, qualification=qualification, contact=qualification.contact
    )


def _account_qualified(payload: dict[str, Any]) -> None:
    qualification = (
        AccountQualification.objects.select_related("company")
        .filter(pk=payload["account_qualification_id"])
        .first()
    )
    if qualification is None or qualification.closed_at is not None:
        return
    account_qualified.send(
        sender=AccountQualification, qualification=qualification, company=qualification.company
    )


def _accounts_score(payload: dict[str, Any]) -> None:
    from scoring.services.accounts import accounts_score

    accounts_score(
        company_ids=payload["company_ids"],
        now=timezone.now(),
        reason=payload.get("reason", "new_activity"),
        # After a rule change an MQA waits for marketing (accounts_rescore_all_publish).
        release=payload.get("release", True),
    )


def _accounts_rescore_all(payload: dict[str, Any]) -> None:
    from scoring.services.accounts import accounts_rescore_all_publish

    # Accounts follow the default line's live model when each chunk is delivered.
    accounts_rescore_all_publish(release=payload.get("release", False))


HANDLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    OutboxTopic.LEAD_QUALIFIED: _lead_qualified,
    OutboxTopic.ACCOUNT_QUALIFIED: _account_qualified,
    OutboxTopic.ACCOUNTS_SCORE: _accounts_score,
    OutboxTopic.ACCOUNTS_RESCORE_ALL: _accounts_rescore_all,
}


def outbox_handler_register(*, topic: str, handler: Callable[[dict[str, Any]], None]) -> None:
    """
    Handle a topic from an app that scoring cannot import (the predictive score), called from
    that app's AppConfig.ready(). The handler runs inside the delivery's transaction.
    """
    HANDLERS[OutboxTopic(topic)] = handler


def outbox_message_deliver(*, message_id: int, now: datetime | None = None) -> bool:
    """
    Deliver one message if it is still pending. Returns True when it was delivered now. A
    handler error is recorded and retried later with backoff (the re-drive).
    """
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, delivered_at__isnull=True)
                .first()
            )
            if message is None:
                return False  # delivered already, or another worker is delivering it
            HANDLERS[message.topic](message.payload)
            message.delivered_at = now or timezone.now()
            message.attempts += 1
            message.save(update_fields=["delivered_at", "attempts"])
        _forget_pending(message_id)
        return True
    except Exception as exc:
        logger.exception("Outbox message %s failed", message_id)
        _record_failure(message_id, exc)
        return False


def _record_failure(message_id: int, exc: Exception) -> None:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.delivered_at is not None:
            return
        message.attempts += 1
        delay = min(RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), RETRY_MAX_SECONDS)
        message.available_at = timezone.now() + timedelta(seconds=delay)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.save(update_fields=["attempts", "available_at", "last_error"])


def outbox_redrive(*, now: datetime | None = None, older_than_seconds: int = 5) -> int:
    """
    Deliver every due message that is still pending (beat, every 20 s): those whose task
    was lost with the broker, and failed ones whose backoff ran out. Returns how many it
    delivered.
    """
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(
        delivered_at__isnull=True,
        available_at__lte=now,
        created_at__lte=now - timedelta(seconds=older_than_seconds),
    ).order_by("available_at", "id")
    delivered = 0
    for message_id in list(due.values_list("pk", flat=True)[:REDRIVE_BATCH]):
        delivered += outbox_message_deliver(message_id=message_id)
    return delivered
