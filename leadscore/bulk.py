"""
The result of a bulk write, row by row: shared by contacts (the bulk services), integrations
(the API envelope) and imports. A neutral module, so `integrations` imports no app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BULK_MAX_ROWS = 10_000


class RowStatus:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ERROR = "error"
    # Atomic batches only: a valid row that was not written because another row failed.
    SKIPPED = "skipped"


@dataclass
class RowResult:
    """What happened to one row of a batch; `index` is the row's position in the request."""

    index: int
    status: str
    id: int | None = None
    errors: dict[str, list[str]] | None = None
    # The object as written, where the service has it: the single-row API answers from it
    # rather than reading the row back (one query less on the busiest write). Never serialised.
    written: Any = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status, "id": self.id}
        if self.errors:
            out["errors"] = self.errors
        return out


@dataclass
class BulkResult:
    """The per-row results of a batch, in row order, and whether it was committed."""

    results: list[RowResult] = field(default_factory=list)
    committed: bool = True
    dry_run: bool = False
    changed_contact_ids: set[int] = field(default_factory=set)
    outcomes_created: int = 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            (RowStatus.CREATED, RowStatus.UPDATED, RowStatus.UNCHANGED, RowStatus.ERROR), 0
        )
        for result in self.results:
            counts[result.status] = counts.get(result.status, 0) + 1
        return counts

    @property
    def has_errors(self) -> bool:
        return any(r.status == RowStatus.ERROR for r in self.results)
