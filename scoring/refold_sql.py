"""
Rebuilding one interest rule definition's state from the history in SQL (PostgreSQL), for a
rescore run after a rule-definition change (a window, an "at most N times", a new rule): the
state and units that engine.fold and engine.units_of give, for every stored score of a batch in
one statement, without an activity travelling to Python.

Each score gets the definition as it stood at the score's own scored_at: its other definitions'
units are exact at that moment, so the re-price that follows (scoring.repricing_sql) prices the
whole score there, and pages and the API take it on to now as they do any stored score. The
score's units and states of definitions the rules no longer have are dropped, as the Python
path drops them, and its next change is taken again from all its units.

A definition with conditions on the activity's properties or a custom kind is folded from the
activities that Python's own engine.event_matches picked (the caller reads their properties):
which activities match is decided in one place. A score whose units were written under another
half-life is left to the Python path.

tests/test_scoring_refold_in_sql_matches_python.py holds this module to the Python fold.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from contacts.models import Activity
from scoring import engine, selectors
from scoring.models import ContactScore
from scoring.pricing_sql import NotPriceable, Params, decay_factor

# engine.Units.to_json of a definition that counted nothing and never will by time alone.
NOTHING = """'[0.0, 0, 0, "", "", ""]'::jsonb"""


def matches_on_kind(rule: engine.Rule) -> bool:
    """
    Does the rule match activities on their kind alone? Otherwise (conditions on properties, a
    custom kind) the caller tells which activities match, tested in Python by engine's own
    event_matches (matching_ids): the SQL folds only those.
    """
    return not rule.conditions and not rule.custom_kind


def matching_ids(rule: engine.Rule, events: Iterable[engine.Event]) -> list[int]:
    """The ids of these activities (of the rule's kind, properties read) the rule counts."""
    return [event.id for event in events if engine.event_matches(rule, event)]


def matching_activity_ids(
    rule: engine.Rule, contact_ids: Iterable[int], *, since: datetime | None
) -> list[int]:
    """
    The ids of these contacts' activities the rule counts, from `since` on (None: all time):
    one read of its kind, properties and all, tested by engine.event_matches.
    """
    kind = rule.activity_kind
    events = selectors.events_by_contact(
        contact_ids, kinds={kind}, since={kind: since}, with_properties={kind}
    )
    return matching_ids(rule, itertools.chain(*events.values()))


def iso(moment: str) -> str:
    """datetime.isoformat() of a UTC timestamptz expression: microseconds only when not zero."""
    utc = f"({moment} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(extract(microseconds FROM {moment})::bigint, 1000000) <> 0 "
        f"THEN '.' || to_char({utc}, 'US') ELSE '' END || '+00:00')"
    )


def _days(days: int) -> str:
    """An interval of whole days of 86,400 s each, as timedelta(days=...) is."""
    return f"(interval '1 second' * {int(days) * 86400})"


def refold_statement(
    spec: engine.ModelSpec,
    rule: engine.Rule,
    *,
    line_id: int,
    contact_ids: list[int],
    matching: list[int] | None = None,
) -> tuple[str, dict[str, Any]]:
    """
    One statement that rebuilds, for the stored scores of these contacts (their rows locked by
    the caller) that lack it, the state and units of `rule`'s definition at each score's
    scored_at, writes them with the spec's other definitions', and returns the contact ids it
    wrote. A rule that does not match on the kind alone needs `matching`: the ids of the
    contacts' activities it counts (matching_ids).
    """
    p = Params()
    ctes = refold_ctes(
        spec, rule, p, line=p.add(line_id), ids=p.add(list(contact_ids)), matching=matching
    )
    sql = f"""
WITH {",".join(ctes)}
UPDATE {ContactScore._meta.db_table} AS s SET {rebuilt_columns("m")}, version = s.version + 1
FROM merged AS m WHERE s.id = m.id
RETURNING s.contact_id
"""
    return sql, p.values


def rebuilt_columns(merged: str) -> str:
    """The SET list that writes a score's rebuilt states, units and next change (`merged`)."""
    return (
        f"rule_states = {merged}.states, units = jsonb_build_object('d', {merged}.d, "
        f"'h', {merged}.h), next_change_at = {merged}.next_change"
    )


def refold_ctes(
    spec: engine.ModelSpec,
    rule: engine.Rule,
    p: Params,
    *,
    line: str,
    ids: str,
    matching: list[int] | None = None,
) -> list[str]:
    """
    The CTEs of refold_statement, for a statement of its own or one that re-prices the scores
    too (repricing_sql): `merged` holds (id, states, d, h, next_change) for each stored score of
    the line (`line`) and contacts (`ids`) that lacked the definition and could take it: its
    states and units with the definition rebuilt and those the rules no longer have dropped,
    and its next change taken again from all its units.
    """
    key = engine.definition_key(rule, spec.half_life_days)
    tag = engine.definition_tag(key)
    hl = p.add(float(spec.half_life_days), "::float8")
    keys = p.add(sorted(spec.definition_tags), "::text[]")
    tags = p.add(sorted(spec.definition_tags.values()), "::text[]")
    scores = ContactScore._meta.db_table
    lacking = f"""
-- The slice's scores, and whether each lacks the definition (and can take it: units of this
-- half-life, states stored). Tested in the select list, not the WHERE clause: the planner,
-- guessing how many rows pass such tests, guessed one and chose nested loops over 1,000.
lacking AS MATERIALIZED (
    SELECT s.id, s.contact_id, s.scored_at AS ref,
        coalesce(jsonb_typeof(s.units->'d') = 'object' AND NOT (s.units->'d') ? {p.add(tag)}
            AND CASE WHEN jsonb_typeof(s.units->'h') = 'number'
                THEN (s.units->>'h')::float8 END = {hl}
            AND jsonb_typeof(s.rule_states) = 'object', false) AS lacks
    FROM {scores} AS s
    WHERE s.line_id = {line} AND s.contact_id = ANY({ids})
)"""
    folded = fold_ctes(
        rule,
        spec.half_life_days,
        p,
        rows="lacking",
        contact_ids=ids,
        name="folded",
        matching=matching,
    )
    rest = f"""
-- What the scores hold of definitions the rules no longer have (a changed rule's old one),
-- found once for the batch: each row then drops them with one "-".
gone AS (
    SELECT (
        SELECT coalesce(array_agg(DISTINCT k), '{{}}') FROM lacking AS r
            JOIN {scores} AS s ON s.id = r.id, jsonb_object_keys(s.rule_states) AS k
        WHERE r.lacks AND NOT k = ANY({keys})
    ) AS keys, (
        SELECT coalesce(array_agg(DISTINCT t), '{{}}') FROM lacking AS r
            JOIN {scores} AS s ON s.id = r.id, jsonb_object_keys(s.units->'d') AS t
        WHERE r.lacks AND NOT t = ANY({tags})
    ) AS tags
),
merged_units AS MATERIALIZED (
    SELECT s.id, s.contact_id,
        (s.rule_states - g.keys) || jsonb_build_object({p.add(key)}::text,
            coalesce(f.state, jsonb_build_object('ref', {iso("s.scored_at")}))) AS states,
        ((s.units->'d') - g.tags) || jsonb_build_object({p.add(tag)}::text,
            coalesce(f.units, {NOTHING})) AS d,
        s.units->'h' AS h
    FROM lacking AS r JOIN {scores} AS s ON s.id = r.id CROSS JOIN gone AS g
        LEFT JOIN folded AS f ON f.id = r.id
    WHERE r.lacks
),
merged AS MATERIALIZED (
    SELECT m.*,
        -- engine.units_next_change: the soonest next change of any definition.
        (SELECT min((v->>5)::timestamptz) FROM jsonb_each(m.d) AS x(k, v)
            WHERE jsonb_typeof(v->5) = 'string' AND v->>5 <> '') AS next_change
    FROM merged_units AS m
)"""
    return [lacking, *folded, rest]


def fold_ctes(
    rule: engine.Rule,
    half_life: float,
    p: Params,
    *,
    rows: str,
    contact_ids: str,
    name: str,
    matching: list[int] | None = None,
) -> list[str]:
    """
    CTEs that fold `rule`'s definition from the history at each row's moment, for the rows of
    the CTE `rows` (id, contact_id, ref) of the contacts `contact_ids` (an SQL array): `name`
    has (id, state, units) for each row with an activity it counts, the state and units as
    engine.fold and units_of give them. A rule that does not match on the kind alone folds
    only the `matching` activities (matching_ids).
    """
    only = ""
    if not matches_on_kind(rule):
        if matching is None:
            raise NotPriceable("the rule tests what SQL does not: its matching activities needed")
        # A semi-join on the ids (hashed), not "= ANY": that scans the array for every row.
        only = f"AND a.id IN (SELECT unnest({p.add(list(matching))}::bigint[]))"
    hl = p.add(float(half_life), "::float8")
    factor = decay_factor("e.ref", "e.t", hl) if half_life > 0 else "1::float8"
    window, limit = rule.window_days, rule.max_occurrences
    since = f"AND a.occurred_at >= r.ref - {_days(window)}" if window is not None else ""
    # Each past activity's place, newest first (units_of's order, and the order its sum adds).
    newest_first = "ORDER BY e.t DESC, e.aid DESC"
    if engine.is_aggregated(rule):
        state = _aggregated_state(f"{name}_e", factor, newest_first)
    else:
        state = _kept_state(f"{name}_e", factor, newest_first, window, limit)
    # The batch's activities of the kind are found by its contact ids, then joined to the rows:
    # the rows' JSON tests leave the planner guessing one row, and joined first it looked the
    # kind up again for every row (0.6 ms each on the demo's data).
    events = f"""{name}_e AS (
    SELECT r.id, r.ref, a.id AS aid, a.occurred_at AS t,
        ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY a.occurred_at > r.ref,
            a.occurred_at DESC, a.id DESC) AS n
    FROM (
        SELECT a.id, a.contact_id, a.occurred_at FROM {Activity._meta.db_table} AS a
        WHERE a.contact_id = ANY({contact_ids}) AND a.kind = {p.add(rule.activity_kind)}
            {only}
        OFFSET 0
    ) AS a JOIN {rows} AS r ON r.contact_id = a.contact_id
    WHERE true {since}
)"""
    # Materialized: computed once, not again for every row that joins it.
    return [events, f"{name} AS MATERIALIZED ({state})"]


def _aggregated_state(events: str, factor: str, newest_first: str) -> str:
    """
    A definition with no window and no limit (engine._aggregate): the past activities as a
    count and a decayed sum at the reference time, the oldest and newest; later ones kept.
    """
    past = "e.t <= e.ref"
    return f"""
    SELECT g.id, jsonb_build_object('ref', {iso("g.ref")})
            || CASE WHEN g.n > 0 THEN jsonb_build_object('n', g.n, 's', g.s,
                'f', {iso("g.f")}, 'l', {iso("g.l")}) ELSE '{{}}'::jsonb END
            || CASE WHEN g.k IS NOT NULL THEN jsonb_build_object('k', g.k)
                ELSE '{{}}'::jsonb END AS state,
        CASE WHEN g.n > 0 THEN jsonb_build_array(g.s, g.n, 0, {iso("g.f")}, {iso("g.l")},
                coalesce({iso("g.soonest")}, ''))
            ELSE jsonb_build_array(0.0, 0, 0, '', '', coalesce({iso("g.soonest")}, ''))
        END AS units
    FROM (
        SELECT e.id, e.ref, count(*) FILTER (WHERE {past}) AS n,
            sum({factor} {newest_first}) FILTER (WHERE {past}) AS s,
            min(e.t) FILTER (WHERE {past}) AS f, max(e.t) FILTER (WHERE {past}) AS l,
            jsonb_agg(jsonb_build_array(e.aid, {iso("e.t")}) {newest_first})
                FILTER (WHERE NOT {past}) AS k,
            min(e.t) FILTER (WHERE NOT {past}) AS soonest
        FROM {events} AS e GROUP BY e.id, e.ref
    ) AS g"""


def _kept_state(
    events: str, factor: str, newest_first: str, window: int | None, limit: int | None
) -> str:
    """
    A definition with a window or "at most N times" (engine._settle): the past activities it
    can still count kept by id and time, newest first (without a window, the N newest, the
    older ones counted as dropped), then the later ones; units_of counts the N newest kept.
    """
    past = "e.t <= e.ref"
    n = f"{int(limit)}" if limit is not None else "NULL"
    # Without a window, activities beyond the N newest are dropped from the state for good.
    in_state = f"({past} AND e.n <= {n})" if window is None and limit is not None else past
    counted = f"({past} AND e.n <= {n})" if limit is not None else past
    dropped = f"count(*) FILTER (WHERE {past} AND e.n > {n})" if window is None else "0"
    # A kept past activity leaves its window a microsecond after `window` days.
    leaves = (
        f"e.t + {_days(window)} + interval '1 microsecond'"
        if window is not None
        else "NULL::timestamptz"
    )
    return f"""
    SELECT g.id, jsonb_build_object('ref', {iso("g.ref")})
            || CASE WHEN g.dropped > 0 THEN jsonb_build_object('n', g.dropped, 's', 0.0)
                ELSE '{{}}'::jsonb END
            || CASE WHEN g.k IS NOT NULL THEN jsonb_build_object('k', g.k)
                ELSE '{{}}'::jsonb END AS state,
        CASE WHEN g.c > 0 THEN jsonb_build_array(g.w, g.c, g.ignored, {iso("g.f")},
                {iso("g.l")}, coalesce({iso("g.soonest")}, ''))
            ELSE jsonb_build_array(0.0, 0, g.ignored, '', '', coalesce({iso("g.soonest")}, ''))
        END AS units
    FROM (
        SELECT e.id, e.ref, {dropped} AS dropped,
            count(*) FILTER (WHERE {counted}) AS c,
            sum({factor} {newest_first}) FILTER (WHERE {counted}) AS w,
            min(e.t) FILTER (WHERE {counted}) AS f, max(e.t) FILTER (WHERE {counted}) AS l,
            count(*) FILTER (WHERE {in_state} AND NOT {counted})
                + {dropped} AS ignored,
            jsonb_agg(jsonb_build_array(e.aid, {iso("e.t")}) {newest_first})
                FILTER (WHERE {in_state} OR NOT {past}) AS k,
            least(min(e.t) FILTER (WHERE NOT {past}),
                min({leaves}) FILTER (WHERE {in_state})) AS soonest
        FROM {events} AS e GROUP BY e.id, e.ref
    ) AS g"""
