"""
Time: decay, windows expiring and activities dated in the future arriving change scores with no
new data. Pages and the API compute the score as of now from the stored states; this beat task
keeps the stored grade, band and MQL state (what the queue ranks and filters on) in step, and
qualifies leads that cross the MQL rule through time alone.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from leadscore.batch_gc import fewer_collections
from scoring import engine, pricing_sql, score_reads, selectors
from scoring.models import ChangeReason, ContactScore, ScoringModel
from scoring.services.rescoring import CHUNK, locked_contacts, score_batch

# What time can move of a stored score: its grade, band, MQL state and hand-raise.
_SHOWN = ("grade", "band", "meets_threshold", "hand_raise_rule")


def _moved(shown: tuple, score: engine.Score | None) -> bool:
    """Whether time alone changed what is stored (read from the row, no lock, no activity)."""
    if score is None:
        return False  # a rescore run is rebuilding this contact's states
    now_shown = (score.grade, score.band, score.meets_threshold, score.hand_raise_rule[:100])
    return now_shown != shown


# Interest is stored rounded to 4 places and f is computed in SQL: widen the range a little, so
# a score at a boundary is checked exactly rather than skipped.
_MARGIN = 2e-4


def _number(value: float) -> str:
    """A model setting as an SQL literal (an infinite or missing threshold as the largest)."""
    number = float(value)
    if math.isnan(number):
        return "1e308"
    return repr(max(min(number, 1e308), -1e308))


def _decay_sql(half_life_days: float) -> str:
    """f, the decay factor from scored_at to the moment bound as %s, in this database's SQL."""
    if half_life_days <= 0:
        return "1.0"
    half_life = _number(half_life_days)
    if connection.vendor == "postgresql":
        return pricing_sql.decay_factor("%s::timestamptz", "scored_at", f"{half_life}::float8")
    # SQLite stores UTC text; julianday() reads it.
    return f"POWER(0.5, max(coalesce(julianday(%s) - julianday(scored_at), 0), 0) / {half_life})"


def _clamped(expression: str, cap: float | None) -> str:
    if cap is None:
        return expression
    high, low = _number(cap), _number(-cap)
    return (
        f"(CASE WHEN {expression} > {high} THEN {high} "
        f"WHEN {expression} < {low} THEN {low} ELSE {expression} END)"
    )


def _time_candidates(model: ScoringModel, spec: engine.ModelSpec, now: datetime) -> dict[int, bool]:
    """
    The contacts whose stored band, MQL state or counted activities time alone may have moved
    by `now`, in one query over the score rows (no state read): an activity arriving or leaving
    its window (next_change_at), or an interest range (ContactScore.interest_gains) that
    reaches across a band or MQL boundary. Rows without the sums are always read. By contact
    id, in order: whether it is due (its next change has come: rewritten without a check).
    """
    table = ContactScore._meta.db_table
    lo = _clamped("(f * g - l)", spec.interest_cap)
    hi = _clamped("(g - f * l)", spec.interest_cap)
    hot, warm = _number(spec.band_hot), _number(spec.band_warm)
    band_stays = (
        f"CASE band WHEN 1 THEN lo >= {hot} WHEN 2 THEN lo >= {warm} AND hi < {hot} "
        f"ELSE hi < {warm} END"
    )
    if spec.mql_mode == engine.COMBINED:
        need = _number(spec.mql_combined)
        meets_stays = f"CASE WHEN meets THEN fit + lo >= {need} ELSE fit + hi < {need} END"
    else:
        fit_need, need = _number(spec.mql_fit), _number(spec.mql_interest)
        meets_stays = (
            f"CASE WHEN meets THEN fit >= {fit_need} AND lo >= {need} "
            f"ELSE fit < {fit_need} OR hi < {need} END"
        )
    f = _decay_sql(spec.half_life_days)
    sql = f"""
        SELECT contact_id, coalesce(next_change_at <= %s, false) FROM (
            SELECT contact_id, fit, band, meets, next_change_at, g,
                   {lo} - {_MARGIN!r} AS lo, {hi} + {_MARGIN!r} AS hi
            FROM (
                SELECT contact_id, fit, band, meets_threshold AS meets, next_change_at,
                       interest_gains AS g, interest_losses AS l, {f} AS f
                FROM {table} WHERE scoring_model_id = %s
            ) AS decayed
        ) AS ranged
        WHERE g IS NULL OR next_change_at <= %s OR NOT ({band_stays}) OR NOT ({meets_stays})
        ORDER BY contact_id
    """
    moment: datetime | str = now
    if connection.vendor != "postgresql":
        moment = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    params = [moment] + [moment] * (0 if spec.half_life_days <= 0 else 1) + [model.pk, moment]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {contact_id: bool(due) for contact_id, due in cursor.fetchall()}


@fewer_collections()
def scores_refresh_time(*, now: datetime | None = None) -> int:
    """
    Rewrite the stored scores that time alone moved (band, MQL state, hand-raise, an activity
    arriving or leaving its window), with a timeline entry, and qualify the leads that now
    meet the MQL rule, under every live model. Returns how many scores it rewrote.
    """
    now = now or timezone.now()
    return sum(_model_refresh_time(model, now=now) for model in selectors.live_models())


def _model_refresh_time(model: ScoringModel, *, now: datetime) -> int:
    """
    One live model's time refresh: finds the candidates in SQL (_time_candidates), checks each
    exactly from its states without a lock, then rescores those that moved under their row
    locks like any writer, so it never overwrites a newer score.
    """
    spec = selectors.cached_model_spec(model)
    candidates = _time_candidates(model, spec, now)
    # Due scores count other activities now: rewritten without reading them twice.
    moved = [contact_id for contact_id, due in candidates.items() if due]
    checked = [contact_id for contact_id, due in candidates.items() if not due]
    for start in range(0, len(checked), CHUNK):
        rows = [
            (score_reads.StoredScore(*row[:5]), row[5:])
            for row in ContactScore.objects.filter(
                contact_id__in=checked[start : start + CHUNK], line_id=model.line_id
            )
            .order_by("contact_id")
            .values_list(*score_reads.StoredScore.FIELDS, *_SHOWN)
        ]
        scores = score_reads.stored_scores_at(
            spec, [s for s, _ in rows], line_id=model.line_id, now=now, complete=True
        )
        moved += [s.contact_id for s, shown in rows if _moved(shown, scores.get(s.contact_id))]
    moved.sort()  # chunks of consecutive ids, as before the due scores were split off
    rewritten = 0
    for start in range(0, len(moved), CHUNK):
        with transaction.atomic():
            # Contacts another writer holds are skipped: it scores them as of its own now.
            contacts = locked_contacts(moved[start : start + CHUNK], skip_locked=True)
            batch = score_batch(
                model=model,
                spec=spec,
                contacts=contacts,
                reason=ChangeReason.DECAY,
                now=now,
                release=True,
                profile_changed=False,
            )
            rewritten += len(batch.scores)
    return rewritten
