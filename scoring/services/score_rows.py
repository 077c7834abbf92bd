"""
Writing scores: the stored row of a finished score, the timeline entry that says what moved and
why, and the one-statement upsert of a batch of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from contacts.models import Contact
from leadscore.bulk_sql import copy_insert, copy_value, rows_update
from scoring import engine, repricing, score_reads
from scoring.models import ChangeReason, ContactScore, ScoreChange, ScoringModel

# Below this many rows one INSERT ... ON CONFLICT beats a temporary table and COPY (three
# statements): the single-activity API writes one score.
COPY_MIN_ROWS = 100
# A change smaller than this (decay drift) is not worth a timeline entry.
MIN_VISIBLE_CHANGE = 0.5
# A timeline entry names at most this many rules that moved.
DETAIL_RULES = 5


def _stored_parts(old: dict | None) -> list[tuple[int, str, float, str]]:
    """A stored breakdown's (rule id, name, points, dimension), skipping malformed parts."""
    parts = []
    for dimension in (engine.FIT, engine.INTEREST):
        listed = (old or {}).get(dimension)
        for part in listed if isinstance(listed, list) else ():
            if not isinstance(part, dict):
                continue
            rule_id, points = part.get("rule_id"), part.get("points")
            if _is_number(rule_id) and _is_number(points):
                parts.append((rule_id, str(part.get("name") or ""), points, dimension))
    return parts


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def change_detail(old: dict | None, new: engine.Score) -> str:
    """
    Which rules moved, in words: 'Pricing page +5; Webinar attended +8'. A rule is known by
    its id; one the other side has no rule of that id for (a published version's rules have new
    ids) by its dimension and name, so a publish says what changed, not every rule twice.
    """
    old_parts = _stored_parts(old)
    new_parts = [
        (part.rule_id, part.name, part.points, part.dimension)
        for part in (*new.fit_breakdown, *new.interest_breakdown)
    ]
    old_ids = {rule_id for rule_id, *_ in old_parts}
    new_ids = {rule_id for rule_id, *_ in new_parts}
    before: dict[Any, float] = {}
    after: dict[Any, float] = {}
    names: dict[Any, tuple[str, int]] = {}
    for parts, others, points_of in ((old_parts, new_ids, before), (new_parts, old_ids, after)):
        for rule_id, name, points, dimension in parts:
            key = ("#", rule_id) if rule_id in others else (dimension, name)
            points_of[key] = points
            names[key] = (name, rule_id)
    deltas = [
        (*names[key], after.get(key, 0.0) - before.get(key, 0.0))
        for key in before.keys() | after.keys()
    ]
    deltas = [item for item in deltas if abs(item[2]) >= MIN_VISIBLE_CHANGE]
    # Biggest first; ties by name then rule in one fixed order, which the SQL re-price
    # (repricing_sql) follows too.
    deltas.sort(key=lambda item: (-abs(item[2]), item[0], item[1]))
    return "; ".join(f"{name} {delta:+.0f}" for name, _, delta in deltas[:DETAIL_RULES])


def score_moved(stored: score_reads.StoredRow, score: engine.Score) -> bool:
    """Did the score move enough since it was stored to say so on the timeline?"""
    return (
        abs(stored.fit - score.fit) >= MIN_VISIBLE_CHANGE
        or abs(stored.interest - score.interest) >= MIN_VISIBLE_CHANGE
        or stored.cell != score.cell
    )


def timeline_entry(
    contact: Contact,
    stored: score_reads.StoredRow | None,
    score: engine.Score,
    *,
    line_id: int,
    reason: str,
    now: datetime,
    activity_id: int | None,
    old_breakdown: dict | None = None,
) -> ScoreChange | None:
    """
    The timeline entry of a new score, if it moved: what moved and why, named from the stored
    score's whole breakdown (`old_breakdown`, read for the scores that moved).
    """
    if stored is None:
        return ScoreChange(
            contact=contact,
            line_id=line_id,
            occurred_at=now,
            reason=ChangeReason.FIRST_SCORE,
            activity_id=activity_id,
            fit_after=score.fit,
            interest_after=score.interest,
            cell_after=score.cell,
            detail=change_detail(None, score)[:500],
        )
    if not score_moved(stored, score):
        return None
    detail = change_detail(old_breakdown, score)
    if reason == ChangeReason.DECAY:
        verb = "decayed" if score.interest < stored.interest else "rose"
        detail = f"Interest {verb} from {stored.interest:.0f} to {score.interest:.0f}"
    return ScoreChange(
        contact=contact,
        line_id=line_id,
        occurred_at=now,
        reason=reason,
        activity_id=activity_id,
        fit_before=stored.fit,
        fit_after=score.fit,
        interest_before=stored.interest,
        interest_after=score.interest,
        cell_before=stored.cell,
        cell_after=score.cell,
        detail=detail[:500],
    )


def score_row(
    contact: Contact,
    model: ScoringModel,
    spec: engine.ModelSpec,
    score: engine.Score,
    units: dict[str, engine.Units],
    *,
    raw_states: dict[str, Any] | None,
    next_change_at: datetime | None,
    version: int,
    now: datetime,
) -> ContactScore:
    """
    The row of a finished score. A re-priced score (no state read) passes raw_states None: its
    stored states and next change stay as they are (scores_reprice writes the rest).
    """
    return ContactScore(
        contact=contact,
        line_id=model.line_id,
        scoring_model=model,
        fit=score.fit,
        interest=score.interest,
        grade=score.grade,
        band=score.band,
        meets_threshold=score.meets_threshold,
        hand_raise_rule=score.hand_raise_rule[:100],
        interest_gains=score.interest_gains,
        interest_losses=score.interest_losses,
        fit_key=spec.fit_key,
        priced_key=spec.price_key,
        breakdown=score.breakdown_json(),
        rule_states=raw_states,
        units=repricing.units_to_json(spec, units),
        next_change_at=next_change_at,
        version=version,
        scored_at=now,
    )


_SCORE_FIELDS = [
    "scoring_model",
    "fit",
    "interest",
    "grade",
    "band",
    "meets_threshold",
    "hand_raise_rule",
    "interest_gains",
    "interest_losses",
    "fit_key",
    "priced_key",
    "breakdown",
    "rule_states",
    "units",
    "next_change_at",
    "version",
    "scored_at",
]
# What re-pricing rewrites: everything but the states and their next change, which it never read.
_REPRICED_FIELDS = [f for f in _SCORE_FIELDS if f not in ("rule_states", "next_change_at")]


def _copy_rows(cursor, table: str, fields: Sequence[str], rows: Sequence[ContactScore]) -> str:
    """COPY the rows' (contact, line) and these fields into a new temporary table; its name."""
    meta = [ContactScore._meta.get_field(f) for f in fields]
    names = ", ".join(["contact_id", "line_id", *(f.column for f in meta)])
    temp = f"_score_rows_{len(fields)}"
    # Only the columns copied: the table's own id (NOT NULL) is left to the INSERT.
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS "
        f"SELECT {names} FROM {table} WITH NO DATA"
    )
    with cursor.cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
        for row in rows:
            values = (copy_value(f, getattr(row, f.attname)) for f in meta)
            copy.write_row([row.contact_id, row.line_id, *values])
    return temp


def scores_upsert(rows: Sequence[ContactScore]) -> None:
    """
    Write new and existing scores in one statement. On PostgreSQL the rows go through COPY into
    a temporary table and one INSERT ... ON CONFLICT: binding the JSON states client-side (as
    bulk_create does) cost twice the rest of a rescore (bench/scoring.py). Small batches take
    the one-statement path.
    """
    if not rows:
        return
    if connection.vendor != "postgresql" or len(rows) < COPY_MIN_ROWS:
        ContactScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["contact", "line"],
            update_fields=_SCORE_FIELDS,
        )
        return
    table = ContactScore._meta.db_table
    columns = ["contact_id", "line_id"] + [
        ContactScore._meta.get_field(f).column for f in _SCORE_FIELDS
    ]
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[2:])
    with connection.cursor() as cursor:
        temp = _copy_rows(cursor, table, _SCORE_FIELDS, rows)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {temp} "
            f"ON CONFLICT (contact_id, line_id) DO UPDATE SET {updates}"
        )
        cursor.execute(f"TRUNCATE {temp}")


def scores_reprice(rows: Sequence[ContactScore]) -> None:
    """
    Rewrite re-priced scores (rows that exist, with their pk, scored from their stored units):
    every column but the rule states and their next change, which re-pricing did not read and
    leaves as stored.
    """
    rows_update(ContactScore, rows, _REPRICED_FIELDS, copy_min_rows=COPY_MIN_ROWS)


def timeline_write(changes: Sequence[ScoreChange]) -> None:
    """
    Store a batch's timeline entries. On PostgreSQL a batch's thousands go through COPY: one
    INSERT of them spent most of its time building its parameters (bench api).
    """
    copy_insert(ScoreChange, changes, batch_size=None, set_ids=False)
