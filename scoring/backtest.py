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

Beside this module, as pure, and re-exported here (callers read them as backtest.X):
scoring/backtest_split.py holds the split into train and test periods (choose_split),
scoring/backtest_rules.py the per-rule lift and its point suggestions (rule_lift), and
scoring/backtest_stats.py the statistics both use (Wilson intervals, ROC AUC).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring import engine
from scoring.backtest_rules import (  # noqa: F401  (re-exported: read as backtest.X)
    FALLBACK_SCALE,
    MIN_GROUP,
    points_per_log_odds,
    rule_lift,
    rule_line,
    rules_disagreeing_first,
)
from scoring.backtest_split import (  # noqa: F401  (re-exported: read as backtest.X)
    DEFAULT_TRAIN_SHARE,
    SHARE_TOLERANCE,
    SPLIT_SEED,
    Split,
    apply_split,
    choose_split,
    default_split,
    observation_split,
    random_split,
    split,
)
from scoring.backtest_stats import (  # noqa: F401  (re-exported: read as backtest.X)
    Z_95,
    average_ranks,
    lift_interval,
    log_odds_ratio,
    rate,
    roc_auc,
    wilson,
)

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
    """
    Conversion per tenth of the combined score, decile 1 holding the highest scores. Leads
    with the same score share their won rate: a tie that straddles deciles (rule scores are
    coarse; many leads score 0) gives each decile its part of the tie's won leads, never the
    won rate of whichever leads the order by id happened to put there. `won` is therefore an
    expected count where a tie is split.
    """
    ordered = sorted(observations, key=lambda o: (-o.combined, o.contact_id))
    n = len(ordered)
    shares: dict[float, float] = {}
    for score, tied in itertools.groupby(ordered, key=lambda o: o.combined):
        tied = list(tied)
        shares[score] = sum(o.won for o in tied) / len(tied)
    rows = []
    for decile in range(10):
        members = ordered[decile * n // 10 : (decile + 1) * n // 10]
        if not members:
            continue
        expected = sum(shares[o.combined] for o in members)
        whole = abs(expected - round(expected)) < 1e-9
        rows.append(
            {
                "label": decile + 1,
                "n": len(members),
                "won": round(expected) if whole else round(expected, 1),
                "rate": expected / len(members),
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
    ("precision", "MQL rule precision (won rate of those meeting it)"),
    ("recall", "MQL rule recall (share of won that met it)"),
    ("lift", "MQL rule lift over the base rate"),
)


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
