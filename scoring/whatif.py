"""
What-if: the live version and a draft, compared over the same contacts at the same moment.

Pure Python: the caller (scoring.services.whatif_run_execute) loads each contact once, scores
it with both versions through the engine and feeds the two scores to `WhatIf.add`; this module
only aggregates. Its result is plain JSON, stored on the WhatIfRun.

An MQL here is a contact whose score qualifies (`engine.Score.qualifies`: the MQL rule or a
hand-raise), whatever its lifecycle stage: the question is what the model says, not who is
with sales already.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from scoring import account_engine, engine, wording

TOP = 20
# Histogram buckets are this many points wide.
BUCKET = 5.0
CELLS = [f"{grade}{band}" for grade in "ABCD" for band in (1, 2, 3)]


def bucket_of(value: float, width: float = BUCKET) -> float:
    return float(math.floor(value / width) * width)


@dataclass(frozen=True)
class Priced(engine.ScoreReading):
    """
    One version's score of a contact, as the comparison reads it: the numbers, and what the
    account comparison needs of its interest parts. `score` is the whole score where the Python
    replay gave it; a lead shown in the result needs it (its reasons), and the caller completes
    those (WhatIf.incomplete) when the SQL what-if priced them.
    """

    signals: tuple[tuple[str, int], ...]  # account_engine.member_signals
    last_engaged_at: datetime | None  # account_engine.last_engaged
    score: engine.Score | None = None

    @classmethod
    def of(cls, score: engine.Score) -> Priced:
        return cls(
            fit=score.fit,
            interest=score.interest,
            grade=score.grade,
            band=score.band,
            meets_threshold=score.meets_threshold,
            hand_raise_rule=score.hand_raise_rule,
            signals=account_engine.member_signals(score.interest_breakdown),
            last_engaged_at=account_engine.last_engaged(score.interest_breakdown),
            score=score,
        )


class WhatIf:
    """Accumulates the comparison contact by contact, in constant memory (top N kept)."""

    def __init__(self, *, now: datetime, top: int = TOP, bucket: float = BUCKET) -> None:
        self.now, self.top, self.bucket = now, top, bucket
        self.contacts = 0
        self.mql_live = self.mql_draft = self.entering = self.leaving = 0
        self.cells_live: Counter[str] = Counter()
        self.cells_draft: Counter[str] = Counter()
        self.transitions: Counter[tuple[str, str]] = Counter()
        self.histograms = {
            (dimension, version): Counter()
            for dimension in ("fit", "interest")
            for version in ("live", "draft")
        }
        # Min-heaps of (rank key, tie-break, payload): the highest `top` survive.
        self._entering: list[tuple[float, int, dict]] = []
        self._leaving: list[tuple[float, int, dict]] = []

    def add(self, contact_id: int, name: str, live: Priced, draft: Priced) -> None:
        self.contacts += 1
        self.mql_live += live.qualifies
        self.mql_draft += draft.qualifies
        self.cells_live[live.cell] += 1
        self.cells_draft[draft.cell] += 1
        if live.cell != draft.cell:
            self.transitions[(live.cell, draft.cell)] += 1
        for dimension in ("fit", "interest"):
            for version, score in (("live", live), ("draft", draft)):
                value = getattr(score, dimension)
                self.histograms[(dimension, version)][bucket_of(value, self.bucket)] += 1
        if draft.qualifies and not live.qualifies:
            self.entering += 1
            self._keep(self._entering, draft.combined, contact_id, name, shown=draft, other=live)
        elif live.qualifies and not draft.qualifies:
            self.leaving += 1
            self._keep(self._leaving, live.combined, contact_id, name, shown=live, other=draft)

    def _keep(
        self,
        heap: list,
        key: float,
        contact_id: int,
        name: str,
        *,
        shown: Priced,
        other: Priced,
    ) -> None:
        item = (key, -contact_id, {"id": contact_id, "name": name, "shown": shown, "other": other})
        if len(heap) < self.top:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)

    def incomplete(self) -> set[int]:
        """The leads the result shows whose whole scores the caller has yet to give (complete)."""
        return {
            item["id"]
            for _, _, item in (*self._entering, *self._leaving)
            if item["shown"].score is None
        }

    def complete(self, contact_id: int, live: engine.Score, draft: engine.Score) -> None:
        """Give a shown lead its whole scores (the same numbers, with the parts behind them)."""
        for heap, shown, other in ((self._entering, draft, live), (self._leaving, live, draft)):
            for _, _, item in heap:
                if item["id"] == contact_id:
                    item["shown"] = replace(item["shown"], score=shown)
                    item["other"] = replace(item["other"], score=other)

    def _leads(self, heap: list) -> list[dict[str, Any]]:
        rows = []
        for _, _, item in sorted(heap, key=lambda entry: entry[:2], reverse=True):
            shown, other = item["shown"], item["other"]
            rows.append(
                {
                    "id": item["id"],
                    "name": item["name"],
                    "fit": shown.fit,
                    "interest": shown.interest,
                    "combined": shown.combined,
                    "cell": shown.cell,
                    "other_fit": other.fit,
                    "other_interest": other.interest,
                    "other_cell": other.cell,
                    "hand_raise": shown.hand_raise_rule,
                    "reasons": wording.top_reasons(shown.score, self.now),
                }
            )
        return rows

    def _histogram(self, dimension: str) -> dict[str, Any]:
        live, draft = self.histograms[(dimension, "live")], self.histograms[(dimension, "draft")]
        keys = live.keys() | draft.keys()
        if not keys:
            return {"bins": [], "live": [], "draft": []}
        low, high = min(keys), max(keys)
        bins = []
        value = low
        while value <= high:
            bins.append(value)
            value += self.bucket
        return {
            "bins": [[b, b + self.bucket] for b in bins],
            "live": [live.get(b, 0) for b in bins],
            "draft": [draft.get(b, 0) for b in bins],
        }

    def result(self) -> dict[str, Any]:
        """The comparison as JSON-ready data."""
        return {
            "contacts": self.contacts,
            "mql": {
                "live": self.mql_live,
                "draft": self.mql_draft,
                "entering": self.entering,
                "leaving": self.leaving,
                "change": self.mql_draft - self.mql_live,
            },
            "entering": self._leads(self._entering),
            "leaving": self._leads(self._leaving),
            "matrix": {
                "live": {cell: self.cells_live.get(cell, 0) for cell in CELLS},
                "draft": {cell: self.cells_draft.get(cell, 0) for cell in CELLS},
            },
            "transitions": [
                {"from": a, "to": b, "n": n}
                for (a, b), n in sorted(self.transitions.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "moved": sum(self.transitions.values()),
            "histograms": {"fit": self._histogram("fit"), "interest": self._histogram("interest")},
        }
