"""
The statistics of the backtest (scoring/backtest.py), pure: rates, Wilson intervals, ROC AUC by
average ranks, and the lift interval and log-odds ratio of a rule's matching and other contacts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Z_95 = 1.959964


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


def lift_interval(
    won_in: int, n_in: int, won_out: int, n_out: int, z: float = Z_95
) -> tuple[float, float] | None:
    """
    The 95 % interval of the lift (won rate matching / won rate not matching): Katz's log
    interval of a ratio of two rates, with 0.5 added to a group's won and lost counts when it
    has no won lead. Both groups' uncertainty counts: a rule matching nearly every lead is
    compared with a small, noisy rest, and its interval must say so. None when a group is
    empty or the others won nothing (no ratio).
    """
    if not n_in or not n_out or not won_out:
        return None
    if not won_in:
        won_in, n_in = won_in + 0.5, n_in + 1
    ratio = (won_in / n_in) / (won_out / n_out)
    spread = z * math.sqrt(1 / won_in - 1 / n_in + 1 / won_out - 1 / n_out)
    return ratio * math.exp(-spread), ratio * math.exp(spread)


def log_odds_ratio(won_in: int, n_in: int, won_out: int, n_out: int) -> float:
    """ln(odds of winning when matching / odds when not), with 0.5 added to every cell."""
    lost_in, lost_out = n_in - won_in, n_out - won_out
    return math.log(((won_in + 0.5) / (lost_in + 0.5)) / ((won_out + 0.5) / (lost_out + 0.5)))
