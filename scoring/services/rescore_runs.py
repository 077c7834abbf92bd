"""
Full rescores after a rule change: a durable, coalesced RescoreRun per version, run in chunks
of CHUNK contacts, each chunk one transaction under the contacts' row locks, so a concurrent
activity is never lost or overwritten (scoring.services.rescoring.score_batch does the work).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Contact
from leadscore.batch_gc import fewer_collections
from leadscore.on_commit import enqueue_safely
from scoring import engine, repricing, score_reads, selectors
from scoring.models import (
    ChangeReason,
    ContactScore,
    OutboxTopic,
    RescoreRun,
    RescoreStatus,
    ScoringModel,
)
from scoring.services.batch_states import rules_by_definition
from scoring.services.outbox import outbox_publish
from scoring.services.rescoring import CHUNK, BatchResult, locked_contacts, score_batch


@transaction.atomic
def scoring_model_changed(
    *,
    model_id: int,
    reason: str,
    requested_by: AbstractBaseUser | None = None,
    release: bool | None = None,
    refold_all: bool = False,
    enqueue: bool = True,
) -> RescoreRun:
    """
    Ask for every contact to be rescored under a model after a change. Requests coalesce: while
    a run waits to start, later requests join it (it reads the rules when it starts). The run
    is a durable record; its task is queued on commit (unless the caller runs it itself:
    `enqueue=False`), and the beat re-drive starts it if the broker was down.
    """
    model = ScoringModel.objects.select_for_update().get(pk=model_id)
    waiting = model.runs.filter(status=RescoreStatus.QUEUED).first()
    if waiting is not None:
        waiting.requests += 1
        waiting.refold_all |= refold_all
        waiting.release_new_mqls |= bool(release)
        waiting.save(update_fields=["requests", "refold_all", "release_new_mqls"])
        return waiting
    run = RescoreRun.objects.create(
        scoring_model=model,
        reason=reason[:255],
        requested_by=requested_by,
        release_new_mqls=model.auto_release_after_rescore if release is None else release,
        refold_all=refold_all,
        total=Contact.objects.count(),
    )
    from scoring import tasks

    run_id = run.pk
    if enqueue:
        transaction.on_commit(lambda: enqueue_safely(tasks.execute_rescore_run, run_id))
    return run


def rescore_run_create(
    *,
    model: ScoringModel,
    reason: str,
    requested_by: AbstractBaseUser | None = None,
    release: bool | None = None,
) -> RescoreRun:
    """Queue a full rescore of every contact under a model (joins a waiting one)."""
    return scoring_model_changed(
        model_id=model.pk, reason=reason, requested_by=requested_by, release=release
    )


class RescoreBusy(Exception):
    """Another run of the same model is still running; this one waits its turn."""


def _claim(run_id: int) -> RescoreRun | None:
    """Start a queued run, unless another run of its model is running (RescoreBusy)."""
    with transaction.atomic():
        run = (
            RescoreRun.objects.select_for_update(of=("self",))
            .select_related("scoring_model__line")
            .get(pk=run_id)
        )
        if run.status != RescoreStatus.QUEUED:
            return None  # already run (a re-drive and its task both arrived)
        ScoringModel.objects.select_for_update().get(pk=run.scoring_model_id)
        if run.scoring_model.runs.filter(status=RescoreStatus.RUNNING).exists():
            raise RescoreBusy
        run.status, run.started_at = RescoreStatus.RUNNING, timezone.now()
        run.total = Contact.objects.count()
        run.save(update_fields=["status", "started_at", "total"])
    return run


# How many keys of older pricing a run's snapshot carries forward (RescoreScope.covers).
COVERED_KEYS = 16


@dataclass(frozen=True)
class RescoreScope:
    """
    Which scores a run rewrites. After a change to some interest rules' points, caps, names or
    hand-raise only (repricing.repriced_tags against what the model's last finished run priced
    with), the scores those rules' definitions count: every other score prices the same under
    the new rules and is left as it is. Otherwise (`tags` None) every score.

    `covers` are the price keys of scores that price as the last run's rules would: its own,
    and those of older scores it left alone because no change it made could move them.
    """

    key: str
    tags: frozenset[str] | None
    covers: tuple[str, ...]

    @classmethod
    def of(cls, model: ScoringModel, spec: engine.ModelSpec, *, refold_all: bool) -> RescoreScope:
        last = (
            model.runs.filter(status=RescoreStatus.DONE, priced_with__isnull=False)
            .order_by("-finished_at", "-pk")
            .first()
        )
        before = last.priced_with if last is not None and not refold_all else None
        tags = repricing.repriced_tags(before, spec)
        covers = tuple(before.get("covers") or ()) if tags is not None else ()
        return cls(key=spec.price_key, tags=tags, covers=covers)

    def contacts_moved(self, ids: list[int], *, model: ScoringModel) -> list[int]:
        """The contacts of a chunk (locked) whose scores this run rewrites."""
        if self.tags is None:
            return ids
        return score_reads.scores_to_reprice(
            ids,
            line_id=model.line_id,
            model_id=model.pk,
            current_key=self.key,
            covers=self.covers,
            tags=self.tags,
        )

    def snapshot(self, spec: engine.ModelSpec) -> dict:
        """What the finished run priced with, for the next run (RescoreRun.priced_with)."""
        covers = [self.key, *(k for k in self.covers if k != self.key)][:COVERED_KEYS]
        return {**repricing.pricing_snapshot(spec), "covers": covers}


@fewer_collections()
def rescore_run_execute(*, run_id: int, now: datetime | None = None) -> RescoreRun:
    """
    Rescore every contact in chunks of CHUNK, each chunk one transaction under the contacts'
    row locks, at the moment it runs (a concurrent activity is never lost or overwritten).
    Only definitions the stored states lack are rebuilt from the history, and only the scores
    the change can move are rewritten (RescoreScope). Free of side effects by default: leads
    that newly qualify wait for marketing to release them unless the run says so; hand-raises
    are routed at once.
    """
    run = _claim(run_id)
    if run is None:
        return RescoreRun.objects.get(pk=run_id)
    model = run.scoring_model
    spec = selectors.model_spec(model)
    scope = RescoreScope.of(model, spec, refold_all=run.refold_all)
    try:
        _run_chunks(run, spec, scope, now=now)
    except Exception as exc:
        run.status, run.error, run.finished_at = RescoreStatus.FAILED, repr(exc), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    with transaction.atomic():
        run.status, run.finished_at = RescoreStatus.DONE, timezone.now()
        run.priced_with = scope.snapshot(spec)
        run.save(update_fields=["status", "finished_at", "priced_with"])
        # Then every account, once, from the contact scores just written (accounts follow the
        # default model): a durable message a worker delivers, so the run ends when the
        # contacts' scores are current, and an account failure cannot fail or repeat it.
        if model.line.is_default:
            outbox_publish(
                topic=OutboxTopic.ACCOUNTS_RESCORE_ALL,
                payload={"run_id": run.pk, "release": run.release_new_mqls},
            )
    _scores_analyze()
    return run


def _run_chunks(
    run: RescoreRun, spec: engine.ModelSpec, scope: RescoreScope, *, now: datetime | None
) -> None:
    """Go through every contact, CHUNK at a time, each chunk one transaction."""
    model = run.scoring_model
    refold = rules_by_definition(spec).keys() if run.refold_all else ()
    refolded: set[str] = set()
    last_id = 0
    while True:
        with transaction.atomic():
            ids = list(
                Contact.objects.filter(pk__gt=last_id)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", flat=True)[:CHUNK]
            )
            if not ids:
                return
            # Chosen under the locks: a score written meanwhile is judged as it now stands.
            contacts = locked_contacts(scope.contacts_moved(ids, model=model))
            if not contacts:
                batch = BatchResult()  # nothing in this chunk the change can move
            else:
                batch = score_batch(
                    model=model,
                    spec=spec,
                    contacts=contacts,
                    reason=ChangeReason.RULE_CHANGE,
                    now=now or timezone.now(),
                    release=run.release_new_mqls,
                    refold=refold,
                    # A full rebuild (manage.py rescore, first scores) evaluates fit as well.
                    profile_changed=run.refold_all,
                )
            last_id = ids[-1]
            run.done += len(ids)
            run.untouched += len(ids) - len(contacts)
            run.changed += batch.changed
            run.newly_qualified += batch.newly_qualified
            refolded |= batch.refolded
            run.refolded = len(refolded)
            run.save(update_fields=["done", "untouched", "changed", "newly_qualified", "refolded"])


def _scores_analyze() -> None:
    """
    A full run rewrote every score row: refresh PostgreSQL's statistics of the table now rather
    than when autovacuum next gets to it, so the next chunked reads plan on its real size (a
    first scoring leaves statistics of an empty table, and each chunk then read every row).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ContactScore._meta.db_table}")


def scoring_model_rescore(*, model_id: int, reason: str, release: bool | None = None) -> RescoreRun:
    """
    Rebuild every contact's score from its history and profile under a model, here
    (`manage.py rescore`, a task): no task is queued for it; if another run of the model is
    running, this one waits for the beat re-drive.
    """
    run = scoring_model_changed(
        model_id=model_id, reason=reason, release=release, refold_all=True, enqueue=False
    )
    try:
        return rescore_run_execute(run_id=run.pk)
    except RescoreBusy:
        return run


def rescore_runs_redrive(*, older_than_seconds: int = 60) -> int:
    """Queue the tasks of runs still waiting (their task was lost with the broker)."""
    from scoring import tasks

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        RescoreRun.objects.filter(status=RescoreStatus.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for run_id in ids:
        enqueue_safely(tasks.execute_rescore_run, run_id)
    return len(ids)
