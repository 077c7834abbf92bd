"""
Scoring core: rescoring and time refresh beside a plain-SQL yardstick, and one activity through
the API.

Builds N contacts over about N/5 companies with M activities (bulk writes; COPY on PostgreSQL),
then, under the live scoring model (the default model is created if none is live), times:

1. the first full rescore: every contact's rule states built from its history;
2. a full rescore after a rule-definition change (the busiest rule's window): only that
   definition's states are rebuilt;
3. a full rescore after a points-only change: no activity is read (made in place, then as
   the admin and API make it: a draft published as a new version);
4. what-if of a points-only draft and of a draft with a new rule;
5. the beat time refresh of every score (decay, windows, activities dated in the future): one
   beat period after the scores were written (what it does each period), and a day later (a day
   without the beat); apart from it the accounts' own time refresh;
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
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from bench._common import BENCH_PREFIX, BenchError, Report, percentiles, say, timed
from bench._scoring_data import (  # noqa: F401  (other benches read these as scoring_bench.X)
    ACTIVITIES_PER_CONTACT,
    BATCH_SIZE,
    CONTACTS_PER_COMPANY,
    KIND_CUMULATIVE,
    KINDS,
    activity_properties,
    build,
)
from bench._scoring_harness import (  # noqa: F401  (other benches read these as scoring_bench.X)
    YARDSTICK_TRIES,
    autovacuum_setting,
    deliver_held,
    held_deliveries,
    held_tasks,
    live_model,
    rescore_after,
    rescore_shared,
    settle,
    yardstick,
    yardstick_sql,
)
from bench._scoring_report import (
    ratio,
    report_floor,
    report_rescoring,
    report_single_activity,
    report_stored,
    report_yardstick,
)
from contacts.models import Activity
from scoring import selectors, services
from scoring.models import ScoringModel, ScoringRule

DEFAULT_CONTACTS = 10_000
DEFAULT_SINGLE = 300
WARM_UP_CALLS = 3  # single-activity calls made first and not counted


# ---- Measuring ---------------------------------------------------------------------------


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
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="processes sharing one more points-only rescore, as Celery workers do (2; 1: skip)",
    )


def run(args: argparse.Namespace, report: Report) -> None:
    _sizes(args, report)
    contact_ids = build(args, report)
    model = live_model(report)
    stick = yardstick(selectors.model_spec(model))
    first = _first_rescore(model)
    definition, points = _rule_change_rescores(model)
    shared = _shared_points_change(model, args.workers) if args.workers > 1 else None
    model.refresh_from_db()
    whatif_points = whatif(model, _more_points, "points-only draft")
    whatif_new_rule = whatif(model, _new_rule, "draft with a new rule")
    beat_refresh, refresh, account_refresh = _time_refreshes()
    published = _published_points_change(model)
    settle()
    latency = single_activity(contact_ids, args.single, args.seed) if args.single > 0 else {}

    report_yardstick(report, stick)
    report_rescoring(
        report,
        stick,
        first=first,
        definition=definition,
        points=points,
        whatifs=(whatif_points, whatif_new_rule),
        refresh=refresh,
        beat_refresh=beat_refresh,
        account_refresh=account_refresh,
        shared=shared,
    )
    ratio(
        report,
        "published_points_change",
        "full rescore after publishing a points-only version",
        published["seconds"],
        stick["seconds"],
        1.0,
    )
    report_floor(report, "published_points_change", published, stick["seconds"])
    if latency:
        report_single_activity(report, latency)
    report_stored(report)
    if args.profile:
        seconds, text = profile_rescore(model, args.profile, args.profile_top)
        report.figures["profiled_rescore_seconds"] = seconds
        report.appendix.append(text)
    say("Done.")


def _sizes(args: argparse.Namespace, report: Report) -> None:
    """Check the sizes, fill in the activities and companies not given, report them."""
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


def _first_rescore(model: ScoringModel) -> dict[str, Any]:
    """The first full rescore: every contact's rule states built from its history."""
    with held_tasks():
        first_run = services.scoring_model_changed(
            model_id=model.pk, reason=f"{BENCH_PREFIX}first scores", refold_all=True
        )
    with held_deliveries() as held:
        with timed("Full rescore (first scores: every state from the history)") as t:
            first_run = services.rescore_run_execute(run_id=first_run.pk)
        deliver_held(held)  # every account's first score: untimed, not the subject
    return {"seconds": t["seconds"], "contacts": first_run.done}


def _rule_change_rescores(model: ScoringModel) -> tuple[dict[str, Any], dict[str, Any]]:
    """Full rescores after a definition change and a points-only change of the busiest rule."""
    rule = busiest_interest_rule(model)

    def change_definition() -> None:
        rule.window_days = 90 if rule.window_days != 90 else 120
        rule.save(update_fields=["window_days"])

    def change_points() -> None:
        rule.points += 1
        rule.save(update_fields=["points"])

    definition = rescore_after(
        change_definition, model, f"window of '{rule.name}' changed", floor=True
    )
    points = rescore_after(change_points, model, f"points of '{rule.name}' changed", floor=True)
    return definition, points


def _published_points_change(model: ScoringModel) -> dict[str, Any]:
    """
    The same points-only change as the admin and API make it: the live version cannot be
    edited in place, so a draft with one more point for the busiest rule is published, and
    every score moves to the new version (its rules have new ids): nothing is left untouched.
    """
    draft = services.scoring_model_draft_create(
        source=model, created_by=None, note=f"{BENCH_PREFIX}points change, published"
    )
    rule = busiest_interest_rule(draft)
    rule.points += 1
    rule.save(update_fields=["points"])

    def publish() -> None:
        services.scoring_model_publish(draft=draft, published_by=None)

    return rescore_after(publish, draft, f"points of '{rule.name}' changed, published", floor=True)


def _shared_points_change(model: ScoringModel, workers: int) -> dict[str, Any]:
    """The points-only change again, its rescore run shared by `workers` processes."""
    rule = busiest_interest_rule(model)

    def change_points() -> None:
        rule.points += 1
        rule.save(update_fields=["points"])

    return rescore_shared(change_points, model, workers)


def _time_refreshes() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """
    The beat's time refresh of every score one beat period after the scores were written (what
    it does each period; rolled back, so the next figure starts from the same scores), then a
    day later (a day without the beat), and the accounts' own refresh a day later (both
    rolled back as well).
    """
    period = beat_period("scoring-refresh-time")
    settle()
    with transaction.atomic():
        label = f"Time refresh (beat) of every score, one beat period ({period:g} s) later"
        with timed(f"{label} (rolled back)") as t:
            rewritten = services.scores_refresh_time(now=timezone.now() + timedelta(seconds=period))
        transaction.set_rollback(True)
    beat = {"seconds": t["seconds"], "rewritten": rewritten, "period_seconds": period}
    # Rolled back too: kept, they would leave scores dated a day ahead of the phases after
    # this one, which a store never holds (a score is written as of its writer's now), and
    # every later path would re-read those contacts' states instead of their units.
    a_day_later = timezone.now() + timedelta(days=1)
    with transaction.atomic():
        with timed("Time refresh (beat) of every score, a day later (rolled back)") as t:
            refreshed = services.scores_refresh_time(now=a_day_later)
        refresh = {"seconds": t["seconds"], "rewritten": refreshed}
        with timed("Account time refresh (beat), a day later (rolled back)") as t:
            accounts_refreshed = services.accounts_refresh_time(now=a_day_later)
        account_refresh = {"seconds": t["seconds"], "rewritten": accounts_refreshed}
        transaction.set_rollback(True)
    return beat, refresh, account_refresh


def beat_period(entry: str) -> float:
    """Seconds between two runs of a beat entry (settings.CELERY_BEAT_SCHEDULE)."""
    schedule = settings.CELERY_BEAT_SCHEDULE[entry]["schedule"]
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    raise BenchError(f"The beat entry {entry!r} has no fixed period ({schedule!r}).")
