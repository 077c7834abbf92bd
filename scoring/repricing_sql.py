"""
Re-pricing stored scores in SQL (PostgreSQL), for a rescore run after a points, cap, threshold,
name or hand-raise change (in place or by publishing a version): the numbers, breakdown and
timeline entry that the Python path gives (scoring.repricing, engine.combine, score_rows), for a
batch of stored scores in one statement, without a row travelling to Python and back.

A score is re-priced as of its own scored_at, from the units stored with it (exact at that
moment, so no rule state is read), and keeps its units, states, next change and scored_at:
pages and the API take it on to now as they do any stored score. After a definition change
the same statement first rebuilds that definition for the scores that lack it
(refold_sql.refold_ctes) and prices them with it, so that each row is written once. A score
whose new price could qualify (or that has an open qualification, or whose units changed
since) is left to the Python path, which scores it as of now and opens or follows its
qualification: the statement returns which.

tests/test_scoring_sql_reprice_matches_python.py holds this module and the Python path to the
same results, field by field, for random rules and stored scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring import engine, refold_sql
from scoring.models import ChangeReason, ContactScore, Qualification, ScoreChange
from scoring.pricing_sql import (
    Params,
    RuleColumns,
    cap,
    cells,
    columns,
    fit_matches,
    fit_rules,
    interest_rules,
    joined,
    meets,
    round_total,
    stage,
    sum_of,
    units_columns,
    units_usable,
    unpacked,
)
from scoring.services.score_rows import DETAIL_RULES, MIN_VISIBLE_CHANGE

# Until its next change a score's interest stays at most the sum of its positive parts (decay
# only shrinks them; capped, as the total is): the bound a new price must stay under to be
# re-priced here. This margin covers the rounding of the stored total.
_QUALIFY_MARGIN = 0.001


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


def reprice_statement(
    spec: engine.ModelSpec,
    base: engine.ModelSpec,
    *,
    model_id: int,
    base_model_id: int,
    line_id: int,
    contact_ids: list[int],
    now: datetime,
    rebuild: Rebuild | None = None,
) -> tuple[str, dict[str, Any]]:
    """
    One statement that re-prices under `spec` the stored scores of these contacts written by
    `base_model_id` with `base`'s fit rules and with units of every definition `spec` counts;
    writes their rows and timeline entries; and returns (contact id, left to Python, moved,
    rebuilt) for each row it read. Rows it does not read (other versions, units of another
    shape) are the caller's. Only for a spec whose fit rules the base's answer (fits_carried).

    With `rebuild`, the scores that lack that rule's definition get it rebuilt from the history
    first (refold_sql.refold_ctes) and are priced with it, each row written once: its states
    and units with its price (or alone, for a row left to the Python path, which is returned
    too). A definition change wrote each row twice before (bench scoring).
    """
    p = Params()
    now_at, line, ids = p.add(now), p.add(line_id), p.add(list(contact_ids))
    rebuilt = (
        refold_sql.refold_ctes(spec, rebuild.rule, p, line=line, ids=ids, matching=rebuild.matching)
        if rebuild is not None
        else []
    )
    stages = _stages(
        spec,
        base,
        p,
        base_model_id=base_model_id,
        line=line,
        ids=ids,
        now_at=now_at,
        rebuilt=bool(rebuilt),
    )
    sql = f"""
WITH {"".join(f"{cte}," for cte in rebuilt)}
{joined(stages)},
m AS MATERIALIZED (
    SELECT d.*, (abs(d.old_fit - d.fit) >= {MIN_VISIBLE_CHANGE}
        OR abs(d.old_interest - d.interest) >= {MIN_VISIBLE_CHANGE}
        OR d.old_grade <> d.grade OR d.old_band <> d.band) AS moved
    FROM d
),
{_writes(spec, p, model_id=model_id, line=line, now_at=now_at, rebuilt=bool(rebuilt))}
"""
    return sql, p.values


def _stages(
    spec: engine.ModelSpec,
    base: engine.ModelSpec,
    p: Params,
    *,
    base_model_id: int,
    line: str,
    ids: str,
    now_at: str,
    rebuilt: bool,
) -> list[str]:
    """
    The statement's stages: src (the rows, and their fit parts' matches by rule id), v and u
    (each definition's units, then as columns), r (each rule's raw points), q (its caps), t
    (the sums, hand-raise and breakdown), n (the totals rounded as engine.round_score), d
    (cells, MQL rule, and whether the Python path must take it). Each is computed once per
    row as rows stream through (pricing_sql.stage).
    """
    vectors, units, valid, index = units_columns(spec.definition_tags.values())
    priced = RuleColumns()
    fit_rules(spec, base, p, priced)
    interest_rules(spec, index, p, priced)
    fit, fit_capped = cap("fit_sum", spec.fit_cap, p)
    interest, interest_capped = cap("interest_sum", spec.interest_cap, p)
    upper, _ = cap(f"(gains + {_QUALIFY_MARGIN})", spec.interest_cap, p)
    hand_raise = "".join(f" WHEN {present} THEN {name}" for present, name in priced.hand_raises)
    grade, band = cells(spec, "n.fit", "n.interest", p)
    half_life = p.add(float(spec.half_life_days), "::float8")
    tags = p.add(sorted(index), "::text[]")
    src = f"""SELECT x.id, x.contact_id, x.old_fit, x.old_interest, x.old_grade, x.old_band,
        x.old_breakdown, x.next_change_at, x.d, {fit_matches("x.fit_parts")} AS fm,
        -- The batch's open qualifications, found once by contact (per row, the planner
        -- walked every qualification of the line).
        x.contact_id IN (
            SELECT o.contact_id FROM {Qualification._meta.db_table} AS o
            WHERE o.contact_id = ANY({ids}) AND o.line_id = {line} AND o.closed_at IS NULL
        ) AS open_qualification
    FROM (
        SELECT s.id, s.contact_id, s.fit AS old_fit, s.interest AS old_interest,
            s.grade AS old_grade, s.band AS old_band, s.breakdown AS old_breakdown,
            {_stored_or_rebuilt() if rebuilt else f"s.next_change_at, {unpacked()}"}
        FROM {ContactScore._meta.db_table} AS s
            {"LEFT JOIN merged AS mu ON mu.id = s.id" if rebuilt else ""}
        WHERE s.line_id = {line} AND s.contact_id = ANY({ids})
            AND s.scoring_model_id = {p.add(base_model_id)}
            AND s.fit_key = {p.add(base.fit_key)}
        OFFSET 0
    ) AS x
    -- Units of every definition the rules count: after a definition change, a score without
    -- the new one is left at once (the Python path builds it from the history).
    WHERE {units_usable(half_life, tags)}"""
    sums = f"""SELECT q.id, q.contact_id, q.old_fit, q.old_interest, q.old_grade, q.old_band,
        q.old_breakdown, q.next_change_at, q.open_qualification, q.fit_sum, q.interest_sum,
        q.gains, (0::float8 - {sum_of(priced.interest_points, "<")}) AS losses,
        CASE{hand_raise or " WHEN false THEN ''"} ELSE '' END AS hand_raise,
        ('{{"fit":' || {_array(priced.fit_parts)}
            || ',"interest":' || {_array(priced.interest_parts)}
            || ',"fit_cap_applied":' || ({fit_capped})::text
            || ',"interest_cap_applied":'
            || ({interest_capped})::text
            || '}}')::jsonb AS breakdown
    FROM (
        SELECT q.*, {sum_of(priced.fit_points)} AS fit_sum,
            {sum_of(priced.interest_points)} AS interest_sum,
            {sum_of(priced.interest_points, ">")} AS gains
        FROM q
        OFFSET 0
    ) AS q"""
    cells_and_path = f"""SELECT n.*, {grade} AS grade, {band} AS band,
        {meets(spec, "n.fit", "n.interest", p)} AS meets,
        coalesce(coalesce(n.next_change_at <= {now_at}, false) OR n.hand_raise <> ''
            OR {meets(spec, "n.fit", "n.interest_upper", p)}
            OR n.open_qualification, true) AS left_to_python
    FROM n"""
    totals = f"""SELECT t.*, {round_total(fit)} AS fit, {round_total(interest)} AS interest,
        {upper} AS interest_upper
    FROM t"""
    return [
        stage("src", src),
        stage("v", f"SELECT src.*{columns(vectors)} FROM src"),
        stage("u", f"SELECT v.*{columns(units)} FROM v WHERE {' AND '.join(valid) or 'true'}"),
        stage("r", f"SELECT u.*{columns(priced.raw)} FROM u"),
        stage("q", f"SELECT r.*{columns(priced.capped)} FROM r"),
        stage("t", sums),
        stage("n", totals),
        stage("d", cells_and_path),
    ]


def _writes(
    spec: engine.ModelSpec, p: Params, *, model_id: int, line: str, now_at: str, rebuilt: bool
) -> str:
    """
    The statement's writes, from m (the priced rows, stored: three parts read it): the scores
    re-priced here (with their rebuilt states and units, if any), the rebuilt rows left to the
    Python path (their states and units alone), the timeline entries of the scores that moved;
    then what it returns.
    """
    merged = "LEFT JOIN merged AS mu ON mu.id = m.id" if rebuilt else ""
    return f"""written AS (
    UPDATE {ContactScore._meta.db_table} AS s SET scoring_model_id = {p.add(model_id)},
        fit = m.fit, interest = m.interest, grade = m.grade, band = m.band,
        meets_threshold = m.meets, hand_raise_rule = m.hand_raise, interest_gains = m.gains,
        interest_losses = m.losses, fit_key = {p.add(spec.fit_key)},
        priced_key = {p.add(spec.price_key)}, breakdown = m.breakdown,
        {_rebuilt_written() if rebuilt else ""}
        version = s.version + 1
    FROM m {merged}
    WHERE s.id = m.id AND NOT m.left_to_python
),
{_rebuilt_alone() if rebuilt else ""}
timeline AS (
    INSERT INTO {ScoreChange._meta.db_table} (contact_id, line_id, occurred_at, reason, detail,
        activity_id, fit_before, fit_after, interest_before, interest_after, cell_before,
        cell_after)
    SELECT d.contact_id, {line}, {now_at}, {p.add(str(ChangeReason.RULE_CHANGE))}, {_detail()},
        NULL, d.old_fit, d.fit, d.old_interest, d.interest, d.old_grade || d.old_band,
        d.grade || d.band
    FROM m AS d WHERE d.moved AND NOT d.left_to_python
)
SELECT m.contact_id, m.left_to_python, m.moved, {"mu.id IS NOT NULL" if rebuilt else "false"}
FROM m {merged}
{_rebuilt_unread() if rebuilt else ""}"""


@dataclass(frozen=True)
class Rebuild:
    """A rule whose definition the scores lacking it get rebuilt (refold_sql.refold_ctes)."""

    rule: engine.Rule
    # The ids of the activities it counts, when it does not match on the kind alone.
    matching: list[int] | None = None


def _stored_or_rebuilt() -> str:
    """A row's next change and unpacked units: rebuilt (merged, as mu) or as stored."""
    rebuilt = "mu.id IS NOT NULL"
    return f"""CASE WHEN {rebuilt} THEN mu.next_change ELSE s.next_change_at END AS next_change_at,
            CASE WHEN {rebuilt} THEN mu.d ELSE s.units->'d' END AS d,
            CASE WHEN {rebuilt} THEN mu.h ELSE s.units->'h' END AS h,
            s.breakdown->'fit' AS fit_parts"""


def _rebuilt_written() -> str:
    """The rebuilt states and units (merged, as mu) of a re-priced row, written with its price."""
    rebuilt = "mu.id IS NOT NULL"
    return f"""rule_states = CASE WHEN {rebuilt} THEN mu.states ELSE s.rule_states END,
        units = CASE WHEN {rebuilt} THEN jsonb_build_object('d', mu.d, 'h', mu.h)
            ELSE s.units END,
        next_change_at = CASE WHEN {rebuilt} THEN mu.next_change ELSE s.next_change_at END,"""


def _rebuilt_alone() -> str:
    """The rebuilt states and units of the rows not re-priced here: written alone."""
    return f"""rebuilt_alone AS (
    UPDATE {ContactScore._meta.db_table} AS s SET {refold_sql.rebuilt_columns("mu")},
        version = s.version + 1
    FROM merged AS mu
    WHERE s.id = mu.id AND mu.id NOT IN (SELECT m.id FROM m WHERE NOT m.left_to_python)
),"""


def _rebuilt_unread() -> str:
    """The rows rebuilt that the re-price did not read (other versions, units it cannot use)."""
    return (
        "UNION ALL SELECT contact_id, true, false, true FROM merged "
        "WHERE id NOT IN (SELECT id FROM m)"
    )
