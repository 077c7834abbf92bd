"""
Pricing stored scores in SQL (PostgreSQL): the building blocks that scoring.repricing_sql (a
rescore's re-price, written back) and scoring.whatif_sql (a what-if, read only) share, so each
rule is priced by one piece of SQL. Each mirrors a piece of the pure Python pricing
(engine.price_units, engine.cap_total, engine.combine, repricing.fit_parts_from); property tests
hold the statements built from them to the Python path's results.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from scoring import engine, repricing

_TAG = re.compile(r"^[0-9a-f]+$")
# engine.Units.to_json of units that counted nothing, with no next change.
_COUNTED_NOTHING = orjson.dumps(engine.NO_UNITS.to_json()).decode()


@dataclass
class Params:
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


def number(value: float) -> float:
    if not math.isfinite(value):
        raise NotPriceable(f"{value!r} points")
    return float(value)


def cap(expr: str, cap: float | None, p: Params) -> tuple[str, str]:
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


def part_opening(part: engine.RuleScore, drop: tuple[str, ...]) -> str:
    """
    A part's JSON (RuleScore.to_json) without the keys the statement adds per row and without
    its closing brace: the statement writes each part as text, parsed once per row (building
    it with jsonb functions cost four times as much).
    """
    data = part.to_json()
    for key in drop:
        data.pop(key, None)
    return orjson.dumps(data).decode()[:-1]


def json_key(name: str, value: str, present: str = "") -> str:
    """',"name":value' as SQL text, or '' unless `present` holds."""
    pair = f"',\"{name}\":' || {value}"
    return f"CASE WHEN {present} THEN {pair} ELSE '' END" if present else pair


def units_columns(
    tags: Iterable[str], factor: str = "", fresh: Collection[str] = ()
) -> tuple[list[str], list[str], list[str], dict[str, int]]:
    """
    Each definition's stored units (v), then as columns (weight w, count c, ignored g, first
    a, last z; by the definition's index k, its tag's place in sorted order); the tests that
    they were stored as Units.to_json writes them (anything else is left to the Python path);
    and the index of each tag. Tags are hex digests (definition_tag): safe in the SQL text.
    With `factor` (a column), the weights are decayed by it, as engine.units_later does, but
    for the `fresh` tags (units built at the moment itself).
    """
    vectors, columns, valid, index = [], [], [], {}
    for k, tag in enumerate(sorted(set(tags))):
        if not _TAG.match(tag):
            raise NotPriceable(f"unexpected definition tag {tag!r}")
        index[tag] = k
        # Most definitions of most scores counted nothing: those units are NULL from here on,
        # so that no test or cast is spent on them (jsonb compares 0.0 and 0 as equal).
        vectors.append(f"NULLIF(d->'{tag}', '{_COUNTED_NOTHING}'::jsonb) AS v{k}")
        columns += [
            f"(v{k}->>0)::float8{f' * {factor}' if factor and tag not in fresh else ''} AS w{k}",
            f"coalesce((v{k}->>1)::bigint, 0) AS c{k}",
            f"coalesce((v{k}->>2)::bigint, 0) AS g{k}",
            f"coalesce(v{k}->>3, '') AS a{k}",
            f"coalesce(v{k}->>4, '') AS z{k}",
        ]
        valid.append(
            f"(v{k} IS NULL OR (jsonb_typeof(v{k}->0) = 'number' "
            f"AND (v{k}->>1) ~ '^[0-9]{{1,18}}$' AND (v{k}->>2) ~ '^[0-9]{{1,18}}$' "
            f"AND jsonb_typeof(v{k}->3) = 'string' AND jsonb_typeof(v{k}->4) = 'string' "
            f"AND jsonb_typeof(v{k}->5) = 'string' AND v{k}->6 IS NULL))"
        )
    return vectors, columns, valid, index


@dataclass
class RuleColumns:
    """What each rule adds to the statement, as columns of its stages (see reprice_statement)."""

    raw: list[str] = field(default_factory=list)  # per rule, from the units and fit parts
    capped: list[str] = field(default_factory=list)  # per interest rule, its caps applied
    fit_parts: list[str] = field(default_factory=list)  # per fit rule: JSON, NULL if none
    interest_parts: list[str] = field(default_factory=list)
    fit_points: list[str] = field(default_factory=list)  # per rule: points, NULL if none
    interest_points: list[str] = field(default_factory=list)
    hand_raises: list[tuple[str, str]] = field(default_factory=list)  # (present, name)


def fit_rules(
    spec: engine.ModelSpec, base: engine.ModelSpec, p: Params, out: RuleColumns, side: str = ""
) -> None:
    """
    Fit parts carried from the base's stored parts (repricing.fit_parts_from), re-priced.
    `side` prefixes the columns, so that two specs can be priced in one statement.
    """
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
        out.raw.append(f"CASE WHEN fm ?| {present} THEN coalesce({matched}) END AS {side}m{i}")
        opening = p.add(part_opening(engine.fit_part(rule, ""), ()))
        matched_key = json_key("matched", f"to_json({side}m{i})::text", f"{side}m{i} <> ''")
        out.fit_parts.append(
            f"CASE WHEN {side}m{i} IS NOT NULL THEN {opening} || {matched_key} || '}}' END"
        )
        points = p.add(number(rule.points), "::float8")
        out.fit_points.append(f"CASE WHEN {side}m{i} IS NOT NULL THEN {points} END")
        if rule.hand_raise:
            out.hand_raises.append((f"{side}m{i} IS NOT NULL", p.add(rule.name[:100])))


def interest_rules(
    spec: engine.ModelSpec, index: dict[str, int], p: Params, out: RuleColumns, side: str = ""
) -> None:
    """
    engine.price_units in SQL, per interest rule, over its definition's unit columns (`side`
    prefixes the columns, as in fit_rules).
    """
    for j, (rule, key) in enumerate(spec.keyed_interest_rules):
        k = index[spec.definition_tags[key]]
        each = p.add(number(rule.points), "::float8")
        out.raw.append(f"CASE WHEN c{k} > 0 THEN {each} * w{k} END AS {side}t{j}")
        points, capped = cap(f"{side}t{j}", rule.max_points, p)
        out.capped.append(f"{points} AS {side}q{j}, coalesce({capped}, false) AS {side}x{j}")
        times = p.add(engine.occurrences_cap_text(rule))
        most = p.add(engine.points_cap_text(rule) if rule.max_points is not None else "")
        caps = (
            f"concat_ws('; ', CASE WHEN g{k} > 0 THEN {times} END, "
            f"CASE WHEN {side}x{j} THEN {most} END)"
        )
        opening = part_opening(
            engine.price_units(rule, engine.Units(weight=0.0, count=1)),
            ("points", "raw_points", "count", "first_at", "last_at", "cap_applied"),
        )
        keys = [
            json_key("points", f"{side}q{j}::text"),
            json_key("raw_points", f"({each} * c{k})::text"),
            json_key("count", f"c{k}::text"),
            json_key("first_at", f"to_json(a{k})::text", f"a{k} <> ''"),
            json_key("last_at", f"to_json(z{k})::text", f"z{k} <> ''"),
            json_key("ignored_occurrences", f"g{k}::text", f"g{k} > 0"),
            json_key("cap_applied", f"to_json({caps})::text", f"{caps} <> ''"),
        ]
        part = f"{p.add(opening)} || {' || '.join(keys)} || '}}'"
        out.interest_parts.append(f"CASE WHEN {side}q{j} IS NOT NULL THEN {part} END")
        out.interest_points.append(f"{side}q{j}")
        if rule.hand_raise:
            out.hand_raises.append((f"{side}q{j} IS NOT NULL", p.add(rule.name[:100])))


def sum_of(terms: list[str], keep: str = "") -> str:
    """Python's sum() of the parts present, in order (an absent part adds 0.0: no change)."""
    if keep:
        terms = [f"CASE WHEN {t} {keep} 0 THEN {t} ELSE 0 END" for t in terms]
    else:
        terms = [f"coalesce({t}, 0)" for t in terms]
    return "(" + " + ".join(["0::float8", *terms]) + ")"


def meets(spec: engine.ModelSpec, fit: str, interest: str, p: Params) -> str:
    """engine.meets_threshold in SQL."""
    if spec.mql_mode == engine.COMBINED:
        return f"({fit} + {interest} >= {p.add(float(spec.mql_combined), '::float8')})"
    return (
        f"({fit} >= {p.add(float(spec.mql_fit), '::float8')} AND "
        f"{interest} >= {p.add(float(spec.mql_interest), '::float8')})"
    )


def columns(items: list[str]) -> str:
    return "".join(f", {item}" for item in items)


def unpacked(more_units: str = "") -> str:
    """
    A stored score's units (d, with `more_units` joined to them) and fit parts, each read once
    per row: every `->` on a stored value decompresses the whole value again (most rows are
    compressed).
    """
    units = f"(s.units->'d') || {more_units}" if more_units else "s.units->'d'"
    return f"{units} AS d, s.units->'h' AS h, s.breakdown->'fit' AS fit_parts"


def units_usable(half_life: str, tags: str) -> str:
    """Does an unpacked row hold units of this half-life for every one of these tags?"""
    return (
        f"CASE WHEN jsonb_typeof(x.h) = 'number' THEN x.h::float8 END = {half_life} "
        f"AND CASE WHEN jsonb_typeof(x.d) = 'object' THEN x.d ?& {tags} END"
    )


def fit_matches(fit_parts: str) -> str:
    """A stored score's fit parts as {rule id: matched value}: what fit_rules reads (as fm)."""
    parts = f"CASE WHEN jsonb_typeof({fit_parts}) = 'array' THEN {fit_parts} ELSE '[]'::jsonb END"
    return f"""(SELECT jsonb_object_agg(e->>'rule_id', coalesce(e->>'matched', ''))
            FROM jsonb_array_elements({parts}) AS e
            WHERE jsonb_typeof(e->'rule_id') = 'number')"""


def stage(name: str, body: str) -> str:
    """
    A stage of a statement (a CTE read once), computed row by row as rows stream through, not
    stored first. OFFSET 0 keeps the planner from folding it into the next stage, which would
    compute its columns again wherever they are used.
    """
    return f"{name} AS NOT MATERIALIZED (\n    {body}\n    OFFSET 0\n)"


def decay_factor(moment: str, scored_at: str, half_life: str) -> str:
    """
    engine.decay_factor(moment - scored_at) in PostgreSQL, for a half-life above 0: the age's
    seconds exact (numeric), then the same float steps, so the factor is the same to the last
    bit. The arguments are SQL expressions.
    """
    seconds = f"(extract(epoch FROM {moment}) - extract(epoch FROM {scored_at}))"
    age_days = f"(greatest({seconds}::float8, 0::float8) / 86400::float8)"
    return f"power(0.5::float8, {age_days} / {half_life})"


def joined(stages: list[str]) -> str:
    """Stages as a WITH list."""
    return ",\n".join(stages)


def cells(spec: engine.ModelSpec, fit: str, interest: str, p: Params) -> tuple[str, str]:
    """engine.grade_for and engine.band_for in SQL: the grade and band expressions."""
    grade = "".join(
        f" WHEN {fit} >= {p.add(float(cut), '::float8')} THEN '{letter}'"
        for letter, cut in zip("ABC", (spec.grade_a, spec.grade_b, spec.grade_c), strict=True)
    )
    band = (
        f"CASE WHEN {interest} >= {p.add(float(spec.band_hot), '::float8')} THEN 1 "
        f"WHEN {interest} >= {p.add(float(spec.band_warm), '::float8')} THEN 2 ELSE 3 END"
    )
    return f"CASE{grade} ELSE 'D' END", band


def round_total(expr: str) -> str:
    """engine.round_score in SQL (half away from zero at 4 places, as numeric rounds)."""
    return f"round(({expr})::numeric, 4)::float8"
