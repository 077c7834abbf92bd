"""
Time: decay, windows expiring and activities dated in the future arriving change scores with no
new data. Pages and the API compute the score as of now from the stored states; this beat task
keeps the stored grade, band and MQL state (what the queue ranks and filters on) in step, and
qualifies leads that cross the MQL rule through time alone.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from scoring import engine, selectors
from scoring.models import ChangeReason, ContactScore
from scoring.services.accounts import accounts_refresh_time
from scoring.services.rescoring import CHUNK, _locked_contacts, _score_batch, rules_by_definition


def _moved(spec: engine.ModelSpec, row: tuple, keys: set[str], now: datetime) -> bool:
    """Whether time alone changed what is stored (read from the row, no lock, no activity)."""
    _, raw_states, breakdown, grade, band, meets, hand_raise, next_change_at = row
    if not keys <= raw_states.keys():
        return False  # a rescore run is rebuilding this contact's states
    if next_change_at is not None and next_change_at <= now:
        return True
    score = selectors.stored_score_at(
        spec, breakdown=breakdown, rule_states=raw_states, keys=keys, now=now
    )
    return (score.grade, score.band, score.meets_threshold, score.hand_raise_rule[:100]) != (
        grade,
        band,
        meets,
        hand_raise,
    )


def scores_refresh_time(*, now: datetime | None = None) -> int:
    """
    Rewrite the stored scores that time alone moved (band, MQL state, hand-raise, an activity
    arriving or leaving its window), with a timeline entry, and qualify the leads that now
    meet the MQL rule. Reads without locks to find them, then rescores those under their row
    locks like any writer, so it never overwrites a newer score. Returns how many it rewrote.
    """
    model = selectors.live_model()
    if model is None:
        return 0
    spec = selectors.model_spec(model)
    keys = set(rules_by_definition(spec))
    now = now or timezone.now()
    candidates = (
        ContactScore.objects.filter(scoring_model=model)
        .filter(~Q(interest=0) | Q(next_change_at__lte=now) | ~Q(hand_raise_rule=""))
        .order_by("pk")
        .values_list(
            "pk",
            "rule_states",
            "breakdown",
            "grade",
            "band",
            "meets_threshold",
            "hand_raise_rule",
            "next_change_at",
        )
    )
    moved = [
        row[0] for row in candidates.iterator(chunk_size=CHUNK) if _moved(spec, row, keys, now)
    ]
    rewritten = 0
    for start in range(0, len(moved), CHUNK):
        with transaction.atomic():
            # Contacts another writer holds are skipped: it scores them as of its own now.
            contacts = _locked_contacts(moved[start : start + CHUNK], skip_locked=True)
            batch = _score_batch(
                model=model,
                spec=spec,
                contacts=contacts,
                reason=ChangeReason.DECAY,
                now=now,
                release=True,
            )
            rewritten += len(batch.scores)
    accounts_refresh_time(now=now)  # then the accounts those contacts feed
    return rewritten
