"""
Queue work for when the current transaction commits, once per key.

Signal receivers only enqueue Celery tasks on commit; an admin save or an import touches many
rows in one transaction, so each kind of work is keyed and queued once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction


class OnCommitJob:
    """A callback queued for commit, tagged with a key so a transaction queues it only once."""

    def __init__(self, key: tuple, callback: Callable[[], Any]) -> None:
        self.key, self.callback, self.done = key, callback, False

    def __call__(self) -> None:
        self.done = True
        self.callback()


def pending(key: tuple) -> OnCommitJob | None:
    """The job queued under `key` in the current transaction that has not run yet, if any."""
    for _, queued, *_ in transaction.get_connection().run_on_commit:
        if isinstance(queued, OnCommitJob) and queued.key == key and not queued.done:
            return queued
    return None


def enqueue_once(key: tuple, callback: Callable[[], Any], *, replace: bool = False) -> None:
    """
    Run `callback` when the transaction commits, once per key however many rows an admin save
    or an import touches. With replace, a later callback takes the place of the queued one.
    Django drops queued callbacks on rollback, so nothing is left behind by a failed write.
    """
    queued = pending(key)
    if queued is not None:
        if replace:
            queued.callback = callback
        return
    transaction.on_commit(OnCommitJob(key, callback))


# What a job started from a page says when the broker refused its task: it did not start.
BROKER_REFUSED = "The task queue is unreachable, so this did not start. Try again once it is back."


def enqueue_safely(task, *args: Any) -> bool:
    """
    Send a task whose work is also kept in a durable record (an outbox message, a rescore
    run). If the broker cannot take it, say so in the log and go on: the beat re-drive sends it
    later, and the web request that committed the record still answers at once.
    """
    import logging

    from kombu.exceptions import OperationalError

    try:
        task.delay(*args)
    except (OperationalError, ConnectionError, OSError, TimeoutError) as exc:
        logging.getLogger(__name__).warning(
            "Broker unavailable, %s(%s) left for the re-drive: %s", task.name, args, exc
        )
        return False
    return True
