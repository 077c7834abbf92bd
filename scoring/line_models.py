"""
Scoring lines: the live scoring models side by side (per product line or region).

Each line has its own versions (scoring.models.ScoringModel: rules, thresholds, drafts,
what-if, backtest), one of them live, and scores every contact: a contact has one
ContactScore and at most one open Qualification per line. A new installation has one line,
the default, and nothing in the pages asks which model until marketing adds a second.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ScoringLineManager(models.Manager["ScoringLine"]):
    def get_by_natural_key(self, name: str) -> ScoringLine:
        return self.get(name=name)

    def default(self) -> ScoringLine:
        """The default line, created on first use so a newcomer never has to name one."""
        line = self.filter(is_default=True).first()
        if line is None:
            line, _ = self.get_or_create(is_default=True, defaults={"name": "Default"})
        return line


class ScoringLine(models.Model):
    """A live scoring model's lineage: a name and the versions published under it."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    # The model pages show when none is chosen, and the one account scores follow.
    is_default = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScoringLineManager()

    class Meta:
        verbose_name = "scoring model (product line)"
        ordering = ["-is_default", "name"]
        constraints = [
            # selectors.default_line() reads the one default line.
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="scoring_one_default_line"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        # Fixtures name the line (default_scoring_model.json), whatever its id here.
        return (self.name,)
