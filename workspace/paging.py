"""
Pagination for lists that can hold millions of rows: the count stops at a cap.

Counting every visible contact on each page view read the whole table (a COUNT(*) over 1M
contacts took longer than the rest of the page). The list says "more than 10,000" instead,
and its pages go up to the cap; past it, filters narrow the list.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.utils.functional import cached_property

# Rows counted at most; a list with more says "more than" this.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A Paginator whose count reads at most `cap` + 1 rows (ids only, in no order)."""

    def __init__(self, object_list, per_page: int, *, cap: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        """More rows than the cap: `count` is cap + 1, meaning "more than cap"."""
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        # The pages up to the cap: the rows past it are reached by narrowing the list.
        if self.is_capped:
            return max(1, -(-self.cap // self.per_page))
        return super().num_pages


class ScoreRankedRows:
    """
    The contact list sorted by grade x band, as a sequence the paginator slices: a page reads
    the score rank index (scoring's score_rank_idx) in order and stops after the page, instead
    of sorting every contact (7.7 s at 1M contacts, bench queue). Same order as
    workspace.selectors.contact_rows_sorted(rows, "cell"): scored contacts by grade, band and
    fit + interest (ties newest first), then the unscored ones, newest first.

    `rows` is the filtered, unsorted list; `descending` is the "-cell" sort (worst first).
    """

    ordered = True

    def __init__(self, rows: QuerySet, *, descending: bool = False) -> None:
        self.rows = rows
        self.descending = descending

    def order_by(self, *fields) -> QuerySet:
        """The rows in another order (the capped count asks for none)."""
        return self.rows.order_by(*fields)

    def count(self) -> int:
        return self.rows.order_by().count()

    def _scored_ids(self, start: int, stop: int) -> list[int]:
        total = F("score__fit") + F("score__interest")
        if self.descending:
            rank = (F("score__grade").desc(), F("score__band").desc(), total.asc())
        else:
            rank = (F("score__grade").asc(), F("score__band").asc(), total.desc())
        scored = self.rows.filter(score__isnull=False)
        return list(
            scored.order_by(*rank, "-created_at", "-id").values_list("pk", flat=True)[start:stop]
        )

    def __getitem__(self, window: slice) -> list:
        if not isinstance(window, slice) or window.step not in (None, 1):
            raise TypeError("ScoreRankedRows are read a page (a slice) at a time")
        start, stop = window.start or 0, window.stop
        if stop is None or stop <= start:
            return []
        ids = self._scored_ids(start, stop)
        if len(ids) < stop - start:
            # Past the scored contacts: the unscored follow, newest first.
            if ids:
                scored_count = start + len(ids)
            else:
                scored = self.rows.filter(score__isnull=False).order_by().values("pk")
                scored_count = scored[: start + 1].count()
            unscored = self.rows.filter(score__isnull=True).order_by("-created_at", "-id")
            skip = max(0, start - scored_count)
            ids += list(
                unscored.values_list("pk", flat=True)[skip : skip + (stop - start) - len(ids)]
            )
        found = self.rows.filter(pk__in=ids).order_by().in_bulk()
        return [found[pk] for pk in ids if pk in found]
