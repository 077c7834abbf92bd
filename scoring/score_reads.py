"""
Reads of stored scores: the rows of a batch (with or without their rule states), and a stored
score as of another moment, re-priced from its units while they serve, else finished from its
rule states. No activity is read; pages, the API, the accounts and the time refresh read scores
this way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from scoring import engine, repricing
from scoring.models import ContactScore
from scoring.specs import cached_model_spec


@dataclass(frozen=True, slots=True)
class StoredRow:
    """
    A stored score as a writer reads it before it rescores: what it compares, reuses and
    versions. Read as plain values, not model instances: a full rescore reads every row.
    """

    pk: int
    contact_id: int
    fit: float
    interest: float
    grade: str
    band: int
    fit_key: str
    # The stored fit parts only: the interest parts are re-priced from the units, and the
    # whole breakdown is read back (stored_breakdowns) only for the scores that moved.
    fit_parts: Sequence[Mapping[str, Any]] | None
    units: Mapping[str, Any]
    scored_at: datetime
    next_change_at: datetime | None
    version: int
    rule_states: Mapping[str, Any] | None = None  # None: not read
    breakdown: Mapping[str, Any] | None = None  # the whole breakdown; None: not read

    # The columns, in this order, for values_list() (rule_states last, when read).
    FIELDS = (
        "pk",
        "contact_id",
        "fit",
        "interest",
        "grade",
        "band",
        "fit_key",
        "breakdown__fit",
        "units",
        "scored_at",
        "next_change_at",
        "version",
    )

    @property
    def cell(self) -> str:
        return f"{self.grade}{self.band}"


def stored_scores(
    contact_ids: Iterable[int], *, line_id: int, states: bool = True, breakdowns: bool = False
) -> dict[int, StoredRow]:
    """
    The contacts' stored scores under one line, by contact id; without their rule states
    (`states=False`, read them with stored_rule_states) when most will be re-priced from their
    units: the states are most of a row. With `breakdowns`, the whole breakdown too (a few
    rows: one query rather than a second one for those that moved).
    """
    # With the whole breakdown, its fit parts come from it rather than a second decode.
    fields = [
        f if f != "breakdown__fit" or not breakdowns else "breakdown" for f in StoredRow.FIELDS
    ]
    if states:
        fields.append("rule_states")
    contact_ids = list(contact_ids)
    if not contact_ids:
        return {}  # Django sends no query for an empty IN, but builds it: 0.3 ms per activity
    rows = ContactScore.objects.filter(contact_id__in=contact_ids, line_id=line_id).values_list(
        *fields
    )
    fit_at = StoredRow.FIELDS.index("breakdown__fit")
    found = {}
    for row in rows:
        values = list(row[: len(StoredRow.FIELDS)])
        breakdown = None
        if breakdowns:
            breakdown = values[fit_at] or {}
            values[fit_at] = breakdown.get("fit")
        rule_states = row[-1] if states else None
        found[row[1]] = StoredRow(*values, rule_states=rule_states, breakdown=breakdown)
    return found


def scores_to_reprice(
    contact_ids: Iterable[int],
    *,
    line_id: int,
    model_id: int,
    current_key: str,
    covers: Collection[str],
    tags: frozenset[str],
) -> list[int]:
    """
    Of these contacts, those whose stored score a change to the rules of these definitions
    (`tags`) can move: no score yet, a score of another version or priced with rules of
    unknown pricing (a key not in `covers`), or one that counts something of those
    definitions (repricing.counts_any). A score priced with the current rules moves with none.
    """
    ids = list(contact_ids)
    change = RepriceChange(line_id, model_id, current_key, tuple(covers), tags)
    unmoved_of = _unmoved_in_sql if connection.vendor == "postgresql" else _unmoved_in_python
    unmoved = unmoved_of(ids, change)
    return [i for i in ids if i not in unmoved]


@dataclass(frozen=True)
class RepriceChange:
    """A change as scores_to_reprice weighs it (see there): the two ways of deciding share it."""

    line_id: int
    model_id: int
    current_key: str
    covers: tuple[str, ...]
    tags: frozenset[str]


def _unmoved_in_python(ids: list[int], change: RepriceChange) -> set[int]:
    """The contacts whose scores the change cannot move, decided in Python (SQLite)."""
    rows = ContactScore.objects.filter(contact_id__in=ids, line_id=change.line_id)
    return {
        contact_id
        for contact_id, model_id, key, by_tag in rows.values_list(
            "contact_id", "scoring_model_id", "priced_key", "units__d"
        )
        if model_id == change.model_id
        and (
            key == change.current_key
            or (key in change.covers and not repricing.counts_any(by_tag, change.tags))
        )
    }


# repricing.counts_any in SQL, for the units `u` of one definition: true only for units that
# surely count nothing and wait for no activity (an array of six, a count under one, no next
# change). Anything else, malformed included, may count: the score is re-priced, as in Python.
# The CASEs keep a cast from ever seeing what it cannot read.
_COUNTS_NOTHING = """CASE WHEN jsonb_typeof(u) = 'array' AND jsonb_array_length(u) = 6
    AND jsonb_typeof(u->0) = 'number' AND jsonb_typeof(u->2) = 'number'
    AND jsonb_typeof(u->1) = 'number' AND u->5 IN ('""'::jsonb, 'null'::jsonb)
    THEN abs((u->>1)::numeric) < 1 END"""


def _unmoved_in_sql(ids: list[int], change: RepriceChange) -> set[int]:
    """
    The scores_to_reprice choice in one statement (PostgreSQL): the contacts whose scores the
    change cannot move. Deciding it in Python decoded every row's units, a sixth of a points
    change's rescore (bench scoring).
    """
    table = ContactScore._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.contact_id FROM {table} AS s
            WHERE s.contact_id = ANY(%s) AND s.line_id = %s AND s.scoring_model_id = %s
                AND (s.priced_key = %s OR (s.priced_key = ANY(%s::text[]) AND NOT EXISTS (
                    SELECT 1 FROM unnest(%s::text[]) AS t,
                        LATERAL (SELECT s.units -> 'd' -> t AS u) AS x
                    WHERE NOT coalesce({_COUNTS_NOTHING}, false))))""",
            [
                ids,
                change.line_id,
                change.model_id,
                change.current_key,
                list(change.covers),
                sorted(change.tags),
            ],
        )
        return {contact_id for (contact_id,) in cursor.fetchall()}


def stored_breakdowns(contact_ids: Iterable[int], *, line_id: int) -> dict[int, dict]:
    """The contacts' whole stored breakdowns under one line, by contact id."""
    return _stored_column(contact_ids, line_id=line_id, column="breakdown")


def stored_rule_states(contact_ids: Iterable[int], *, line_id: int) -> dict[int, dict]:
    """The contacts' stored rule states (raw JSON) under one line, by contact id."""
    return _stored_column(contact_ids, line_id=line_id, column="rule_states")


def _stored_column(contact_ids: Iterable[int], *, line_id: int, column: str) -> dict[int, Any]:
    rows = ContactScore.objects.filter(contact_id__in=list(contact_ids), line_id=line_id)
    return dict(rows.values_list("contact_id", column))


def scores_every(contact_ids: Sequence[int], *, line_id: int) -> bool:
    """Has this line scored every one of these contacts?"""
    ids = set(contact_ids)
    found = ContactScore.objects.filter(contact_id__in=ids, line_id=line_id).count()
    return found == len(ids)


def score_now(
    contact_score: ContactScore,
    *,
    now: datetime | None = None,
    spec: engine.ModelSpec | None = None,
) -> engine.Score:
    """
    A stored score as of this moment, no activity read: decay, windows and activities dated in
    the future from the stored units while they are valid, else from the stored rule states.
    Fit comes from the stored breakdown (time does not move it).
    """
    spec = spec or cached_model_spec(contact_score.scoring_model)
    now = now or timezone.now()
    if not contact_score.rule_states:
        # Scored before rule states existed: as stored, until its next write rebuilds them.
        fit_parts = [engine.RuleScore.from_json(p) for p in contact_score.breakdown.get("fit", [])]
        interest = contact_score.breakdown.get("interest", [])
        return engine.Score(
            fit=contact_score.fit,
            interest=contact_score.interest,
            grade=contact_score.grade,
            band=contact_score.band,
            meets_threshold=contact_score.meets_threshold,
            hand_raise_rule=contact_score.hand_raise_rule,
            fit_breakdown=tuple(fit_parts),
            interest_breakdown=tuple(engine.RuleScore.from_json(p) for p in interest),
            at=contact_score.scored_at,
        )
    return stored_score_at(
        spec,
        StoredScore.of(contact_score),
        now=now,
        rule_states=lambda: contact_score.rule_states,
    )


@dataclass(frozen=True)
class StoredScore:
    """What reading a stored score at another moment needs of its row (no rule states)."""

    contact_id: int
    fit_parts: Sequence[Mapping[str, Any]] | None  # the breakdown's fit parts (JSON)
    units: Mapping[str, Any]
    scored_at: datetime
    next_change_at: datetime | None

    # The columns, in this order, for values_list().
    FIELDS = ("contact_id", "breakdown__fit", "units", "scored_at", "next_change_at")

    @classmethod
    def of(cls, row: ContactScore) -> StoredScore:
        fit = (row.breakdown or {}).get("fit")
        return cls(row.contact_id, fit, row.units, row.scored_at, row.next_change_at)


def units_at(
    spec: engine.ModelSpec, stored: StoredScore | StoredRow | ContactScore, *, now: datetime
) -> dict[str, engine.Units]:
    """A stored score's units at `now`, for the spec's definitions whose units still serve."""
    return repricing.stored_units_at(
        spec,
        stored.units,
        scored_at=stored.scored_at,
        next_change_at=stored.next_change_at,
        now=now,
    )


def stored_score_at(
    spec: engine.ModelSpec,
    stored: StoredScore,
    *,
    now: datetime,
    rule_states: Callable[[], Mapping[str, Any]] | None = None,
    complete: bool = False,
) -> engine.Score | None:
    """
    A score at `now` from what a ContactScore row stores: fit from its fit parts (time does not
    move it), interest re-priced from its units while they serve, else finished from the rule
    states (`rule_states` reads them) of the spec's definitions it has; None if those are
    needed and not given, or with `complete` when a definition's state is missing (a rescore is
    rebuilding it). The pages, the API, the accounts and the time refresh read scores this way.
    """
    units = units_at(spec, stored, now=now)
    if len(units) != len(spec.definition_tags):
        if rule_states is None:
            return None
        raw = rule_states()
        keys = [key for key in spec.definition_tags if key not in units]
        if complete and any(raw.get(key) is None for key in keys):
            return None
        # Only the definitions whose units no longer serve are finished from their states.
        states = {key: engine.RuleState.from_json(raw[key]) for key in keys if raw.get(key)}
        units = {**units, **engine.interest_units(spec, states, now)}
    fit_parts = [engine.RuleScore.from_json(p) for p in stored.fit_parts or ()]
    return engine.combine(spec, fit_parts, engine.priced_parts(spec, units), now)


def stored_scores_at(
    spec: engine.ModelSpec,
    rows: Sequence[StoredScore],
    *,
    line_id: int,
    now: datetime,
    complete: bool = False,
) -> dict[int, engine.Score]:
    """
    stored_score_at for many rows: re-priced from units where they serve, and one query for the
    rule states of the rest (left out with `complete` when a state is missing).
    """
    scores, rest = {}, []
    for row in rows:
        score = stored_score_at(spec, row, now=now)
        if score is None:
            rest.append(row)
        else:
            scores[row.contact_id] = score
    raw_of = stored_rule_states([row.contact_id for row in rest], line_id=line_id) if rest else {}
    for row in rest:
        raw = raw_of.get(row.contact_id) or {}
        score = stored_score_at(
            spec, row, now=now, rule_states=lambda raw=raw: raw, complete=complete
        )
        if score is not None:
            scores[row.contact_id] = score
    return scores
