"""
What bench scoring and the benches built on its data (accounts, api, models, whatif) measure
with: the live model, the plain-SQL yardstick, rescore runs and outbox deliveries held back so
the bench starts and times them itself, the untimed settling between timed phases, and a timed
full rescore after a change. bench/scoring.py re-exports them (read as scoring_bench.X).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from bench._common import BENCH_PREFIX, BenchError, Report, analyze_tables, timed
from contacts.models import Activity
from scoring import engine, selectors, services
from scoring.defaults import default_model_create
from scoring.models import ContactScore, OutboxMessage, ScoreChange, ScoringModel

YARDSTICK_TRIES = 3


def live_model(report: Report) -> ScoringModel:
    model = selectors.live_model()
    if model is None:
        model = default_model_create(name=f"{BENCH_PREFIX}Default model")
        report.notes.append("No live scoring model: created the default one (bench-Default model).")
    report.parameters["scoring_model"] = (
        f"{model.name} ({model.rules.filter(is_active=True).count()} active rules)"
    )
    return model


def yardstick_sql(spec: engine.ModelSpec) -> tuple[str, list[Any]]:
    """
    Each contact's activity points in one GROUP BY: per kind, the points of the model's first
    interest rule for that kind; no conditions, caps, windows or decay.
    """
    points: dict[str, float] = {}
    for rule in spec.rules:
        if rule.dimension == engine.INTEREST:
            points.setdefault(rule.activity_kind, float(rule.points))
    quote = connection.ops.quote_name
    contact = quote(Activity._meta.get_field("contact").column)
    kind = quote(Activity._meta.get_field("kind").column)
    whens = " ".join("WHEN %s THEN %s" for _ in points)
    sql = (
        f"SELECT {contact}, SUM(CASE {kind} {whens} ELSE 0 END) "
        f"FROM {quote(Activity._meta.db_table)} GROUP BY {contact}"
    )
    params = [value for item in points.items() for value in item]
    return sql, params


def yardstick(spec: engine.ModelSpec) -> dict[str, Any]:
    """
    The yardstick's best time. On PostgreSQL it is tried with JIT compilation on and off (the
    app turns it off, leadscore.settings; a long GROUP BY may gain from it): the database at
    its best, whichever that is.
    """
    sql, params = yardstick_sql(spec)
    times, rows, jit_of = [], 0, []
    modes = ["on", "off"] if connection.vendor == "postgresql" else [""]
    with timed(f"Yardstick (best of {YARDSTICK_TRIES}{', JIT on and off' if modes[0] else ''})"):
        for mode in modes:
            for _ in range(YARDSTICK_TRIES):
                with transaction.atomic(), connection.cursor() as cursor:
                    if mode:
                        cursor.execute(f"SET LOCAL jit = {mode}")
                    start = time.perf_counter()
                    cursor.execute(sql, params)
                    rows = len(cursor.fetchall())
                    times.append(time.perf_counter() - start)
                    jit_of.append(mode)
    seconds, jit = min(zip(times, jit_of, strict=True))
    return {"seconds": seconds, "tries": times, "rows": rows, "jit": jit}


@contextmanager
def held_tasks() -> Iterator[None]:
    """Rescore runs are created but not started on commit: the bench starts them, timed."""
    from scoring.services import rescore_runs

    original = rescore_runs.enqueue_safely
    rescore_runs.enqueue_safely = lambda *args: False
    try:
        yield
    finally:
        rescore_runs.enqueue_safely = original


@contextmanager
def held_deliveries() -> Iterator[list[int]]:
    """
    Outbox messages are queued for a worker, not delivered in the request: without a broker
    Celery runs tasks eagerly, inside the request, which a deployment never does. Yields the
    held message ids, for the bench to deliver (and time) apart.
    """
    from scoring.services import outbox

    held: list[int] = []
    original = outbox.enqueue_safely
    outbox.enqueue_safely = lambda task, message_id: held.append(message_id) or True
    try:
        yield held
    finally:
        outbox.enqueue_safely = original


def deliver_held(held: list[int]) -> float:
    """Deliver the held messages as a worker would; milliseconds."""
    start = time.perf_counter()
    while held:
        services.outbox_message_deliver(message_id=held.pop(0))
    return (time.perf_counter() - start) * 1000


def settle() -> None:
    """
    Between timed phases (untimed): clear the dead score rows the last phase left and refresh
    statistics, as autovacuum does between a deployment's rule changes. This server runs with
    autovacuum off (reported), so without it each phase would read every earlier phase's
    dead rows.
    """
    if connection.vendor == "postgresql":
        analyze_tables(ContactScore, ScoreChange, vacuum=True)


def autovacuum_setting() -> str:
    if connection.vendor != "postgresql":
        return "n/a"
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]


def rescore_after(
    change: Callable[[], None], model: ScoringModel, label: str, *, floor: bool = False
) -> dict[str, Any]:
    """
    Make a change to the live model (untimed), then time the rescore run it asked for. With
    `floor`, also time the bare writes that run made (write_floor).
    """
    settle()
    with held_tasks():
        change()
    run = model.runs.filter(status="queued").order_by("-pk").first()
    if run is None:
        raise BenchError(f"{label}: the change asked for no rescore run.")
    before = _written_marks() if floor else None
    with held_deliveries() as held, timed(f"Full rescore ({label})") as t:
        run = services.rescore_run_execute(run_id=run.pk)
    # The every-account pass the run published, delivered as a worker would: timed apart.
    with timed(f"Its account pass, in a worker ({label})") as accounts:
        deliver_held(held)
    result = {
        "seconds": t["seconds"],
        "accounts_seconds": accounts["seconds"],
        "contacts": run.done,
        "refolded_definitions": run.refolded,
        "changed": run.changed,
        "untouched": run.untouched,
    }
    if before is not None:
        result["floor"] = write_floor(before, label)
    return result


def _written_marks() -> tuple[dict[int, int], int]:
    """Each score's version and the newest timeline entry: what a run then wrote is above."""
    versions = dict(ContactScore.objects.values_list("pk", "version"))
    newest = ScoreChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return versions, newest


def write_floor(before: tuple[dict[int, int], int], label: str) -> dict[str, Any] | None:
    """
    The writes a run just made, made again without computing anything and rolled back: one
    UPDATE of the numbers of every score it rewrote and one INSERT of as many timeline entries.
    No design that writes each moved score and its timeline entry does less, so this is the
    least a rescore that rewrites these scores can take here (PostgreSQL only).
    """
    if connection.vendor != "postgresql":
        return None
    versions, newest = before
    written = [
        pk for pk, v in ContactScore.objects.values_list("pk", "version") if versions.get(pk) != v
    ]
    entries = ScoreChange.objects.filter(pk__gt=newest).count()
    scores, changes = ContactScore._meta.db_table, ScoreChange._meta.db_table
    settle()  # as before the run itself
    with transaction.atomic(), connection.cursor() as cursor:
        with timed(f"Write floor: the run's writes alone, rolled back ({label})") as t:
            # Numbers that differ, as a rescore's do: an unchanged indexed value would let
            # PostgreSQL skip the index updates a real rescore pays for.
            cursor.execute(
                f"UPDATE {scores} SET fit = fit + 1, interest = interest + 1, "
                "version = version + 1 WHERE id = ANY(%s)",
                [written],
            )
            cursor.execute(
                f"INSERT INTO {changes} (contact_id, line_id, occurred_at, reason, detail, "
                "activity_id, fit_before, fit_after, interest_before, interest_after, "
                "cell_before, cell_after) "
                "SELECT contact_id, line_id, now(), 'rule_change', '', NULL, fit, fit, "
                f"interest, interest, grade || band, grade || band FROM {scores} "
                "WHERE id = ANY(%s) LIMIT %s",
                [written, entries],
            )
        transaction.set_rollback(True)
    return {"seconds": t["seconds"], "scores": len(written), "timeline_entries": entries}


def _rescore_worker(run_id: int) -> None:
    """One worker process's part of a shared rescore run (forked; its own connection)."""
    from django.db import connections

    connections.close_all()
    with held_deliveries():  # the run's every-account pass is a worker's next task, not this
        services.rescore_run_execute(run_id=run_id)
    connections.close_all()


def rescore_shared(change: Callable[[], None], model: ScoringModel, workers: int) -> dict[str, Any]:
    """
    Make a change to the live model (untimed), then time its rescore run shared by `workers`
    processes, as that many Celery workers share one (each takes the slices nobody holds).
    """
    import multiprocessing

    from django.db import connections

    settle()
    with held_tasks():
        change()
    run = model.runs.filter(status="queued").order_by("-pk").first()
    if run is None:
        raise BenchError("the change asked for no rescore run.")
    connections.close_all()  # a forked process must not share the parent's connection
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_rescore_worker, args=(run.pk,)) for _ in range(workers)]
    with timed(f"Full rescore shared by {workers} worker processes") as t:
        for process in processes:
            process.start()
        for process in processes:
            process.join()
    if any(process.exitcode for process in processes):
        raise BenchError("a rescore worker process failed (see its output above).")
    run.refresh_from_db()
    if run.status != "done":
        raise BenchError(f"the shared rescore run ended {run.status}: {run.error}")
    # Its every-account pass, delivered as a worker would (untimed: not the subject here).
    deliver_held(list(OutboxMessage.objects.filter(delivered_at=None).values_list("pk", flat=True)))
    return {"seconds": t["seconds"], "workers": workers, "contacts": run.done}
