"""
Per-rule lift of the backtest (scoring/backtest.py, which re-exports it), pure, and the words
pages and commands list it in.

Per-rule lift
-------------
For each rule: the won rate of the contacts it gave points to ("matching") and of the others,
with a 95 % Wilson interval for each rate. Lift = won rate matching / won rate not matching; its
95 % interval (backtest_stats.lift_interval) counts the uncertainty of both rates. A rule
*disagrees* with the data when its points point one way and the whole lift interval the other:
positive points with the interval entirely below 1, negative points with it entirely above 1,
zero points with an interval that excludes 1. For those, the suggested points are the rule's
log-odds ratio times the model's own scale (the median points per unit of log-odds of the
rules that agree), rounded to 5: a suggestion for a person to apply, never applied by itself.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scoring import engine
from scoring.backtest_stats import lift_interval, log_odds_ratio, rate, wilson

if TYPE_CHECKING:
    from scoring.backtest import Observation

# Rules matched by fewer contacts (or missed by fewer) get no verdict: too few to say.
MIN_GROUP = 10
# Points per unit of log-odds when no rule agrees with the data to calibrate on.
FALLBACK_SCALE = 10.0


def _round_to(value: float, step: float = 5.0) -> float:
    return float(step * round(value / step))


def rule_lift(
    observations: Sequence[Observation],
    rules: Sequence[engine.Rule],
    *,
    min_group: int = MIN_GROUP,
) -> list[dict[str, Any]]:
    """Each rule's won rate matching vs not, its lift with interval, verdict and suggestion."""
    rows = [_lift_row(observations, rule, min_group) for rule in rules]
    _suggest_points(rows)
    return rows


def _lift_row(
    observations: Sequence[Observation], rule: engine.Rule, min_group: int
) -> dict[str, Any]:
    """One rule's row: its matching and other contacts' won rates, lift and verdict."""
    inside = [o for o in observations if rule.id in o.rule_ids]
    outside = [o for o in observations if rule.id not in o.rule_ids]
    won_in, won_out = sum(o.won for o in inside), sum(o.won for o in outside)
    rate_in, rate_out = rate(won_in, len(inside)), rate(won_out, len(outside))
    ci_in = wilson(won_in, len(inside))
    lift = rate_in / rate_out if rate_in is not None and rate_out else None
    lift_ci = (
        lift_interval(won_in, len(inside), won_out, len(outside)) if lift is not None else None
    )
    if len(inside) < min_group or len(outside) < min_group or lift_ci is None:
        verdict = "too few"
    elif lift_ci[0] > 1:
        verdict = "agrees" if rule.points > 0 else "disagrees"
    elif lift_ci[1] < 1:
        verdict = "agrees" if rule.points < 0 else "disagrees"
    else:
        verdict = "unclear"
    return {
        "rule_id": rule.id,
        "name": rule.name,
        "dimension": rule.dimension,
        "points": float(rule.points),
        "n_in": len(inside),
        "won_in": won_in,
        "rate_in": rate_in,
        "ci_in": ci_in,
        "n_out": len(outside),
        "won_out": won_out,
        "rate_out": rate_out,
        "ci_out": wilson(won_out, len(outside)),
        "lift": lift,
        "lift_ci": lift_ci,
        "log_odds": log_odds_ratio(won_in, len(inside), won_out, len(outside)),
        "verdict": verdict,
        "suggested": None,
    }


def _suggest_points(rows: list[dict[str, Any]]) -> None:
    """
    Suggested points for the rules that disagree: their log-odds ratio on the model's own scale,
    capped at the biggest points of any rule and rounded to 5.
    """
    scale = points_per_log_odds(rows)
    biggest = max((abs(r["points"]) for r in rows), default=0.0) or 10.0
    for row in rows:
        if row["verdict"] != "disagrees":
            continue
        suggested = _round_to(max(-biggest, min(biggest, scale * row["log_odds"])))
        if suggested != row["points"]:
            row["suggested"] = suggested + 0.0  # no -0.0


def points_per_log_odds(rows: Sequence[dict[str, Any]]) -> float:
    """The model's own scale: median points per unit of log-odds over the rules that agree."""
    ratios = [
        r["points"] / r["log_odds"]
        for r in rows
        if r["verdict"] == "agrees" and abs(r["log_odds"]) > 0.05 and r["points"]
    ]
    return statistics.median(ratios) if ratios else FALLBACK_SCALE


def rules_disagreeing_first(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-rule rows as the page and the command list them: disagreeing rules first."""
    return sorted(rows, key=lambda r: (r["verdict"] != "disagrees", -(r["n_in"] or 0)))


def rule_line(row: dict[str, Any]) -> str:
    """
    One rule's agreement in words: 'Downloaded content (+5): won 25.0% of 208 it gave points
    vs 42.5% of the rest, lift 0.59x (0.46-0.74): DISAGREES, converts worse; suggested -15'.
    """
    points = f"{row['points']:+g}"

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:.1f}%"

    text = (
        f"{row['name']} ({points}): won {pct(row['rate_in'])} of {row['n_in']:,} it gave "
        f"points vs {pct(row['rate_out'])} of the other {row['n_out']:,}"
    )
    if row["lift"] is not None:
        text += f", lift {row['lift']:.2f}x"
        if row["lift_ci"] is not None:
            text += f" ({row['lift_ci'][0]:.2f}-{row['lift_ci'][1]:.2f})"
    verdict = row["verdict"]
    if verdict == "disagrees":
        worse = row["lift"] is not None and row["lift"] < 1
        text += ": DISAGREES, " + (
            "its leads convert worse" if worse else "its leads convert better"
        )
        if row["suggested"] is not None:
            text += f"; suggested {row['suggested']:+g}"
    else:
        text += f": {verdict}"
    return text
