"""
Several live scoring models (issue 15): what a second live model costs, each figure beside its
yardstick measured in the same run.

Builds the scoring bench's data (N contacts over N/5 companies, 20 activities each), scores it
under the default model, then adds a second live model, "Enterprise": a copy of the default
without its e-mail-open rule and with a rule of its own (partner referral calls, a custom kind).
It times:

1. scoring every contact under Enterprise when it is published, beside the default model's own
   full rescore (its first scores, the account step timed apart) and the SQL yardstick of
   bench scoring;
2. one activity through contacts_score in its transaction, K samples for each of four cases,
   alternating: a kind only the default counts (e-mail open) and a kind both count (pricing
   page view), each with two live models and with one (Enterprise patched out of the live
   models), so the figures show the cost grows with the models that count the kind (each
   case's queries are counted too, untimed, for the same few contacts (medians): a model
   without a rule for the kind costs one COUNT, to see that it has scored the contact);
3. the beat time refresh of every score a day later, with two live models and with one (each
   run rolled back, so both start from the same scores; best of two);
4. a points-only rescore of Enterprise, checking that the default model's scores are untouched
   (same version and scored_at): the bench fails if one moved.

Example: python -m bench models --contacts 20000 --single 200
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import scoring as scoring_bench
from bench._common import BENCH_PREFIX, BenchError, Report, percentiles, say, timed
from bench.accounts import account_step
from contacts.models import Activity
from scoring import selectors, services
from scoring.models import ContactScore, Qualification, ScoringLine, ScoringModel, ScoringRule
from scoring.services.accounts import accounts_rescore_all_publish

ENTERPRISE = f"{BENCH_PREFIX}Enterprise"
DROPPED_KIND = "email_open"  # the default counts it, Enterprise does not
SHARED_KIND = "pricing_page_view"  # both count it
OWN_KIND, OWN_CUSTOM_KIND = "custom", "partner_referral_call"  # only Enterprise counts it
QUERY_SAMPLES = 9  # contacts whose queries are counted, in every single-activity case
# Time refresh runs, with two live models (True) and one: ABBA, so a drift hits both alike.
REFRESH_ORDER = (True, False, False, True)

Case = tuple[str, bool]  # a single-activity case: (activity kind, Enterprise live)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contacts", type=int, default=10_000, help="contacts (10,000)")
    parser.add_argument(
        "--single", type=int, default=200, help="single-activity samples per case (200)"
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")


# ---- The second model --------------------------------------------------------------------


def drop_bench_lines() -> None:
    """
    Lines an earlier run left: purging benchmark data deletes their versions (named 'bench-'),
    not the lines themselves.
    """
    leftover = ScoringLine.objects.filter(name__startswith=BENCH_PREFIX, is_default=False)
    if leftover.filter(versions__isnull=False).exists():
        raise BenchError(f"A scoring model named {ENTERPRISE!r} is still in use: add --reset.")
    leftover.delete()


def enterprise_draft(default: ScoringModel) -> ScoringModel:
    """A new line's first draft: the default's rules minus DROPPED_KIND, plus one of its own."""
    draft = services.scoring_line_create(name=ENTERPRISE, source=default, created_by=None)
    draft.name = ENTERPRISE  # purge_bench_data deletes versions by this prefix
    draft.save(update_fields=["name"])
    draft.rules.filter(dimension="interest", activity_kind=DROPPED_KIND).delete()
    ScoringRule.objects.create(
        scoring_model=draft,
        name=f"{BENCH_PREFIX}partner referral call",
        dimension="interest",
        points=20,
        activity_kind=OWN_KIND,
        custom_kind=OWN_CUSTOM_KIND,
        window_days=90,
    )
    return draft


@contextmanager
def second_model(live: bool) -> Iterator[None]:
    """Every live model, or only the default line's (the others patched out of live_models)."""
    original = selectors.live_models
    if not live:
        selectors.live_models = lambda: [m for m in original() if m.line.is_default]
    try:
        yield
    finally:
        selectors.live_models = original


# ---- Measuring ---------------------------------------------------------------------------


def default_first_scores(model: ScoringModel) -> dict[str, float]:
    """Every contact's first score under the default model, then (apart) every account's."""
    with scoring_bench.held_tasks():
        run = services.scoring_model_changed(
            model_id=model.pk, reason=f"{BENCH_PREFIX}first scores", refold_all=True
        )
    with account_step(False), timed("Default model: first scores (account step apart)") as t:
        run = services.rescore_run_execute(run_id=run.pk)
    # Every account, once: the pass a run publishes, its chunks delivered as a worker would.
    with timed("Default model: every account, once") as a, scoring_bench.held_deliveries() as held:
        with transaction.atomic():
            accounts_rescore_all_publish(release=False)
        scoring_bench.deliver_held(held)
    return {"seconds": t["seconds"], "contacts": run.done, "accounts_seconds": a["seconds"]}


def enterprise_publish(draft: ScoringModel) -> tuple[ScoringModel, dict[str, float]]:
    """Publish the draft, then time the rescore run publishing asked for (every contact)."""
    with scoring_bench.held_tasks():
        live = services.scoring_model_publish(draft=draft, published_by=None)
    run = live.runs.filter(status="queued").order_by("-pk").first()
    if run is None:
        raise BenchError("Publishing Enterprise asked for no rescore run.")
    with timed("Enterprise published: every contact scored under it") as t:
        run = services.rescore_run_execute(run_id=run.pk)
    return live, {"seconds": t["seconds"], "contacts": run.done}


def _one_activity(contact_id: int, kind: str, rng: random.Random) -> float:
    """
    Record one activity and score it, in one transaction; milliseconds. bulk_create skips the
    post_save receiver, which would score it a second time besides the contacts_score below.
    Its outbox deliveries (the account's rescoring) are a worker's job: held and left out.
    """
    start = time.perf_counter()
    with scoring_bench.held_deliveries() as held, transaction.atomic():
        (activity,) = Activity.objects.bulk_create(
            [
                Activity(
                    contact_id=contact_id,
                    kind=kind,
                    occurred_at=timezone.now(),
                    properties=scoring_bench.activity_properties(kind, rng),
                    source=f"{BENCH_PREFIX}models",
                )
            ]
        )
        services.contacts_score(
            contact_ids=[contact_id], activities=[activity], activity_id=activity.pk
        )
    elapsed = (time.perf_counter() - start) * 1000
    scoring_bench.deliver_held(held)
    return elapsed


def case_queries(ids: list[int], cases: list[Case], rng: random.Random) -> dict[Case, list[int]]:
    """
    Each case's queries for the same QUERY_SAMPLES contacts, in order (a contact without a
    company has no account to score, one that qualifies writes more). Untimed: the warm-up.
    """
    counts: dict[Case, list[int]] = {case: [] for case in cases}
    for contact_id in rng.sample(ids, min(QUERY_SAMPLES, len(ids))):
        for kind, live in cases:
            with second_model(live), CaptureQueriesContext(connection) as captured:
                _one_activity(contact_id, kind, rng)
            counts[(kind, live)].append(len(captured.captured_queries))
    return counts


def single(ids: list[int], count: int, seed: int) -> dict[Case, dict[str, Any]]:
    """
    One activity for random contacts, cases alternating sample by sample (so load drifts hit
    all alike): (kind, Enterprise live) for both kinds, with two live models and with one.
    """
    rng = random.Random(seed + 3)
    cases = [(kind, live) for kind in (DROPPED_KIND, SHARED_KIND) for live in (True, False)]
    queries = case_queries(ids, cases, rng)
    times: dict[Case, list[float]] = {case: [] for case in cases}
    with timed(f"One activity, {count} samples for each of {len(cases)} cases"):
        for sample in range(count * len(cases)):
            kind, live = cases[sample % len(cases)]
            with second_model(live):
                times[(kind, live)].append(_one_activity(rng.choice(ids), kind, rng))
    return {case: {**percentiles(times[case]), "queries": queries[case]} for case in cases}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def time_refresh(later: datetime) -> dict[bool, dict[str, Any]]:
    """
    The beat time refresh with two live models and with one (REFRESH_ORDER); each run is rolled
    back, so every run starts from the same stored scores.
    """
    seconds: dict[bool, list[float]] = {True: [], False: []}
    rewritten: dict[bool, int] = {}
    for live in REFRESH_ORDER:
        label = "two live models" if live else "one live model"
        with second_model(live), transaction.atomic():
            with timed(f"Time refresh a day later, {label} (rolled back)") as t:
                rewritten[live] = services.scores_refresh_time(now=later)
            transaction.set_rollback(True)
        seconds[live].append(t["seconds"])
    return {
        live: {"seconds": min(values), "tries": values, "rewritten": rewritten[live]}
        for live, values in seconds.items()
    }


def _default_scores(line_id: int) -> dict[int, tuple[int, Any]]:
    rows = ContactScore.objects.filter(line_id=line_id).values_list(
        "contact_id", "version", "scored_at"
    )
    return {contact_id: (version, scored_at) for contact_id, version, scored_at in rows}


def enterprise_points_rescore(enterprise: ScoringModel, default_line: int) -> dict[str, Any]:
    """A points-only change to Enterprise and its rescore; the default's scores must not move."""

    def bump() -> None:
        rule = enterprise.rules.filter(dimension="interest", activity_kind=SHARED_KIND).first()
        rule.points += 1
        rule.save(update_fields=["points"])

    before = _default_scores(default_line)
    result = scoring_bench.rescore_after(bump, enterprise, "Enterprise: points-only change")
    after = _default_scores(default_line)
    moved = sum(after.get(contact_id) != stored for contact_id, stored in before.items())
    moved += len(after.keys() - before.keys())
    return {**result, "default_scores": len(before), "default_moved": moved}


# ---- The sub-command ---------------------------------------------------------------------


def run(args: argparse.Namespace, report: Report) -> None:
    if args.contacts < 1 or args.single < 1:
        raise BenchError("--contacts and --single must be at least 1.")
    args.activities = args.contacts * scoring_bench.ACTIVITIES_PER_CONTACT
    args.companies = max(1, args.contacts // scoring_bench.CONTACTS_PER_COMPANY)
    args.no_copy = False
    report.parameters.update(
        contacts=args.contacts,
        companies=args.companies,
        activities=args.activities,
        seed=args.seed,
        single_activity_samples_per_case=args.single,
    )
    drop_bench_lines()
    ids = scoring_bench.build(args, report)
    default = scoring_bench.live_model(report)
    stick = scoring_bench.yardstick(selectors.model_spec(default))
    first = default_first_scores(default)
    enterprise, published = enterprise_publish(enterprise_draft(default))
    report.parameters["second_model"] = (
        f"{ENTERPRISE} ({enterprise.rules.filter(is_active=True).count()} active rules: "
        f"the default's without {DROPPED_KIND}, with {OWN_KIND} '{OWN_CUSTOM_KIND}')"
    )
    latency = single(ids, args.single, args.seed)
    refresh = time_refresh(timezone.now() + timedelta(days=1))
    points = enterprise_points_rescore(enterprise, default.line_id)

    s_ = stick["seconds"]
    report.section(
        "Yardstick (bench scoring's SQL GROUP BY over all activities, best of "
        f"{scoring_bench.YARDSTICK_TRIES})"
    )
    report.add(
        "yardstick",
        "SUM(CASE kind ...) GROUP BY contact_id",
        stick,
        f"{s_:.2f} s",
        f"{stick['rows']:,} rows fetched",
    )
    _report_full_scores(report, first, published, s_)
    _report_single(report, latency, args.single)
    _report_refresh(report, refresh, s_)
    _report_points(report, points, s_)
    _report_stored(report, {"default": default, "enterprise": enterprise})
    if points["default_moved"]:
        raise BenchError(
            f"The points-only rescore of {ENTERPRISE} moved {points['default_moved']:,} of the "
            "default model's scores (version or scored_at): it must write only its own line's."
        )
    say("Done.")


def _report_stored(report: Report, models: dict[str, ScoringModel]) -> None:
    report.section("Stored afterwards, per model")
    for key, model in models.items():
        for table, what in ((ContactScore, "contact scores"), (Qualification, "qualifications")):
            n = table.objects.filter(line_id=model.line_id).count()
            report.add(f"{what.replace(' ', '_')}_{key}", f"{what}, {model.line.name}", n, f"{n:,}")


def _report_full_scores(
    report: Report, first: dict[str, float], published: dict[str, float], stick: float
) -> None:
    report.section("Scoring every contact under a model (first scores: states from the history)")
    report.add(
        "default_first_scores",
        "default model (account step apart, below)",
        first,
        f"{first['seconds']:.1f} s",
        f"{first['seconds'] / stick:.1f}x the yardstick; {first['contacts']:,} contacts",
    )
    report.add(
        "default_accounts",
        "default model's account step (every account, once)",
        first["accounts_seconds"],
        f"{first['accounts_seconds']:.1f} s",
        f"{first['accounts_seconds'] / stick:.1f}x the yardstick",
    )
    seconds = published["seconds"]
    report.add(
        "enterprise_publish",
        f"{ENTERPRISE}, on publishing (no account step)",
        published,
        f"{seconds:.1f} s",
        f"{seconds / stick:.1f}x the yardstick; {seconds / first['seconds']:.2f}x the default's",
    )


def _report_single(report: Report, latency: dict[Case, dict[str, Any]], count: int) -> None:
    report.section(
        f"One activity through contacts_score in its transaction ({count} random contacts per "
        "case, cases alternating)"
    )
    for kind, counted_by in ((DROPPED_KIND, "the default only"), (SHARED_KIND, "both models")):
        two, one = latency[(kind, True)], latency[(kind, False)]
        for live, p in ((True, two), (False, one)):
            how = "two live models" if live else "one (Enterprise patched out)"
            note = f"p95 {p['p95']:.1f} ms; {_median(p['queries']):g} queries"
            if live:
                more = _median([t - o for t, o in zip(p["queries"], one["queries"], strict=True)])
                note += f" ({more:+g}); p50 {p['p50'] / one['p50']:.2f}x, "
                note += f"p95 {p['p95'] / one['p95']:.2f}x one"
            report.add(
                f"single_{kind}_{'two' if live else 'one'}_models",
                f"{kind} (counted by {counted_by}), {how}",
                p,
                f"p50 {p['p50']:.1f} ms",
                note,
            )


def _report_refresh(report: Report, refresh: dict[bool, dict[str, Any]], stick: float) -> None:
    report.section("Time refresh (beat) of every score a day later (best of 2, rolled back)")
    one = refresh[False]["seconds"]
    for live in (True, False):
        figure = refresh[live]
        note = f"{figure['seconds'] / stick:.2f}x the yardstick; {figure['rewritten']:,} rewritten"
        if live:
            note += f"; {figure['seconds'] / one:.2f}x one model"
        report.add(
            f"time_refresh_{'two' if live else 'one'}_models",
            "two live models" if live else "one live model (Enterprise patched out)",
            figure,
            f"{figure['seconds']:.2f} s",
            note,
        )


def _report_points(report: Report, points: dict[str, Any], stick: float) -> None:
    report.section(f"Points-only change to {ENTERPRISE}: its full rescore")
    report.add(
        "enterprise_points_change",
        "full rescore after a points-only change",
        points,
        f"{points['seconds']:.2f} s",
        f"{points['seconds'] / stick:.2f}x the yardstick; {points['contacts']:,} contacts",
    )
    kept = points["default_scores"] - points["default_moved"]
    report.add(
        "default_scores_untouched",
        "default model's scores untouched (same version, scored_at)",
        points["default_moved"] == 0,
        f"{kept:,} of {points['default_scores']:,}",
        "held" if points["default_moved"] == 0 else "FAILED: the rescore wrote another line",
    )
