"""
What-if: seconds to replay a draft and the live version over every contact, with the backtest.

Builds N contacts with their activities as `bench scoring` does (bench/scoring.py), gives a share
of them a won or lost outcome, makes a draft of the live version with a few rules changed, then
times scoring.services.whatif_run_execute(): each contact is loaded once and scored by both
versions at now, and the contacts with an outcome again at their outcome's date.

Target: 100,000 contacts in under a minute on PostgreSQL (the page polls its progress meanwhile).
Example: python -m bench whatif --contacts 100000
"""

from __future__ import annotations

import argparse
import random
from datetime import timedelta

from django.utils import timezone

from bench import scoring as scoring_bench
from bench._common import BENCH_PREFIX, BenchError, Report, say, timed
from contacts.models import Outcome, OutcomeResult
from scoring import services
from scoring.models import ScoringModel

DEFAULT_CONTACTS = 10_000
OUTCOME_SHARE = 0.1
TARGET_SECONDS_PER_100K = 60.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--contacts", type=int, default=DEFAULT_CONTACTS, help="contacts to build (10,000)"
    )
    parser.add_argument(
        "--activities",
        type=int,
        help=f"activities in all ({scoring_bench.ACTIVITIES_PER_CONTACT}x contacts)",
    )
    parser.add_argument(
        "--outcomes",
        type=float,
        default=OUTCOME_SHARE,
        help=f"share of contacts with a won or lost outcome ({OUTCOME_SHARE:g})",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument(
        "--no-copy", action="store_true", help="build with bulk_create even on PostgreSQL"
    )


def _outcomes(contact_ids: list[int], share: float, seed: int) -> int:
    rng = random.Random(seed + 7)
    now = timezone.now()
    rows = [
        Outcome(
            contact_id=pk,
            result=OutcomeResult.WON if rng.random() < 0.35 else OutcomeResult.LOST,
            decided_at=now - timedelta(days=rng.uniform(1, 300)),
        )
        for pk in contact_ids
        if rng.random() < share
    ]
    Outcome.objects.bulk_create(rows, batch_size=scoring_bench.BATCH_SIZE)
    return len(rows)


def _draft(live: ScoringModel) -> ScoringModel:
    """A draft of the live version with changes a marketer might try."""
    draft = services.scoring_model_draft_create(source=live, created_by=None)
    draft.name = f"{BENCH_PREFIX}what-if draft"
    draft.mql_interest_threshold = max(live.mql_interest_threshold - 5, 0)
    draft.save()
    for rule in draft.rules.filter(dimension="interest")[:3]:
        rule.points += 5
        rule.save()
    return draft


def run(args: argparse.Namespace, report: Report) -> None:
    if args.contacts < 1:
        raise BenchError("--contacts must be at least 1.")
    args.activities = (
        args.contacts * scoring_bench.ACTIVITIES_PER_CONTACT
        if args.activities is None
        else args.activities
    )
    args.companies = max(1, args.contacts // scoring_bench.CONTACTS_PER_COMPANY)
    report.parameters.update(
        contacts=args.contacts,
        companies=args.companies,
        activities=args.activities,
        outcome_share=args.outcomes,
        seed=args.seed,
    )
    contact_ids = scoring_bench.build(args, report)
    with timed("Recording outcomes") as t:
        outcomes = _outcomes(contact_ids, args.outcomes, args.seed)
    report.add("build_outcomes_s", f"{outcomes:,} outcomes", t["seconds"], f"{t['seconds']:.1f} s")
    live = scoring_bench.live_model(report)
    draft = _draft(live)
    what_if = services.whatif_run_create(draft=draft, requested_by=None)

    with timed(f"What-if over {args.contacts:,} contacts") as t:
        what_if = services.whatif_run_execute(run_id=what_if.pk)
    seconds = t["seconds"]
    result = what_if.result
    report.section("What-if (whatif_run_execute: draft and live over every contact + backtest)")
    report.add(
        "whatif_seconds",
        f"{what_if.done:,} contacts, {len(what_if.observations):,} with an outcome",
        seconds,
        f"{seconds:.1f} s",
        f"{what_if.done / seconds:,.0f} contacts/s",
    )
    per_100k = seconds * 100_000 / max(what_if.done, 1)
    met = "met" if per_100k <= TARGET_SECONDS_PER_100K else "MISSED"
    report.add(
        "whatif_seconds_per_100k",
        "scaled to 100,000 contacts",
        per_100k,
        f"{per_100k:.1f} s",
        f"target <= {TARGET_SECONDS_PER_100K:g} s: {met}",
    )
    report.figures["whatif_target_met"] = per_100k <= TARGET_SECONDS_PER_100K
    report.section("What the draft changes (a check that the replay did its work)")
    mql = result["mql"]
    report.add("mql_live", "meet the MQL rule, live", mql["live"], f"{mql['live']:,}")
    report.add(
        "mql_draft",
        "meet the MQL rule with the draft",
        mql["draft"],
        f"{mql['draft']:,}",
        f"{mql['entering']:,} newly, {mql['leaving']:,} no longer",
    )
    report.add("cells_moved", "contacts changing cell", result["moved"], f"{result['moved']:,}")
    report.notes.append(
        f"target: a what-if of 100,000 contacts within {TARGET_SECONDS_PER_100K:g} s"
    )
    say("Done.")
