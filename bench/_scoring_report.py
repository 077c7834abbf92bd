"""
What bench scoring prints: each figure of its run beside the yardstick measured in the same run,
and whether it meets the target of issue 10.
"""

from __future__ import annotations

import os
from typing import Any

from bench._common import Report
from bench._scoring_harness import YARDSTICK_TRIES
from scoring.models import ContactScore, Qualification, ScoreChange

TARGET_RATIO = 3.0  # a full rescore after a definition change, against the yardstick
TARGET_P95_MS = 20.0


def ratio(report: Report, key: str, label: str, seconds: float, stick: float, target: float):
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


def report_floor(report: Report, key: str, rescore: dict[str, Any], stick: float) -> None:
    """The least the run's writes alone take (bench._scoring_harness.write_floor)."""
    floor = rescore.get("floor")
    if floor is None:
        return
    seconds = floor["seconds"]
    report.add(
        f"{key}_floor",
        "  floor: its writes alone (no computing; rolled back)",
        seconds / stick,
        f"{seconds / stick:.2f}x",
        f"{seconds:.2f} s: UPDATE of the {floor['scores']:,} scores it rewrote, INSERT of "
        f"{floor['timeline_entries']:,} timeline entries; the run took "
        f"{rescore['seconds'] / seconds:.1f}x this",
    )
    report.figures[f"{key}_floor"] = floor


def _report_shared(
    report: Report, shared: dict[str, Any], alone: dict[str, Any], stick: float
) -> None:
    seconds, workers = shared["seconds"], shared["workers"]
    report.add(
        "points_change_shared",
        f"  the same change, its run shared by {workers} worker processes",
        seconds / stick,
        f"{seconds / stick:.2f}x",
        f"{seconds:.2f} s against {alone['seconds']:.2f} s in one (a speed-up of "
        f"{alone['seconds'] / seconds:.2f}x; this machine has {os.cpu_count()} cores, "
        "PostgreSQL on them too)",
    )
    report.figures["points_change_shared"] = shared


def report_yardstick(report: Report, stick: dict[str, Any]) -> None:
    tried = ", JIT on and off" if stick.get("jit") else ""
    report.section(
        f"Yardstick (one SQL GROUP BY over all activities, best of {YARDSTICK_TRIES}{tried})"
    )
    best = f"; best with JIT {stick['jit']}" if stick.get("jit") else ""
    report.add(
        "yardstick",
        "SUM(CASE kind ...) GROUP BY contact_id",
        stick,
        f"{stick['seconds']:.2f} s",
        f"{stick['rows']:,} rows fetched{best}",
    )


def report_rescoring(
    report: Report,
    stick: dict[str, Any],
    *,
    first: dict[str, Any],
    definition: dict[str, Any],
    points: dict[str, Any],
    whatifs: tuple[float, float],
    refresh: dict[str, Any],
    beat_refresh: dict[str, Any],
    account_refresh: dict[str, Any],
    shared: dict[str, Any] | None,
) -> None:
    """Each rescore, what-if and time refresh beside the yardstick."""
    whatif_points, whatif_new_rule = whatifs
    accounts_refreshed = account_refresh["rewritten"]
    s_ = stick["seconds"]
    report.section("Rescoring and time, each beside the yardstick")
    report.add(
        "first_rescore",
        "first scores: every state built from the history",
        first,
        f"{first['seconds']:.1f} s",
        f"{first['seconds'] / s_:.1f}x the yardstick (no target: once, after install)",
    )
    ratio(
        report,
        "definition_change",
        "full rescore after a definition change",
        definition["seconds"],
        s_,
        TARGET_RATIO,
    )
    report_floor(report, "definition_change", definition, s_)
    _accounts_after(report, "definition_change", definition)
    ratio(
        report,
        "points_change",
        "full rescore after a points-only change",
        points["seconds"],
        s_,
        1.0,
    )
    untouched = points["untouched"]
    report.add(
        "points_change_untouched",
        "  scores the change could not move, left untouched",
        untouched,
        f"{untouched:,} of {points['contacts']:,}",
        "they count nothing the changed rule counts (RescoreScope)",
    )
    report_floor(report, "points_change", points, s_)
    _accounts_after(report, "points_change", points)
    if shared:
        _report_shared(report, shared, points, s_)
    ratio(report, "whatif_points", "what-if of a points-only draft", whatif_points, s_, 2.0)
    ratio(report, "whatif_new_rule", "what-if of a draft with a new rule", whatif_new_rule, s_, 5.0)
    period = beat_refresh["period_seconds"]
    for key, label, run in (
        (
            "time_refresh_beat",
            f"time refresh (beat) of every score, one period ({period:g} s) later",
            beat_refresh,
        ),
        (
            "time_refresh",
            "time refresh of every score a day later (a day without the beat)",
            refresh,
        ),
    ):
        ratio(report, key, label, run["seconds"], s_, 1.0)
        report.add(
            f"{key}_rewritten",
            "  scores it rewrote",
            run["rewritten"],
            f"{run['rewritten']:,}",
            "time alone moved their band, MQL state or counted activities",
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
        time_refresh_beat=beat_refresh,
        account_time_refresh=account_refresh,
    )


def report_single_activity(report: Report, latency: dict[str, Any]) -> None:
    """The single-activity latency through the API, and its deliveries in a worker."""
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


def report_stored(report: Report) -> None:
    """How many scores, timeline entries and qualifications the run left."""
    report.section("Stored afterwards")
    for key, label, count in (
        ("contact_scores", "contact scores", ContactScore.objects.count()),
        ("score_changes", "timeline entries (ScoreChange)", ScoreChange.objects.count()),
        ("qualifications", "qualifications", Qualification.objects.count()),
    ):
        report.add(key, label, count, f"{count:,}")
