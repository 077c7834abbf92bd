"""
Backtest: how well a scoring model's scores predicted the outcomes that really happened.

Pure Python, like the engine: observations in, figures out, no ORM and no clock.

How a contact is scored, so that nothing leaks from the future
---------------------------------------------------------------
Each contact with a known outcome (won or lost, at contact or account level) is scored with
`engine.evaluate(spec, profile, events, now=outcome.decided_at)`: the engine ignores every
activity after `now`, so only what the contact had done before the deal was decided counts,
and interest decays as it had at that moment. (Fit reads the profile as stored today; companies
rarely change industry or size, but a title changed since is a small leak.)

The split (choose_split)
------------------------
Outcomes decided before the split date X form the *train* period, those decided at or after X
the *test* period. Per-rule lift and the point suggestions are learnt on the train period only;
the test period then shows whether the model ranks leads it was not tuned on. The default X
aims at 70 % of the outcomes in the train period.

A time split only means something when the outcome dates spread: when dates are missing, or so
bunched (an import that stamped every outcome with one date) that the default X would put far
from 70 % in train or leave a period without a won or a lost lead, the split falls back to a
seeded stratified random split (70 % of the won and 70 % of the lost leads, picked by a hash of
the contact id, so the same contacts land on the same side every time). The split reports its
kind, the reason for a fallback and the train share it really gave; pages and commands show
that, never the share aimed at. A split date chosen by a person is always a time split.

Per-rule lift
-------------
For each rule: the won rate of the contacts it gave points to ("matching") and of the others,
with a 95 % Wilson interval for each rate. Lift = won rate matching / won rate not matching; its
interval is the matching group's Wilson interval divided by the non-matching rate. A rule
*disagrees* with the data when its points point one way and the whole lift interval the other:
positive points with the interval entirely below 1, negative points with it entirely above 1,
zero points with an interval that excludes 1. For those, the suggested points are the rule's
log-odds ratio times the model's own scale (the median points per unit of log-odds of the
rules that agree), rounded to 5: a suggestion for a person to apply, never applied by itself.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring import engine

Z_95 = 1.959964
DEFAULT_TRAIN_SHARE = 0.7
# A time split is kept when the share it really puts in train is within this of the aim.
SHARE_TOLERANCE = 0.15
SPLIT_SEED = "leadscore-split"
# Rules matched by fewer contacts (or missed by fewer) get no verdict: too few to say.
MIN_GROUP = 10
# Points per unit of log-odds when no rule agrees with the data to calibrate on.
FALLBACK_SCALE = 10.0
GRADES = ("A", "B", "C", "D")
BANDS = (1, 2, 3)


@dataclass(frozen=True)
class Observation:
    """One contact with a known outcome, scored as of the moment the outcome was decided."""

    contact_id: int
    won: bool
    decided_at: datetime | None
    fit: float
    interest: float
    grade: str
    band: int
    qualifies: bool
    rule_ids: frozenset[int] = frozenset()

    @property
    def combined(self) -> float:
        return self.fit + self.interest


def observe(
    contact_id: int, won: bool, decided_at: datetime | None, score: engine.Score
) -> Observation:
    """An observation from the engine's score at `decided_at`."""
    return Observation(
        contact_id=contact_id,
        won=won,
        decided_at=decided_at,
        fit=score.fit,
        interest=score.interest,
        grade=score.grade,
        band=score.band,
        qualifies=score.qualifies,
        rule_ids=frozenset(p.rule_id for p in (*score.fit_breakdown, *score.interest_breakdown)),
    )


def observation_to_json(o: Observation) -> list[Any]:
    """A compact JSON row (what-if runs store thousands of them)."""
    return [
        o.contact_id,
        int(o.won),
        o.decided_at.isoformat() if o.decided_at else None,
        round(o.fit, 2),
        round(o.interest, 2),
        o.grade,
        o.band,
        int(o.qualifies),
        sorted(o.rule_ids),
    ]


def observation_from_json(row: Sequence[Any]) -> Observation:
    contact_id, won, decided_at, fit, interest, grade, band, qualifies, rule_ids = row
    return Observation(
        contact_id=contact_id,
        won=bool(won),
        decided_at=datetime.fromisoformat(decided_at) if decided_at else None,
        fit=fit,
        interest=interest,
        grade=grade,
        band=band,
        qualifies=bool(qualifies),
        rule_ids=frozenset(rule_ids),
    )


# ---- Statistics --------------------------------------------------------------------------


def rate(won: int, n: int) -> float | None:
    return won / n if n else None


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95 % by default); None when n is 0."""
    if n == 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        shared = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = shared
        start = end + 1
    return ranks


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """
    ROC AUC by the Mann-Whitney U statistic: the chance that a random won contact scores above
    a random lost one, ties counting half. None without both classes.
    """
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = average_ranks(scores)
    rank_sum = sum(r for r, label in zip(ranks, labels, strict=True) if label)
    u = rank_sum - positives * (positives + 1) / 2
    return u / (positives * negatives)


def log_odds_ratio(won_in: int, n_in: int, won_out: int, n_out: int) -> float:
    """ln(odds of winning when matching / odds when not), with 0.5 added to every cell."""
    lost_in, lost_out = n_in - won_in, n_out - won_out
    return math.log(((won_in + 0.5) / (lost_in + 0.5)) / ((won_out + 0.5) / (lost_out + 0.5)))


# ---- The split ------------------------------------------------------------------------------


def default_split(dates: Iterable[datetime], share: float = DEFAULT_TRAIN_SHARE) -> datetime | None:
    """The date X with `share` of the outcomes decided before it (None without outcomes)."""
    ordered = sorted(dates)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(share * len(ordered))))
    return ordered[index]


def split(
    observations: Sequence[Observation], at: datetime
) -> tuple[list[Observation], list[Observation]]:
    """(train: decided before `at`, test: decided at or after it)."""
    train = [o for o in observations if o.decided_at < at]
    test = [o for o in observations if o.decided_at >= at]
    return train, test


@dataclass(frozen=True)
class Split:
    """
    Which outcomes train and which test, how they were split and why. `share` is the train
    share the split really gave (what pages show), `aimed` the share it aimed at.
    """

    kind: str  # "time" or "random"
    train_keys: frozenset
    n_train: int
    n_test: int
    at: datetime | None = None
    reason: str = ""
    aimed: float = DEFAULT_TRAIN_SHARE

    @property
    def share(self) -> float | None:
        total = self.n_train + self.n_test
        return self.n_train / total if total else None

    def is_train(self, key: Hashable) -> bool:
        return key in self.train_keys

    def words(self) -> str:
        """'By time at 3 Mar 2026: 70 % of 1,000 outcomes train' and the like."""
        total = self.n_train + self.n_test
        share = f"{100 * (self.share or 0):.0f} % of {total:,} outcomes train"
        if self.kind == "time":
            when = f" at {self.at:%-d %b %Y}" if self.at else ""
            return f"By time{when}: {share}, the later {self.n_test:,} test"
        why = f" ({self.reason})" if self.reason else ""
        return f"Stratified random{why}: {share}, {self.n_test:,} test"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": self.at.isoformat() if self.at else None,
            "reason": self.reason,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "share": self.share,
            "aimed": self.aimed,
            "words": self.words(),
        }


def _stable_hash(key: Hashable) -> str:
    return hashlib.sha1(f"{SPLIT_SEED}:{key}".encode()).hexdigest()


def random_split(
    items: Sequence[tuple[Hashable, bool, datetime | None]],
    *,
    share: float = DEFAULT_TRAIN_SHARE,
    reason: str = "",
) -> Split:
    """A seeded stratified split: `share` of the won and of the lost keys train."""
    train: set = set()
    for label in (True, False):
        keys = sorted((key for key, won, _ in items if won == label), key=_stable_hash)
        train.update(keys[: round(share * len(keys))])
    return Split(
        kind="random",
        train_keys=frozenset(train),
        n_train=len(train),
        n_test=len(items) - len(train),
        reason=reason,
        aimed=share,
    )


def _both_classes(labels: Sequence[bool]) -> bool:
    return any(labels) and not all(labels)


def choose_split(
    items: Sequence[tuple[Hashable, bool, datetime | None]],
    *,
    share: float = DEFAULT_TRAIN_SHARE,
    at: datetime | None = None,
) -> Split:
    """
    The honest split of (key, won, decided_at) items: at `at` when a person chose it; by time at
    the default date when the dates spread; else stratified at random, saying why.
    """
    dated = [(key, won, when) for key, won, when in items if when is not None]
    if at is not None and len(dated) == len(items):
        train = frozenset(key for key, _, when in dated if when < at)
        return Split("time", train, len(train), len(items) - len(train), at=at, aimed=share)
    if not items:
        return Split("time", frozenset(), 0, 0, aimed=share)
    if len(dated) < len(items):
        missing = len(items) - len(dated)
        return random_split(items, share=share, reason=f"{missing:,} outcomes have no date")
    x = default_split((when for _, _, when in dated), share)
    train_labels = [won for _, won, when in dated if when < x]
    test_labels = [won for _, won, when in dated if when >= x]
    got = len(train_labels) / len(items)
    if abs(got - share) > SHARE_TOLERANCE:
        days = len({when.date() for _, _, when in dated})
        return random_split(
            items,
            share=share,
            reason=f"outcome dates too bunched ({days:,} distinct day{'s' if days != 1 else ''}) "
            f"for a time split: one at the default date would put {100 * got:.0f} % in train",
        )
    if not (_both_classes(train_labels) and _both_classes(test_labels)):
        return random_split(
            items,
            share=share,
            reason="a time split would leave a period without a won or a lost outcome",
        )
    train = frozenset(key for key, _, when in dated if when < x)
    return Split("time", train, len(train), len(items) - len(train), at=x, aimed=share)


def observation_split(observations: Sequence[Observation], *, at: datetime | None = None) -> Split:
    return choose_split([(o.contact_id, o.won, o.decided_at) for o in observations], at=at)


def apply_split(
    observations: Sequence[Observation], chosen: Split
) -> tuple[list[Observation], list[Observation]]:
    train = [o for o in observations if chosen.is_train(o.contact_id)]
    test = [o for o in observations if not chosen.is_train(o.contact_id)]
    return train, test


# ---- Metrics -----------------------------------------------------------------------------


def _group(
    observations: Sequence[Observation], key: Callable[[Observation], Any], labels: Sequence[Any]
) -> list[dict[str, Any]]:
    rows = []
    for label in labels:
        members = [o for o in observations if key(o) == label]
        won = sum(o.won for o in members)
        n = len(members)
        rows.append({"label": label, "n": n, "won": won, "rate": rate(won, n)})
    return rows


def deciles(observations: Sequence[Observation]) -> list[dict[str, Any]]:
    """Conversion per tenth of the combined score, decile 1 holding the highest scores."""
    ordered = sorted(observations, key=lambda o: (-o.combined, o.contact_id))
    n = len(ordered)
    rows = []
    for decile in range(10):
        members = ordered[decile * n // 10 : (decile + 1) * n // 10]
        if not members:
            continue
        won = sum(o.won for o in members)
        rows.append(
            {
                "label": decile + 1,
                "n": len(members),
                "won": won,
                "rate": rate(won, len(members)),
                "min": min(o.combined for o in members),
                "max": max(o.combined for o in members),
            }
        )
    return rows


def mql_metrics(observations: Sequence[Observation]) -> dict[str, Any]:
    """Precision (won rate of MQLs), recall (share of won that were MQLs), lift over base."""
    n = len(observations)
    won = sum(o.won for o in observations)
    mqls = [o for o in observations if o.qualifies]
    mql_won = sum(o.won for o in mqls)
    base = rate(won, n)
    precision = rate(mql_won, len(mqls))
    return {
        "mqls": len(mqls),
        "mql_won": mql_won,
        "precision": precision,
        "recall": rate(mql_won, won),
        "lift": precision / base if precision is not None and base else None,
    }


def metrics(observations: Sequence[Observation]) -> dict[str, Any]:
    """Every figure of one period."""
    n = len(observations)
    won = sum(o.won for o in observations)
    return {
        "n": n,
        "won": won,
        "base_rate": rate(won, n),
        "auc": roc_auc([o.combined for o in observations], [o.won for o in observations]),
        "grades": _group(observations, lambda o: o.grade, GRADES),
        "bands": _group(observations, lambda o: o.band, BANDS),
        "deciles": deciles(observations),
        **mql_metrics(observations),
    }


# ---- Per-rule lift and suggestions -------------------------------------------------------


def _round_to(value: float, step: float = 5.0) -> float:
    return float(step * round(value / step))


def rule_lift(
    observations: Sequence[Observation],
    rules: Sequence[engine.Rule],
    *,
    min_group: int = MIN_GROUP,
) -> list[dict[str, Any]]:
    """Each rule's won rate matching vs not, its lift with interval, verdict and suggestion."""
    rows = []
    for rule in rules:
        inside = [o for o in observations if rule.id in o.rule_ids]
        outside = [o for o in observations if rule.id not in o.rule_ids]
        won_in, won_out = sum(o.won for o in inside), sum(o.won for o in outside)
        rate_in, rate_out = rate(won_in, len(inside)), rate(won_out, len(outside))
        ci_in = wilson(won_in, len(inside))
        lift = lift_ci = None
        if rate_in is not None and rate_out:
            lift = rate_in / rate_out
            lift_ci = (ci_in[0] / rate_out, ci_in[1] / rate_out)
        if len(inside) < min_group or len(outside) < min_group or lift_ci is None:
            verdict = "too few"
        elif lift_ci[0] > 1:
            verdict = "agrees" if rule.points > 0 else "disagrees"
        elif lift_ci[1] < 1:
            verdict = "agrees" if rule.points < 0 else "disagrees"
        else:
            verdict = "unclear"
        rows.append(
            {
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
        )
    scale = points_per_log_odds(rows)
    biggest = max((abs(r["points"]) for r in rows), default=0.0) or 10.0
    for row in rows:
        if row["verdict"] != "disagrees":
            continue
        suggested = _round_to(max(-biggest, min(biggest, scale * row["log_odds"])))
        if suggested != row["points"]:
            row["suggested"] = suggested + 0.0  # no -0.0
    return rows


def points_per_log_odds(rows: Sequence[dict[str, Any]]) -> float:
    """The model's own scale: median points per unit of log-odds over the rules that agree."""
    ratios = [
        r["points"] / r["log_odds"]
        for r in rows
        if r["verdict"] == "agrees" and abs(r["log_odds"]) > 0.05 and r["points"]
    ]
    return statistics.median(ratios) if ratios else FALLBACK_SCALE


def backtest(
    observations: Sequence[Observation],
    rules: Sequence[engine.Rule],
    *,
    split_at: datetime | None = None,
    chosen: Split | None = None,
    min_group: int = MIN_GROUP,
) -> dict[str, Any]:
    """The train and test periods' figures, and per-rule lift learnt on the train period."""
    chosen = chosen or observation_split(observations, at=split_at)
    train, test = apply_split(observations, chosen)
    return {
        "split": chosen.to_json(),
        "split_at": chosen.at,
        "train": metrics(train),
        "test": metrics(test),
        "rules": rule_lift(train, rules, min_group=min_group),
    }


def compare(
    live: Sequence[Observation],
    draft: Sequence[Observation],
    *,
    live_rules: Sequence[engine.Rule] = (),
    draft_rules: Sequence[engine.Rule] = (),
    split_at: datetime | None = None,
) -> dict[str, Any]:
    """
    The backtest of two versions over the same outcomes and the same split: what the what-if
    page shows and `manage.py backtest` prints (one code path for both).
    """
    chosen = observation_split(live, at=split_at)
    return {
        "split": chosen,
        "live": backtest(live, live_rules, chosen=chosen),
        "draft": backtest(draft, draft_rules, chosen=chosen),
    }


HEADLINE = (
    ("auc", "ROC AUC of fit + interest"),
    ("precision", "MQL precision (won rate of MQLs)"),
    ("recall", "MQL recall (share of won that were MQLs)"),
    ("lift", "MQL lift over the base rate"),
)


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


def headline(result: dict[str, Any], period: str = "test") -> dict[str, Any]:
    """The figures a command prints for one version and period."""
    figures = result[period]
    return {
        "n": figures["n"],
        "won": figures["won"],
        "base_rate": figures["base_rate"],
        "mqls": figures["mqls"],
        **{key: figures[key] for key, _ in HEADLINE},
    }
