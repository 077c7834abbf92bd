"""
Pagination for lists that can hold millions of rows: the count stops at a cap.

Counting every visible contact on each page view read the whole table (a COUNT(*) over 1M
contacts took longer than the rest of the page). The list says "more than 10,000" instead,
and its pages go up to the cap; past it, filters narrow the list.
"""

from __future__ import annotations

from django.core.paginator import Paginator
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
