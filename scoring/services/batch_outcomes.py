"""
What a scored batch means beyond its scores (scoring.services.rescoring.score_batch): the
timeline entries of the scores that moved, and the qualifications they open or release, in the
batch's transaction. A recycled lead is held back until it earns something new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from contacts.models import Contact, LifecycleStage
from scoring import engine, recycling, score_reads, selectors
from scoring.models import ChangeReason, ContactScore, Qualification, ScoringModel
from scoring.services.qualification import qualification_update
from scoring.services.score_rows import score_moved, timeline_entry, timeline_write


@dataclass
class BatchResult:
    """What scoring a batch did, for the run or the caller to count and report."""

    changed: int = 0
    newly_qualified: int = 0
    released: int = 0
    refolded_contacts: int = 0  # contacts whose states were (partly) rebuilt from history
    refolded: set[str] = field(default_factory=set)  # the definitions rebuilt
    scores: list[ContactScore] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        self.changed += other.changed
        self.newly_qualified += other.newly_qualified
        self.released += other.released
        self.refolded_contacts += other.refolded_contacts
        self.refolded |= other.refolded


def _recycled_held_back(
    contacts: Sequence[Contact],
    scores: dict[int, engine.Score],
    open_qualifications: dict[int, Qualification],
    spec: engine.ModelSpec,
    now: datetime,
) -> set[int]:
    """
    Recycled leads that meet the MQL rule but earned nothing new since they were recycled
    (scoring.recycling): they stay scored, not qualified. One query for their recent history.
    """
    candidates = [
        c
        for c in contacts
        if c.lifecycle_stage == LifecycleStage.RECYCLED
        and c.pk not in open_qualifications
        and scores[c.pk].qualifies
    ]
    recycled = recycling.recycled_since(c.pk for c in candidates)
    if not recycled:
        return set()
    kinds = selectors.scored_kinds(spec)
    since = min(recycled.values())
    recent = selectors.events_by_contact(
        list(recycled), kinds=kinds, since=dict.fromkeys(kinds, since)
    )
    return {
        c.pk
        for c in candidates
        if c.pk in recycled
        and not recycling.recycled_lead_requalifies(
            spec=spec,
            profile=selectors.profile_of(c),
            events=recent.get(c.pk, ()),
            recycled_at=recycled[c.pk],
            now=now,
        )
    }


def batch_outcomes_record(
    *,
    result: BatchResult,
    model: ScoringModel,
    spec: engine.ModelSpec,
    contacts: Sequence[Contact],
    existing: dict[int, score_reads.StoredRow],
    scores: dict[int, engine.Score],
    reason: str,
    now: datetime,
    release: bool,
    activity_id: int | None,
) -> None:
    """
    What a batch's new scores mean, written in the batch's transaction: timeline entries for
    the scores that moved, and qualifications opened, released or followed (result counts them).
    """
    open_qualifications = {
        q.contact_id: q
        for q in Qualification.objects.filter(
            contact_id__in=[c.pk for c in contacts], line_id=model.line_id, closed_at__isnull=True
        )
    }
    held = _recycled_held_back(contacts, scores, open_qualifications, spec, now)
    # What moved is told from the old breakdown: read back for those scores only, unless it
    # was read with the row (a few rows).
    moved = [
        i
        for i, stored in existing.items()
        if i in scores and stored.breakdown is None and score_moved(stored, scores[i])
    ]
    old_breakdowns = (
        score_reads.stored_breakdowns(moved, line_id=model.line_id)
        if moved and reason != ChangeReason.DECAY
        else {}
    )
    changes = []
    for contact in contacts:
        stored, score = existing.get(contact.pk), scores[contact.pk]
        change = timeline_entry(
            contact,
            stored,
            score,
            line_id=model.line_id,
            reason=reason,
            now=now,
            activity_id=activity_id,
            old_breakdown=(
                stored.breakdown
                if stored is not None and stored.breakdown is not None
                else old_breakdowns.get(contact.pk)
            ),
        )
        if change is not None:
            changes.append(change)
            result.changed += stored is not None
        if contact.pk in held:
            continue  # scored and stored; a recycled lead is not an MQL again yet
        qualified, released = qualification_update(
            contact=contact,
            score=score,
            model=model,
            now=now,
            release=release,
            open_qualification=open_qualifications.get(contact.pk),
        )
        result.newly_qualified += qualified
        result.released += released
    timeline_write(changes)
