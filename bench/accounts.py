"""
Account scores: what the account step adds to contact scoring, each figure with and without it
in the same run, beside the SQL yardstick of bench scoring.

Builds the scoring bench's data (N contacts over N/5 companies, 20 activities each), scores it
once, then times, alternating with the account step on and off (patched out):

1. a full rescore after a points-only change, then the every-account pass it publishes (a
   worker's delivery, timed with it);
2. one activity recorded for K random contacts, samples alternating on and off (p50/p95): the
   write stores the contact's score and a durable message naming its company; the account is
   rescored when a worker delivers it, timed apart;
3. the beat's account refresh a day later (every engaged account recomputed from its contacts).

Example: python -m bench accounts --contacts 10000 --single 200
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from bench import scoring as scoring_bench
from bench._common import BENCH_PREFIX, Report, percentiles, timed
from contacts.models import Activity
from scoring import selectors, services
from scoring.models import AccountScore
from scoring.services import accounts, rescore_runs, rescoring


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contacts", type=int, default=10_000, help="contacts (10,000)")
    parser.add_argument("--single", type=int, default=200, help="single-activity samples (200)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")


@contextmanager
def account_step(on: bool) -> Iterator[None]:
    """The contact rescoring path with its account message, or with it patched out."""
    originals = rescoring.outbox_publish_ids, rescore_runs.outbox_publish
    if not on:
        rescoring.outbox_publish_ids = lambda **kwargs: None
        rescore_runs.outbox_publish = lambda **kwargs: None
    try:
        yield
    finally:
        rescoring.outbox_publish_ids, rescore_runs.outbox_publish = originals


def _rescore(model, on: bool) -> float:
    def bump() -> None:
        rule = model.rules.filter(dimension="interest").first()
        rule.points += 1
        rule.save(update_fields=["points"])

    # The run publishes the accounts' pass; a worker delivers it: timed here with the run.
    with account_step(on), scoring_bench.held_deliveries() as held:
        seconds = scoring_bench.rescore_after(bump, model, f"points change, accounts {on}")
        return seconds["seconds"] + scoring_bench.deliver_held(held) / 1000


def _single(ids: list[int], count: int, seed: int) -> dict[str, dict[str, float]]:
    """
    Alternate samples with the account step on and off, so load drifts hit both alike. On, the
    write also stores the account message; its delivery (a worker's job) is timed apart.
    """
    rng = random.Random(seed)
    times: dict[str, list[float]] = {"on": [], "off": [], "delivery": []}
    for sample in range(2 * count):
        on = sample % 2 == 0
        contact_id = rng.choice(ids)
        with account_step(on), scoring_bench.held_deliveries() as held:
            start = time.perf_counter()
            with transaction.atomic():
                # bulk_create skips the post_save receiver, which would score it a second time.
                (activity,) = Activity.objects.bulk_create(
                    [
                        Activity(
                            contact_id=contact_id,
                            kind="pricing_page_view",
                            occurred_at=timezone.now(),
                            source=f"{BENCH_PREFIX}accounts",
                        )
                    ]
                )
                services.contacts_score(contact_ids=[contact_id], activities=[activity])
            times["on" if on else "off"].append((time.perf_counter() - start) * 1000)
            delivered = scoring_bench.deliver_held(held)
            if on:
                times["delivery"].append(delivered)
    return {key: percentiles(values) for key, values in times.items()}


def run(args: argparse.Namespace, report: Report) -> None:
    args.activities = args.contacts * scoring_bench.ACTIVITIES_PER_CONTACT
    args.companies = max(1, args.contacts // scoring_bench.CONTACTS_PER_COMPANY)
    args.no_copy = False
    report.parameters.update(
        contacts=args.contacts, companies=args.companies, activities=args.activities
    )
    ids = scoring_bench.build(args, report)
    model = scoring_bench.live_model(report)
    stick = scoring_bench.yardstick(selectors.model_spec(model))["seconds"]
    with scoring_bench.held_tasks():
        first = services.scoring_model_changed(
            model_id=model.pk, reason=f"{BENCH_PREFIX}first", refold_all=True
        )
    with timed("First scores (contacts and accounts)"):
        services.rescore_run_execute(run_id=first.pk)
    with_on, with_off = _rescore(model, True), _rescore(model, False)
    single = _single(ids, args.single, args.seed)
    single_on, single_off, delivery = single["on"], single["off"], single["delivery"]
    later = timezone.now() + timedelta(days=1)
    with timed("Account refresh a day later") as t:
        refreshed = accounts.accounts_refresh_time(now=later)
    engaged = AccountScore.objects.exclude(engagement=0).count()

    report.section("Yardstick (bench scoring's SQL GROUP BY over all activities)")
    report.add("yardstick", "SUM(CASE kind ...) GROUP BY contact_id", stick, f"{stick:.2f} s")
    report.section("Full rescore after a points change, with and without the account step")
    for key, label, seconds in (
        ("rescore_with_accounts", "with accounts", with_on),
        ("rescore_without_accounts", "without (patched out)", with_off),
    ):
        report.add(key, label, seconds, f"{seconds:.1f} s", f"{seconds / stick:.0f}x yardstick")
    report.section(f"One activity, {args.single} random contacts (service, in its transaction)")
    for key, label, p in (
        ("single_with_accounts", "write, with the account message", single_on),
        ("single_without_accounts", "write, without (patched out)", single_off),
        ("single_account_delivery", "the message's delivery (a worker's job)", delivery),
    ):
        report.add(key, label, p, f"p50 {p['p50']:.1f} ms", f"p95 {p['p95']:.1f} ms")
    report.section("Beat account refresh (decay) a day later")
    report.add(
        "account_refresh",
        f"{engaged:,} engaged accounts recomputed, {refreshed:,} rewritten",
        t["seconds"],
        f"{t['seconds']:.2f} s",
        f"{t['seconds'] / stick:.1f}x yardstick",
    )
