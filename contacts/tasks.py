"""Celery tasks for contacts. Each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from contacts import imports


@shared_task(name="contacts.run_import", acks_late=True)
def run_import(job_id: int, dry_run: bool) -> None:
    imports.import_job_execute(job_id=job_id, dry_run=dry_run)
