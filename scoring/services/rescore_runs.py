"""
Full rescores after a rule change: a durable, coalesced RescoreRun per version, run in chunks
of CHUNK contacts, each chunk one transaction under the contacts' row locks, so a concurrent
activity is never lost or overwritten (scoring.services.rescoring.score_batch does the work).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Q
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
    RescoreSlice,
    RescoreStatus,
    ScoringModel,
)
from scoring.services import rescore_sql
from scoring.services.batch_outcomes import BatchResult
from scoring.services.batch_states import rules_by_definition
from scoring.services.outbox import outbox_publish
from scoring.services.rescoring import CHUNK, locked_contacts, score_batch


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


def _claim(run_id: int) -> tuple[RescoreRun | None, bool]:
    """
    Start a queued run, cut into slices (unless another run of its model is running:
    RescoreBusy), or join a running one. Returns the run and whether this call started it; no
    run when it is over (a re-drive and its task both arrived).
    """
    with transaction.atomic():
        run = (
            RescoreRun.objects.select_for_update(of=("self",))
            .select_related("scoring_model__line")
            .get(pk=run_id)
        )
        if run.status == RescoreStatus.RUNNING:
            return run, False
        if run.status != RescoreStatus.QUEUED:
            return None, False
        model = ScoringModel.objects.select_for_update().get(pk=run.scoring_model_id)
        if not model.is_live:
            # Retired (a newer version was published) before it started: the live version's
            # run rescores every contact, and must not find its scores overwritten by this one.
            _supersede(RescoreRun.objects.filter(pk=run.pk))
            return None, False
        running = RescoreRun.objects.filter(
            scoring_model__line_id=model.line_id, status=RescoreStatus.RUNNING
        )
        # Runs of this line's retired versions write no more (_slice_rescore checks, under a
        # lock the publish waited on): close them, rather than wait for them to notice.
        _supersede(running.exclude(scoring_model=model))
        if running.filter(scoring_model=model).exists():
            raise RescoreBusy
        run.status = RescoreStatus.RUNNING
        run.started_at = run.progressed_at = timezone.now()
        run.total = _slices_create(run)
        run.save(update_fields=["status", "started_at", "progressed_at", "total"])
    return run, True


def _supersede(runs) -> None:
    """Close runs of versions no longer live, and drop their slices (none will be taken)."""
    ids = list(
        runs.filter(status__in=(RescoreStatus.QUEUED, RescoreStatus.RUNNING)).values_list(
            "pk", flat=True
        )
    )
    RescoreRun.objects.filter(pk__in=ids).update(
        status=RescoreStatus.SUPERSEDED,
        finished_at=timezone.now(),
        error="Its version stopped being live; the live version's run rescores every contact.",
    )
    RescoreSlice.objects.filter(run_id__in=ids).delete()


# PostgreSQL advisory locks, one per line (this namespace, then the line's id): each slice of
# a rescore run holds its line's shared, a publish of the line takes it exclusively. Unlike a
# row's share lock, which later slices could keep taking while a publish waited, the lock
# queue makes slices that start after a publish asked wait behind it: the publish waits for
# the slices in hand only.
_LIVENESS_LOCKS = 0x5C0E << 32


def line_liveness_lock(line_id: int, *, shared: bool) -> None:
    """Hold the line's liveness lock to the end of the transaction (PostgreSQL; else none)."""
    if connection.vendor != "postgresql":
        return  # SQLite has one writer at a time
    take = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {take}(%s)", [_LIVENESS_LOCKS + line_id])


def _still_live(model: ScoringModel) -> bool:
    """
    Is the model live, read under its line's shared liveness lock held to the end of the
    caller's transaction: a publish waits for the slice in hand, and a slice that starts after
    it sees the version retired. Shared: a run's workers never wait on each other here.
    """
    line_liveness_lock(model.line_id, shared=True)
    return ScoringModel.objects.filter(pk=model.pk, is_live=True).exists()


def _slices_create(run: RescoreRun) -> int:
    """
    Cut the contacts into slices of CHUNK ids, in one query (every CHUNK-th id starts one);
    returns how many contacts there are. The last slice is open-ended: it takes contacts
    created meanwhile too.
    """
    table = Contact._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM {table}) "
            "AS numbered WHERE (n - 1) %% %s = 0 ORDER BY id",
            [CHUNK],
        )
        # The first slice from 0: no id is below it, whatever the first one is.
        starts = [0, *(row[0] for row in cursor.fetchall()[1:])]
    ends = [*(start - 1 for start in starts[1:]), None]
    RescoreSlice.objects.bulk_create(
        RescoreSlice(run=run, first_id=first, last_id=last)
        for first, last in zip(starts, ends, strict=True)
    )
    return Contact.objects.count()


def _ask_for_helpers(run: RescoreRun) -> None:
    """
    Queue tasks for more workers to join a run just started (settings.SCORING_RESCORE_WORKERS
    in all): each takes slices until none is left. Without a broker tasks run in this process,
    one after another, and SQLite writes one transaction at a time: none is asked for.
    """
    from leadscore.celery import app
    from scoring import tasks

    if app.conf.task_always_eager or connection.vendor != "postgresql":
        return
    slices = max(1, math.ceil(run.total / CHUNK))  # as _slices_create cut them
    for _ in range(min(settings.SCORING_RESCORE_WORKERS, slices) - 1):
        enqueue_safely(tasks.execute_rescore_run, run.pk)


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
    # Definitions (keys) the last run's rules did not have: the stored scores lack their states,
    # which are rebuilt from the history (in SQL where refold_sql can).
    new: frozenset[str] = frozenset()

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
        had = repricing.snapshot_tags(before)
        new = frozenset(
            k for k, tag in spec.definition_tags.items() if had is None or tag not in had
        )
        return cls(key=spec.price_key, tags=tags, covers=covers, new=new)

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
def rescore_run_execute(
    *, run_id: int, now: datetime | None = None, budget_seconds: float | None = None
) -> RescoreRun:
    """
    Rescore every contact, a slice of CHUNK contacts at a time, each slice one transaction
    under the contacts' row locks, at the moment it runs (a concurrent activity is never lost
    or overwritten). The call that starts a run asks for more workers; each call, the first or
    one that joins it, takes slices until none is left, and the one that finishes the last
    slice closes the run. Only definitions the stored states lack are rebuilt from the
    history, and only the scores the change can move are rewritten (RescoreScope). Free of
    side effects by default: leads that newly qualify wait for marketing to release them
    unless the run says so; hand-raises are routed at once.

    With `budget_seconds` (a worker's task), the call stops taking slices after about that
    long and sends the run's task again, to the back of the queue: a task sent meanwhile (the
    routing of a lead that hand-raised) is not kept waiting by the whole run.
    """
    run, started = _claim(run_id)
    if run is None:
        return RescoreRun.objects.get(pk=run_id)
    if started:
        _ask_for_helpers(run)
    model = run.scoring_model
    spec = selectors.model_spec(model)
    scope = RescoreScope.of(model, spec, refold_all=run.refold_all)
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    try:
        while _slice_rescore(run, spec, scope, now=now):
            if deadline is not None and time.monotonic() >= deadline:
                from scoring import tasks

                # The run stays RUNNING: if this task is lost, the stalled-run re-drive resumes it.
                enqueue_safely(tasks.execute_rescore_run, run.pk)
                return RescoreRun.objects.get(pk=run.pk)
    except Exception as exc:
        RescoreRun.objects.filter(pk=run.pk, status=RescoreStatus.RUNNING).update(
            status=RescoreStatus.FAILED, error=repr(exc), finished_at=timezone.now()
        )
        raise
    return _finish(run.pk, spec, scope)


def _slice_rescore(
    run: RescoreRun, spec: engine.ModelSpec, scope: RescoreScope, *, now: datetime | None
) -> bool:
    """
    Claim the run's next slice no other worker holds and rescore it, in one transaction that
    also marks it done; False when none is left (or the run failed elsewhere).
    """
    with transaction.atomic():
        if not _still_live(run.scoring_model):
            _supersede(RescoreRun.objects.filter(pk=run.pk))
            return False
        piece = (
            RescoreSlice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(run=run, done_at=None, run__status=RescoreStatus.RUNNING)
            .order_by("first_id")
            .first()
        )
        if piece is None:
            return False
        ids = Contact.objects.filter(pk__gte=piece.first_id).order_by("pk").select_for_update()
        if piece.last_id is not None:
            ids = ids.filter(pk__lte=piece.last_id)
        ids = list(ids.values_list("pk", flat=True))
        done = _slice_scores(run, spec, scope, ids, now=now or timezone.now())
        piece.done_at, piece.contacts = timezone.now(), len(ids)
        piece.untouched, piece.changed = len(ids) - done.moved, done.changed
        piece.newly_qualified, piece.refolded = done.newly_qualified, sorted(done.refolded)
        piece.priced_key = spec.price_key
        piece.save()
    # Progress for the pages, apart from the slice: the run's row is not held while it works.
    # Not once the run is closed: _finish summed this slice already.
    RescoreRun.objects.filter(pk=run.pk, status=RescoreStatus.RUNNING).update(
        done=F("done") + piece.contacts,
        untouched=F("untouched") + piece.untouched,
        changed=F("changed") + piece.changed,
        newly_qualified=F("newly_qualified") + piece.newly_qualified,
        progressed_at=piece.done_at,
    )
    return True


@dataclass(frozen=True)
class SliceDone:
    """What rescoring a slice did: scores the change could move, moved, qualified, rebuilt."""

    moved: int
    changed: int
    newly_qualified: int
    refolded: frozenset[str]


def _slice_scores(
    run: RescoreRun, spec: engine.ModelSpec, scope: RescoreScope, ids: list[int], *, now: datetime
) -> SliceDone:
    """
    Rescore a slice's contacts (their rows locked) at `now`: those the change can move, in SQL
    where it only re-prices them (PostgreSQL), the rest through the Python path, which also
    opens and follows qualifications (new MQLs wait for marketing unless the run releases
    them; hand-raises are routed at once).
    """
    model = run.scoring_model
    # Chosen under the locks: a score written meanwhile is judged as it now stands.
    moved = scope.contacts_moved(ids, model=model) if ids else []
    refolded_in_sql: set[str] = set()
    if run.refold_all:
        left, repriced = moved, 0
    else:
        left, repriced, refolded_in_sql = rescore_sql.rescore_in_sql(
            model, spec, scope.new, moved, now
        )
    contacts = locked_contacts(left) if left else []
    batch = BatchResult()  # nothing left in this slice for the Python path
    if contacts:
        batch = score_batch(
            model=model,
            spec=spec,
            contacts=contacts,
            reason=ChangeReason.RULE_CHANGE,
            now=now,
            release=run.release_new_mqls,
            refold=rules_by_definition(spec).keys() if run.refold_all else (),
            # A full rebuild (manage.py rescore, first scores) evaluates fit as well.
            profile_changed=run.refold_all,
        )
    return SliceDone(
        moved=len(moved),
        changed=batch.changed + repriced,
        newly_qualified=batch.newly_qualified,
        refolded=frozenset(batch.refolded) | refolded_in_sql,
    )


def _finish(run_id: int, spec: engine.ModelSpec, scope: RescoreScope) -> RescoreRun:
    """
    Close the run once every slice is done, once (under its row lock): its figures summed from
    the slices, what it priced with, and every account's rescore queued. A worker that finds
    a slice still held by another leaves the closing to that one.
    """
    with transaction.atomic():
        run = (
            RescoreRun.objects.select_for_update(of=("self",))
            .select_related("scoring_model__line")
            .get(pk=run_id)
        )
        if run.status != RescoreStatus.RUNNING or run.slices.filter(done_at=None).exists():
            return run
        slices = list(run.slices.values())
        run.done = sum(s["contacts"] for s in slices)
        run.untouched = sum(s["untouched"] for s in slices)
        run.changed = sum(s["changed"] for s in slices)
        run.newly_qualified = sum(s["newly_qualified"] for s in slices)
        run.total = max(run.total, run.done)  # with the contacts created during the run
        run.refolded = len({key for s in slices for key in s["refolded"]})
        run.status, run.finished_at = RescoreStatus.DONE, timezone.now()
        # Slices priced by workers that read other rules (an edit during the run) leave the
        # next run nothing to compare with: it rewrites every score.
        same_rules = {s["priced_key"] for s in slices} <= {spec.price_key}
        run.priced_with = scope.snapshot(spec) if same_rules else None
        run.save()
        run.slices.all().delete()  # summed into the run: a run of 10M contacts leaves 10k
        # Then every account, once, from the contact scores just written (accounts follow the
        # default model): a durable message a worker delivers, so the run ends when the
        # contacts' scores are current, and an account failure cannot fail or repeat it.
        if run.scoring_model.line.is_default:
            outbox_publish(
                topic=OutboxTopic.ACCOUNTS_RESCORE_ALL,
                payload={"run_id": run.pk, "release": run.release_new_mqls},
            )
    _scores_analyze()
    return run


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


# A running run with no slice finished for this long has lost its workers (a deploy, a crash):
# the re-drive sends it to a new one, which takes up the slices left.
STALLED_AFTER = timedelta(minutes=5)


def rescore_runs_redrive(*, older_than_seconds: int = 60) -> int:
    """
    Queue the tasks of runs still waiting (their task was lost with the broker), and of runs
    whose workers stopped before the last slice.
    """
    from scoring import tasks

    now = timezone.now()
    waiting = Q(
        status=RescoreStatus.QUEUED, created_at__lt=now - timedelta(seconds=older_than_seconds)
    )
    stalled = Q(status=RescoreStatus.RUNNING, progressed_at__lt=now - STALLED_AFTER)
    ids = list(RescoreRun.objects.filter(waiting | stalled).values_list("pk", flat=True))
    for run_id in ids:
        enqueue_safely(tasks.execute_rescore_run, run_id)
    return len(ids)
