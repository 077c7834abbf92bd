"""
The backtest's honest split of outcomes into a train and a test period, pure like
scoring/backtest.py (which re-exports all of it).

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
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scoring.backtest import Observation

DEFAULT_TRAIN_SHARE = 0.7
# A time split is kept when the share it really puts in train is within this of the aim.
SHARE_TOLERANCE = 0.15
SPLIT_SEED = "leadscore-split"


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
