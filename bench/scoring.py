"""
Scoring core: rescoring and time refresh beside a plain-SQL yardstick, and one activity through
the API.

Builds N contacts over about N/5 companies with M activities (bulk writes; COPY on PostgreSQL),
then, under the live scoring model (the default model is created if none is live), times:

1. the first full rescore: every contact's rule states built from its history;
2. a full rescore after a rule-definition change (the busiest rule's window): only that
   definition's states are rebuilt;
3. a full rescore after a points-only change: no activity is read;
4. what-if of a points-only draft and of a draft with a new rule;
5. the beat time refresh of every score (decay, windows, activities dated in the future), and
   apart from it the accounts' own time refresh;
6. POST /api/v1/activities/ for K random contacts: server time with the score written in the
   request's transaction (p50/p95/p99/max);
7. the yardstick: one SQL GROUP BY that sums each contact's activity points, fully fetched.

Targets (issue 10): definition change <= 3x the yardstick, points-only <= 1x, what-if
points-only <= 2x and with a new rule <= 5x, time refresh <= 1x, single activity p95 < 20 ms.
Example: python -m bench scoring --contacts 100000 --activities 2000000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bench._common import (
    BENCH_PREFIX,
    BenchError,
    Report,
    analyze_tables,
    percentiles,
    say,
    timed,
)
from bench._scoring_data import (  # noqa: F401  (other benches read these as scoring_bench.X)
    ACTIVITIES_PER_CONTACT,
    BATCH_SIZE,
    CONTACTS_PER_COMPANY,
    KIND_CUMULATIVE,
    KINDS,
    activity_properties,
    build,
)
from contacts.models import Activity
from scoring import engine, selectors, services
from scoring.defaults import default_model_create
from scoring.models import ContactScore, Qualification, ScoreChange, ScoringModel, ScoringRule

DEFAULT_CONTACTS = 10_000
DEFAULT_SINGLE = 300
WARM_UP_CALLS = 3  # single-activity calls made first and not counted
YARDSTICK_TRIES = 3

TARGET_RATIO = 3.0
TARGET_P95_MS = 20.0
TARGETS = "target: full rescore within 3x the yardstick; single-activity p95 < 20 ms"

# ---- What the data looks like ------------------------------------------------------------


# ---- Measuring ---------------------------------------------------------------------------


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
    sql, params = yardstick_sql(spec)
    times, rows = [], 0
    with timed(f"Yardstick (best of {YARDSTICK_TRIES})"):
        for _ in range(YARDSTICK_TRIES):
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql, params)
                rows = len(cursor.fetchall())
                times.append(time.perf_counter() - start)
    return {"seconds": min(times), "tries": times, "rows": rows}


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


def rescore_after(change: Callable[[], None], model: ScoringModel, label: str) -> dict[str, Any]:
    """Make a change to the live model (untimed), then time the rescore run it asked for."""
    settle()
    with held_tasks():
        change()
    run = model.runs.filter(status="queued").order_by("-pk").first()
    if run is None:
        raise BenchError(f"{label}: the change asked for no rescore run.")
    with held_deliveries() as held, timed(f"Full rescore ({label})") as t:
        run = services.rescore_run_execute(run_id=run.pk)
    # The every-account pass the run published, delivered as a worker would: timed apart.
    with timed(f"Its account pass, in a worker ({label})") as accounts:
        deliver_held(held)
    return {
        "seconds": t["seconds"],
        "accounts_seconds": accounts["seconds"],
        "contacts": run.done,
        "refolded_definitions": run.refolded,
        "changed": run.changed,
    }


def busiest_interest_rule(model: ScoringModel) -> ScoringRule:
    counts = dict(Activity.objects.values_list("kind").annotate(n=Count("id")))
    rules = list(model.rules.filter(dimension="interest", is_active=True))
    if not rules:
        raise BenchError("The live model has no interest rule to change.")
    return max(rules, key=lambda r: (counts.get(r.activity_kind, 0), -r.pk))


def whatif(model: ScoringModel, edit: Callable[[ScoringModel], None], label: str) -> float:
    draft = services.scoring_model_draft_create(source=model, created_by=None, note=label)
    edit(draft)
    run = services.whatif_run_create(draft=draft, requested_by=None)
    settle()
    with timed(f"What-if ({label})") as t:
        services.whatif_run_execute(run_id=run.pk)
    draft.delete()
    return t["seconds"]


def _new_rule(draft: ScoringModel) -> None:
    ScoringRule.objects.create(
        scoring_model=draft,
        name=f"{BENCH_PREFIX}email clicks, last 14 days",
        dimension="interest",
        points=4,
        activity_kind="email_click",
        window_days=14,
    )


def _more_points(draft: ScoringModel) -> None:
    rule = draft.rules.filter(dimension="interest").order_by("pk").first()
    rule.points += 2
    rule.save(update_fields=["points"])


def single_activity(contact_ids: Sequence[int], count: int, seed: int) -> dict[str, Any]:
    """POST /api/v1/activities/ for `count` random contacts; server time per request."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from integrations.services import api_key_create

    rng = random.Random(seed + 2)
    user, _ = get_user_model().objects.get_or_create(
        username=f"{BENCH_PREFIX}scoring", defaults={"is_superuser": True}
    )
    key, raw = api_key_create(
        name=f"{BENCH_PREFIX}scoring", owner=user, scopes=["write"], throttle_rate="1000000/min"
    )
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")
    chosen = rng.sample(list(contact_ids), min(count + WARM_UP_CALLS, len(contact_ids)))
    latencies, deliveries = [], []
    try:
        with (
            timed(f"Single activity through the API ({count} contacts)"),
            held_deliveries() as held,
        ):
            for position, contact_id in enumerate(chosen):
                kind = rng.choices(KINDS, cum_weights=KIND_CUMULATIVE)[0]
                body = {
                    "contact_id": contact_id,
                    "kind": kind,
                    "occurred_at": timezone.now().isoformat(),
                    "properties": activity_properties(kind, rng),
                }
                if kind == "custom":
                    body["custom_kind"] = "partner_referral_call"
                start = time.perf_counter()
                response = client.post("/api/v1/activities/", body, content_type="application/json")
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code not in (200, 201):
                    raise BenchError(
                        f"API answered {response.status_code}: {response.content[:300]}"
                    )
                delivered = deliver_held(held)  # the worker's part: accounts, routing
                if position >= WARM_UP_CALLS:
                    latencies.append(elapsed)
                    deliveries.append(delivered)
    finally:
        key.delete()
    return {
        "samples": len(latencies),
        **percentiles(latencies),
        "deliveries": percentiles(deliveries),
    }


def profile_rescore(model: ScoringModel, path: str, top: int) -> tuple[float, str]:
    """One more full rescore under cProfile; returns its seconds and the top functions."""
    with held_tasks():
        run = services.scoring_model_changed(
            model_id=model.pk, reason=f"{BENCH_PREFIX}profiled rescore", refold_all=True
        )
    profiler = cProfile.Profile()
    with timed("Full rescore under cProfile") as t:
        profiler.enable()
        services.rescore_run_execute(run_id=run.pk)
        profiler.disable()
    profiler.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write(f"Profile of one more full rescore ({t['seconds']:.1f} s under cProfile), ")
    out.write(f"saved to {path}; top {top} by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(top)
    out.write(f"Top {top} by own (total) time:\n")
    stats.sort_stats("tottime").print_stats(top)
    return t["seconds"], out.getvalue()


# ---- The sub-command ---------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--contacts", type=int, default=DEFAULT_CONTACTS, help="contacts to build (10,000)"
    )
    parser.add_argument(
        "--activities", type=int, help=f"activities in all ({ACTIVITIES_PER_CONTACT}x contacts)"
    )
    parser.add_argument(
        "--companies", type=int, help=f"companies (contacts / {CONTACTS_PER_COMPANY})"
    )
    parser.add_argument(
        "--single",
        type=int,
        default=DEFAULT_SINGLE,
        metavar="K",
        help=f"contacts for the single-activity latency ({DEFAULT_SINGLE})",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="profile one more full rescore with cProfile, save the stats here, print the top",
    )
    parser.add_argument("--profile-top", type=int, default=25, help="functions to print (25)")
    parser.add_argument(
        "--no-copy", action="store_true", help="build with bulk_create even on PostgreSQL"
    )


def _ratio(report: Report, key: str, label: str, seconds: float, stick: float, target: float):
    ratio = seconds / stick
    met = "met" if ratio <= target else "MISSED"
    report.add(key, label, ratio, f"{ratio:.2f}x", f"{seconds:.2f} s; target <= {target:g}x: {met}")
    report.figures[f"{key}_target_met"] = ratio <= target


def _accounts_after(report: Report, key: str, rescore: dict[str, Any]) -> None:
    seconds = rescore["accounts_seconds"]
    report.add(
        f"{key}_accounts",
        "  then its every-account pass (outbox, in a worker)",
        seconds,
        f"{seconds:.2f} s",
        "not in the run: the contacts' scores are current when it ends (no target)",
    )


def run(args: argparse.Namespace, report: Report) -> None:
    if args.contacts < 1:
        raise BenchError("--contacts must be at least 1.")
    args.activities = (
        args.contacts * ACTIVITIES_PER_CONTACT if args.activities is None else args.activities
    )
    args.companies = (
        max(1, args.contacts // CONTACTS_PER_COMPANY) if args.companies is None else args.companies
    )
    report.parameters.update(
        contacts=args.contacts,
        companies=args.companies,
        activities=args.activities,
        seed=args.seed,
        single_activity_samples=args.single,
        autovacuum=autovacuum_setting(),
    )
    contact_ids = build(args, report)
    model = live_model(report)
    stick = yardstick(selectors.model_spec(model))

    with held_tasks():
        first_run = services.scoring_model_changed(
            model_id=model.pk, reason=f"{BENCH_PREFIX}first scores", refold_all=True
        )
    with held_deliveries() as held:
        with timed("Full rescore (first scores: every state from the history)") as t:
            first_run = services.rescore_run_execute(run_id=first_run.pk)
        deliver_held(held)  # every account's first score: untimed, not the subject
    first = {"seconds": t["seconds"], "contacts": first_run.done}
    rule = busiest_interest_rule(model)

    def change_definition() -> None:
        rule.window_days = 90 if rule.window_days != 90 else 120
        rule.save(update_fields=["window_days"])

    def change_points() -> None:
        rule.points += 1
        rule.save(update_fields=["points"])

    definition = rescore_after(change_definition, model, f"window of '{rule.name}' changed")
    points = rescore_after(change_points, model, f"points of '{rule.name}' changed")
    model.refresh_from_db()
    whatif_points = whatif(model, _more_points, "points-only draft")
    whatif_new_rule = whatif(model, _new_rule, "draft with a new rule")
    a_day_later = timezone.now() + timedelta(days=1)
    settle()
    with timed("Time refresh (beat) of every score, a day later") as t:
        refreshed = services.scores_refresh_time(now=a_day_later)
    refresh = {"seconds": t["seconds"], "rewritten": refreshed}
    with timed("Account time refresh (beat), a day later") as t:
        accounts_refreshed = services.accounts_refresh_time(now=a_day_later)
    account_refresh = {"seconds": t["seconds"], "rewritten": accounts_refreshed}
    settle()
    latency = single_activity(contact_ids, args.single, args.seed) if args.single > 0 else {}

    report.section(f"Yardstick (one SQL GROUP BY over all activities, best of {YARDSTICK_TRIES})")
    report.add(
        "yardstick",
        "SUM(CASE kind ...) GROUP BY contact_id",
        stick,
        f"{stick['seconds']:.2f} s",
        f"{stick['rows']:,} rows fetched",
    )
    s_ = stick["seconds"]
    report.section("Rescoring and time, each beside the yardstick")
    report.add(
        "first_rescore",
        "first scores: every state built from the history",
        first,
        f"{first['seconds']:.1f} s",
        f"{first['seconds'] / s_:.1f}x the yardstick (no target: once, after install)",
    )
    _ratio(
        report,
        "definition_change",
        "full rescore after a definition change",
        definition["seconds"],
        s_,
        TARGET_RATIO,
    )
    _accounts_after(report, "definition_change", definition)
    _ratio(
        report,
        "points_change",
        "full rescore after a points-only change",
        points["seconds"],
        s_,
        1.0,
    )
    _accounts_after(report, "points_change", points)
    _ratio(report, "whatif_points", "what-if of a points-only draft", whatif_points, s_, 2.0)
    _ratio(
        report, "whatif_new_rule", "what-if of a draft with a new rule", whatif_new_rule, s_, 5.0
    )
    _ratio(
        report, "time_refresh", "time refresh (beat) of every score", refresh["seconds"], s_, 1.0
    )
    report.add(
        "account_time_refresh",
        "account time refresh (beat; the accounts' own task)",
        account_refresh["seconds"] / s_,
        f"{account_refresh['seconds'] / s_:.2f}x",
        f"{account_refresh['seconds']:.2f} s, {accounts_refreshed:,} accounts rewritten "
        "(issue 15; no target here)",
    )
    report.figures.update(
        definition_change=definition,
        points_change=points,
        time_refresh=refresh,
        account_time_refresh=account_refresh,
    )
    if latency:
        report.section(
            f"One activity through POST /api/v1/activities/ ({latency['samples']} contacts; "
            "scored in the request's transaction)"
        )
        for key in ("p50", "p95", "p99", "max", "mean"):
            note = ""
            if key == "p95":
                note = f"target < {TARGET_P95_MS:g} ms: "
                note += "met" if latency[key] < TARGET_P95_MS else "MISSED"
            report.add(f"single_{key}_ms", key, latency[key], f"{latency[key]:.1f} ms", note)
        report.figures["single_p95_target_met"] = latency["p95"] < TARGET_P95_MS
        worker = latency["deliveries"]
        report.add(
            "single_deliveries_ms",
            "its outbox deliveries, in a worker (accounts, routing)",
            worker,
            f"p50 {worker['p50']:.1f} ms",
            f"p95 {worker['p95']:.1f} ms; not in the request",
        )

    report.section("Stored afterwards")
    for key, label, count in (
        ("contact_scores", "contact scores", ContactScore.objects.count()),
        ("score_changes", "timeline entries (ScoreChange)", ScoreChange.objects.count()),
        ("qualifications", "qualifications", Qualification.objects.count()),
    ):
        report.add(key, label, count, f"{count:,}")
    if args.profile:
        seconds, text = profile_rescore(model, args.profile, args.profile_top)
        report.figures["profiled_rescore_seconds"] = seconds
        report.appendix.append(text)
    say("Done.")
