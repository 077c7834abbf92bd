"""
Re-pricing stored scores in SQL (PostgreSQL), for a rescore run after a points, cap, threshold,
name or hand-raise change (in place or by publishing a version): the numbers, breakdown and
timeline entry that the Python path gives (scoring.repricing, engine.combine, score_rows), for a
batch of stored scores in one statement, without a row travelling to Python and back.

A score is re-priced as of its own scored_at, from the units stored with it (exact at that
moment, so no rule state is read), and keeps its units, states, next change and scored_at:
pages and the API take it on to now as they do any stored score. A score whose new price could
qualify (or that has an open qualification, or whose units changed since) is left to the Python
path, which scores it as of now and opens or follows its qualification: the statement returns
which.

tests/test_scoring_sql_reprice_matches_python.py holds this module and the Python path to the
same results, field by field, for random rules and stored scores.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from scoring import engine, repricing
from scoring.models import ChangeReason, ContactScore, Qualification, ScoreChange
from scoring.services.score_rows import DETAIL_RULES, MIN_VISIBLE_CHANGE

# Until its next change a score's interest stays at most the sum of its positive parts (decay
# only shrinks them; capped, as the total is): the bound a new price must stay under to be
# re-priced here. This margin covers the rounding of the stored total.
_QUALIFY_MARGIN = 0.001
_TAG = re.compile(r"^[0-9a-f]+$")


@dataclass
class _Params:
    """Named parameters of one statement: every value, user text above all, is bound."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any, cast: str = "") -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"%({name})s{cast}"


def fits_carried(spec: engine.ModelSpec, base: engine.ModelSpec) -> bool:
    """Does every fit rule of `spec` test what a fit rule of `base` tested (no profile read)?"""
    return all(answered for _, _, answered in repricing.fit_plan(spec, base).rules)


class NotPriceable(ValueError):
    """Rules this statement cannot price (a number that is not finite): the Python path does."""


def _number(value: float) -> float:
    if not math.isfinite(value):
        raise NotPriceable(f"{value!r} points")
    return float(value)


def _cap(expr: str, cap: float | None, p: _Params) -> tuple[str, str]:
    """
    engine.cap_total in SQL: the capped expression (NULL stays NULL: a rule that gave nothing)
    and whether the cap applied.
    """
    if cap is None:
        return expr, "false"
    c = p.add(float(cap), "::float8")
    capped = f"(abs({expr}) > {c})"
    return (
        f"(CASE WHEN abs({expr}) <= {c} THEN {expr} WHEN {expr} < 0 THEN -{c} "
        f"WHEN {expr} > 0 THEN {c} END)",
        capped,
    )


def _opening(part: engine.RuleScore, drop: tuple[str, ...]) -> str:
    """
    A part's JSON (RuleScore.to_json) without the keys the statement adds per row and without
    its closing brace: the statement writes each part as text, parsed once per row (building
    it with jsonb functions cost four times as much).
    """
    data = part.to_json()
    for key in drop:
        data.pop(key, None)
    return orjson.dumps(data).decode()[:-1]


def _key(name: str, value: str, present: str = "") -> str:
    """',"name":value' as SQL text, or '' unless `present` holds."""
    pair = f"',\"{name}\":' || {value}"
    return f"CASE WHEN {present} THEN {pair} ELSE '' END" if present else pair


def _array(items: list[str]) -> str:
    """A JSON array (text) of the parts present (NULL: the rule gave nothing), in order."""
    if not items:
        return "'[]'"
    return f"'[' || concat_ws(',', {', '.join(items)}) || ']'"


def _parts_of(breakdown: str) -> str:
    """
    The (rule id, name, points, dimension, position) rows of a breakdown's parts, skipping
    anything malformed, as score_rows._stored_parts does.
    """
    selects = []
    for offset, key in enumerate(("fit", "interest")):
        array = (
            f"CASE WHEN jsonb_typeof({breakdown}->'{key}') = 'array' "
            f"THEN {breakdown}->'{key}' ELSE '[]'::jsonb END"
        )
        selects.append(
            "SELECT (e->>'rule_id')::numeric AS rid, coalesce(e->>'name', '') AS name, "
            f"(e->>'points')::float8 AS points, '{key}' AS dim, {offset * 100000} + n AS pos "
            f"FROM jsonb_array_elements({array}) WITH ORDINALITY AS p(e, n) "
            "WHERE jsonb_typeof(e->'rule_id') = 'number' AND jsonb_typeof(e->'points') = 'number'"
        )
    return " UNION ALL ".join(selects)


def _keyed(parts: str, others: str) -> str:
    """
    A side's parts by rule: its id when the other side has a part of that id, else its
    dimension and name (a published version's rules have new ids); the last one of a key wins.
    """
    key = (
        f"CASE WHEN z.rid IN (SELECT rid FROM {others}) THEN '#' || z.rid::text "
        "ELSE z.dim || ':' || z.name END"
    )
    return f"SELECT DISTINCT ON (k) {key} AS k, z.* FROM {parts} AS z ORDER BY k, z.pos DESC"


def _detail() -> str:
    """score_rows.change_detail in SQL: which rules moved, biggest first, in words."""
    order = 'abs(y.delta) DESC, y.name COLLATE "C", y.rid'
    # '+.0f' rounds half to even, as round(float8) does.
    words = (
        "y.name || ' ' || CASE WHEN y.delta < 0 THEN '-' ELSE '+' END || "
        "(abs(round(y.delta))::numeric)::text"
    )
    return f"""coalesce(left((
        WITH now_parts AS ({_parts_of("d.breakdown")}),
            then_parts AS ({_parts_of("d.old_breakdown")}),
            a AS ({_keyed("now_parts", "then_parts")}),
            b AS ({_keyed("then_parts", "now_parts")}),
            x AS (
                SELECT coalesce(a.rid, b.rid) AS rid, coalesce(a.name, b.name) AS name,
                    coalesce(a.points, 0) - coalesce(b.points, 0) AS delta
                FROM a FULL JOIN b ON a.k = b.k
            ),
            y AS (
                SELECT * FROM x AS y WHERE abs(y.delta) >= {MIN_VISIBLE_CHANGE}
                ORDER BY {order} LIMIT {DETAIL_RULES}
            )
        SELECT string_agg({words}, '; ' ORDER BY {order}) FROM y
    ), 500), '')"""


def _units_columns(
    spec: engine.ModelSpec,
) -> tuple[list[str], list[str], list[str], dict[str, int]]:
    """
    Each definition's stored units (v), then as columns (weight w, count c, ignored g, first
    a, last z; by the definition's index k); the tests that they were stored as
    Units.to_json writes them (anything else is left to the Python path); and the index of
    each tag. Tags are hex digests (definition_tag): safe in the SQL text.
    """
    vectors, columns, valid, index = [], [], [], {}
    for k, tag in enumerate(sorted(set(spec.definition_tags.values()))):
        if not _TAG.match(tag):
            raise NotPriceable(f"unexpected definition tag {tag!r}")
        index[tag] = k
        vectors.append(f"d->'{tag}' AS v{k}")
        columns += [
            f"(v{k}->>0)::float8 AS w{k}",
            f"(v{k}->>1)::bigint AS c{k}",
            f"(v{k}->>2)::bigint AS g{k}",
            f"(v{k}->>3) AS a{k}",
            f"(v{k}->>4) AS z{k}",
        ]
        valid.append(
            f"jsonb_typeof(v{k}->0) = 'number' AND (v{k}->>1) ~ '^[0-9]{{1,18}}$' "
            f"AND (v{k}->>2) ~ '^[0-9]{{1,18}}$' AND jsonb_typeof(v{k}->3) = 'string' "
            f"AND jsonb_typeof(v{k}->4) = 'string' AND jsonb_typeof(v{k}->5) = 'string' "
            f"AND v{k}->6 IS NULL"
        )
    return vectors, columns, valid, index


@dataclass
class _Priced:
    """What each rule adds to the statement, as columns of its stages (see reprice_statement)."""

    raw: list[str] = field(default_factory=list)  # per rule, from the units and fit parts
    capped: list[str] = field(default_factory=list)  # per interest rule, its caps applied
    fit_parts: list[str] = field(default_factory=list)  # per fit rule: JSON, NULL if none
    interest_parts: list[str] = field(default_factory=list)
    fit_points: list[str] = field(default_factory=list)  # per rule: points, NULL if none
    interest_points: list[str] = field(default_factory=list)
    hand_raises: list[tuple[str, str]] = field(default_factory=list)  # (present, name)


def _fit_rules(spec: engine.ModelSpec, base: engine.ModelSpec, p: _Params, out: _Priced) -> None:
    """Fit parts carried from the base's stored parts (repricing.fit_parts_from), re-priced."""
    plan = repricing.fit_plan(spec, base)
    ids_by_test: dict[tuple, list[int]] = {}
    for rule_id, test in plan.base_tests:
        ids_by_test.setdefault(test, []).append(rule_id)
    for i, (rule, test, _) in enumerate(plan.rules):
        ids = [str(rule_id) for rule_id in ids_by_test[test]]
        # The matched value (NULL: no match); the last base rule with this test wins, as in
        # fit_parts_from's dict.
        matched = ", ".join(f"fm->>{p.add(rule_id)}" for rule_id in reversed(ids))
        present = p.add(ids, "::text[]")
        out.raw.append(f"CASE WHEN fm ?| {present} THEN coalesce({matched}) END AS m{i}")
        opening = p.add(_opening(engine.fit_part(rule, ""), ()))
        matched_key = _key("matched", f"to_json(m{i})::text", f"m{i} <> ''")
        out.fit_parts.append(
            f"CASE WHEN m{i} IS NOT NULL THEN {opening} || {matched_key} || '}}' END"
        )
        points = p.add(_number(rule.points), "::float8")
        out.fit_points.append(f"CASE WHEN m{i} IS NOT NULL THEN {points} END")
        if rule.hand_raise:
            out.hand_raises.append((f"m{i} IS NOT NULL", p.add(rule.name[:100])))


def _interest_rules(
    spec: engine.ModelSpec, index: dict[str, int], p: _Params, out: _Priced
) -> None:
    """engine.price_units in SQL, per interest rule, over its definition's unit columns."""
    for j, (rule, key) in enumerate(spec.keyed_interest_rules):
        k = index[spec.definition_tags[key]]
        each = p.add(_number(rule.points), "::float8")
        out.raw.append(f"CASE WHEN c{k} > 0 THEN {each} * w{k} END AS t{j}")
        points, capped = _cap(f"t{j}", rule.max_points, p)
        out.capped.append(f"{points} AS q{j}, coalesce({capped}, false) AS x{j}")
        times = p.add(engine.occurrences_cap_text(rule))
        most = p.add(engine.points_cap_text(rule) if rule.max_points is not None else "")
        caps = (
            f"concat_ws('; ', CASE WHEN g{k} > 0 THEN {times} END, CASE WHEN x{j} THEN {most} END)"
        )
        opening = _opening(
            engine.price_units(rule, engine.Units(weight=0.0, count=1)),
            ("points", "raw_points", "count", "first_at", "last_at", "cap_applied"),
        )
        keys = [
            _key("points", f"q{j}::text"),
            _key("raw_points", f"({each} * c{k})::text"),
            _key("count", f"c{k}::text"),
            _key("first_at", f"to_json(a{k})::text", f"a{k} <> ''"),
            _key("last_at", f"to_json(z{k})::text", f"z{k} <> ''"),
            _key("ignored_occurrences", f"g{k}::text", f"g{k} > 0"),
            _key("cap_applied", f"to_json({caps})::text", f"{caps} <> ''"),
        ]
        out.interest_parts.append(
            f"CASE WHEN q{j} IS NOT NULL THEN {p.add(opening)} || {' || '.join(keys)} || '}}' END"
        )
        out.interest_points.append(f"q{j}")
        if rule.hand_raise:
            out.hand_raises.append((f"q{j} IS NOT NULL", p.add(rule.name[:100])))


def _sum(terms: list[str], keep: str = "") -> str:
    """Python's sum() of the parts present, in order (an absent part adds 0.0: no change)."""
    if keep:
        terms = [f"CASE WHEN {t} {keep} 0 THEN {t} ELSE 0 END" for t in terms]
    else:
        terms = [f"coalesce({t}, 0)" for t in terms]
    return "(" + " + ".join(["0::float8", *terms]) + ")"


def _meets(spec: engine.ModelSpec, fit: str, interest: str, p: _Params) -> str:
    """engine.meets_threshold in SQL."""
    if spec.mql_mode == engine.COMBINED:
        return f"({fit} + {interest} >= {p.add(float(spec.mql_combined), '::float8')})"
    return (
        f"({fit} >= {p.add(float(spec.mql_fit), '::float8')} AND "
        f"{interest} >= {p.add(float(spec.mql_interest), '::float8')})"
    )


def _columns(items: list[str]) -> str:
    return "".join(f", {item}" for item in items)


_FIT_ARRAY = (
    "CASE WHEN jsonb_typeof(s.breakdown->'fit') = 'array' "
    "THEN s.breakdown->'fit' ELSE '[]'::jsonb END"
)


def reprice_statement(
    spec: engine.ModelSpec,
    base: engine.ModelSpec,
    *,
    model_id: int,
    base_model_id: int,
    line_id: int,
    contact_ids: list[int],
    now: datetime,
) -> tuple[str, dict[str, Any]]:
    """
    One statement that re-prices under `spec` the stored scores of these contacts written by
    `base_model_id` with `base`'s fit rules and with units of every definition `spec` counts;
    writes their rows and timeline entries; and returns (contact id, left to Python, moved)
    for each row it read. Rows it does not read (other versions, units of another shape) are
    the caller's. Only for a spec whose fit rules the base's answer (fits_carried).

    Stages: src (the rows, and their fit parts' matches by rule id), v and u (each
    definition's units, then as columns), r (each rule's raw points), q (its caps), t (the
    sums, hand-raise and breakdown), n (the totals rounded as engine.round_score), d (cells,
    MQL rule, and whether the Python path must take it), m (moved enough for the timeline).
    Each is materialized: inlined, a rule's points were computed again wherever used.
    """
    p = _Params()
    vectors, units, valid, index = _units_columns(spec)
    priced = _Priced()
    _fit_rules(spec, base, p, priced)
    _interest_rules(spec, index, p, priced)
    fit, fit_capped = _cap("fit_sum", spec.fit_cap, p)
    interest, interest_capped = _cap("interest_sum", spec.interest_cap, p)
    upper, _ = _cap(f"(gains + {_QUALIFY_MARGIN})", spec.interest_cap, p)
    hand_raise = "".join(f" WHEN {present} THEN {name}" for present, name in priced.hand_raises)
    grade = "".join(
        f" WHEN n.fit >= {p.add(float(cut), '::float8')} THEN '{letter}'"
        for letter, cut in zip("ABC", (spec.grade_a, spec.grade_b, spec.grade_c), strict=True)
    )
    band = (
        f"CASE WHEN n.interest >= {p.add(float(spec.band_hot), '::float8')} THEN 1 "
        f"WHEN n.interest >= {p.add(float(spec.band_warm), '::float8')} THEN 2 ELSE 3 END"
    )
    now_at, line, ids = p.add(now), p.add(line_id), p.add(list(contact_ids))
    sql = f"""
WITH src AS MATERIALIZED (
    SELECT s.id, s.contact_id, s.fit AS old_fit, s.interest AS old_interest,
        s.grade AS old_grade, s.band AS old_band, s.breakdown AS old_breakdown,
        s.next_change_at, s.units->'d' AS d,
        (SELECT jsonb_object_agg(e->>'rule_id', coalesce(e->>'matched', ''))
            FROM jsonb_array_elements({_FIT_ARRAY}) AS e
            WHERE jsonb_typeof(e->'rule_id') = 'number') AS fm,
        -- The batch's open qualifications, found once by contact (per row, the planner
        -- walked every qualification of the line).
        s.contact_id IN (
            SELECT o.contact_id FROM {Qualification._meta.db_table} AS o
            WHERE o.contact_id = ANY({ids}) AND o.line_id = {line} AND o.closed_at IS NULL
        ) AS open_qualification
    FROM {ContactScore._meta.db_table} AS s
    WHERE s.line_id = {line} AND s.contact_id = ANY({ids})
        AND s.scoring_model_id = {p.add(base_model_id)} AND s.fit_key = {p.add(base.fit_key)}
        AND jsonb_typeof(s.units->'h') = 'number'
        AND (s.units->>'h')::float8 = {p.add(float(spec.half_life_days), "::float8")}
        AND jsonb_typeof(s.units->'d') = 'object'
        -- Units of every definition the rules count: after a definition change, a score
        -- without the new one is left at once (the Python path builds it from the history).
        AND s.units->'d' ?& {p.add(sorted(index), "::text[]")}
),
v AS MATERIALIZED (SELECT src.*{_columns(vectors)} FROM src),
u AS MATERIALIZED (SELECT v.*{_columns(units)} FROM v WHERE {" AND ".join(valid) or "true"}),
r AS MATERIALIZED (SELECT u.*{_columns(priced.raw)} FROM u),
q AS MATERIALIZED (SELECT r.*{_columns(priced.capped)} FROM r),
t AS MATERIALIZED (
    SELECT q.id, q.contact_id, q.old_fit, q.old_interest, q.old_grade, q.old_band,
        q.old_breakdown, q.next_change_at, q.open_qualification, q.fit_sum, q.interest_sum, q.gains,
        (0::float8 - {_sum(priced.interest_points, "<")}) AS losses,
        CASE{hand_raise or " WHEN false THEN ''"} ELSE '' END AS hand_raise,
        ('{{"fit":' || {_array(priced.fit_parts)}
            || ',"interest":' || {_array(priced.interest_parts)}
            || ',"fit_cap_applied":' || ({fit_capped})::text
            || ',"interest_cap_applied":'
            || ({interest_capped})::text
            || '}}')::jsonb AS breakdown
    FROM (
        SELECT q.*, {_sum(priced.fit_points)} AS fit_sum,
            {_sum(priced.interest_points)} AS interest_sum,
            {_sum(priced.interest_points, ">")} AS gains
        FROM q
    ) AS q
),
n AS MATERIALIZED (
    SELECT t.*, round(({fit})::numeric, 4)::float8 AS fit,
        round(({interest})::numeric, 4)::float8 AS interest, {upper} AS interest_upper
    FROM t
),
d AS MATERIALIZED (
    SELECT n.*, CASE{grade} ELSE 'D' END AS grade, {band} AS band,
        {_meets(spec, "n.fit", "n.interest", p)} AS meets,
        coalesce(coalesce(n.next_change_at <= {now_at}, false) OR n.hand_raise <> ''
            OR {_meets(spec, "n.fit", "n.interest_upper", p)}
            OR n.open_qualification, true) AS left_to_python
    FROM n
),
m AS MATERIALIZED (
    SELECT d.*, (abs(d.old_fit - d.fit) >= {MIN_VISIBLE_CHANGE}
        OR abs(d.old_interest - d.interest) >= {MIN_VISIBLE_CHANGE}
        OR d.old_grade <> d.grade OR d.old_band <> d.band) AS moved
    FROM d
),
written AS (
    UPDATE {ContactScore._meta.db_table} AS s SET scoring_model_id = {p.add(model_id)},
        fit = m.fit, interest = m.interest, grade = m.grade, band = m.band,
        meets_threshold = m.meets, hand_raise_rule = m.hand_raise, interest_gains = m.gains,
        interest_losses = m.losses, fit_key = {p.add(spec.fit_key)},
        priced_key = {p.add(spec.price_key)}, breakdown = m.breakdown,
        version = s.version + 1
    FROM m WHERE s.id = m.id AND NOT m.left_to_python
),
timeline AS (
    INSERT INTO {ScoreChange._meta.db_table} (contact_id, line_id, occurred_at, reason, detail,
        activity_id, fit_before, fit_after, interest_before, interest_after, cell_before,
        cell_after)
    SELECT d.contact_id, {line}, {now_at}, {p.add(str(ChangeReason.RULE_CHANGE))}, {_detail()},
        NULL, d.old_fit, d.fit, d.old_interest, d.interest, d.old_grade || d.old_band,
        d.grade || d.band
    FROM m AS d WHERE d.moved AND NOT d.left_to_python
)
SELECT contact_id, left_to_python, moved FROM m
"""
    return sql, p.values
