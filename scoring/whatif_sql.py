"""
What-if in SQL (PostgreSQL): the live version and a draft priced side by side, at the run's
moment, from the units and fit parts stored with each score: the numbers the Python replay
(scoring.services.whatif_runs) gets from repricing.stored_units_at, repricing.fit_parts_from and
engine.combine, for a batch of contacts in one read-only statement. Only the few numbers the
comparison needs come back to Python, not the units.

A stored score is priced here when its units serve both versions at that moment: written by the
live version with its fit rules (fit_key), not changed by time since (before its next change),
units of every definition both versions count, and a draft whose fit rules test nothing the
live ones did not. The points it was priced with do not matter: units count, they do not price
(a score a rescore left untouched keeps the price key of older rules). The statement returns
only those; the caller replays the rest in Python. The rules are priced by the same SQL as a
rescore's re-price (scoring.pricing_sql).

tests/test_scoring_whatif_in_sql_matches_python.py holds the two paths to the same result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from scoring import account_engine, engine, refold_sql
from scoring.models import ContactScore
from scoring.pricing_sql import (
    NotPriceable,
    Params,
    RuleColumns,
    cap,
    cells,
    columns,
    decay_factor,
    fit_matches,
    fit_rules,
    fits_carried,
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
from scoring.refold_sql import NOTHING
from scoring.whatif import Priced

SIDES = ("l", "d")  # column prefixes: the live version, the draft
# Each version's columns in a row, in order (after the contact id, counts and last moments);
# the last three are its cells (grade, band, MQL rule).
_SIDE_COLUMNS = ("fit", "interest", "hand_raise", "engaging", "grade", "band", "meets")


def _side_columns(side: str) -> str:
    return ", ".join(f"n.{side}{name}" for name in _SIDE_COLUMNS[:4])


def tag_index(live: engine.ModelSpec, draft: engine.ModelSpec) -> dict[str, int]:
    """Each definition's index k in the statement's columns (as units_columns numbers them)."""
    tags = set(live.definition_tags.values()) | set(draft.definition_tags.values())
    return {tag: k for k, tag in enumerate(sorted(tags))}


def _decay(p: Params, now: datetime, half_life_days: float) -> str:
    """engine.decay_factor(now - s.scored_at) in SQL."""
    if half_life_days <= 0:
        return "1::float8"
    half_life = p.add(float(half_life_days), "::float8")
    return decay_factor(f"{p.add(now)}::timestamptz", "s.scored_at", half_life)


def _side(spec: engine.ModelSpec, side: str, priced: RuleColumns, p: Params) -> dict[str, str]:
    """A version's sums (stage t) and totals (stage n), as columns prefixed by `side`."""
    fit, _ = cap(f"{side}fit_sum", spec.fit_cap, p)
    interest, _ = cap(f"{side}interest_sum", spec.interest_cap, p)
    hand_raise = "".join(f" WHEN {present} THEN {name}" for present, name in priced.hand_raises)
    least = p.add(float(account_engine.MIN_INTEREST), "::float8")
    engaging = [
        f"CASE WHEN {points} >= {least} THEN {j} END"
        for j, points in enumerate(priced.interest_points)
    ]
    sums = (
        f"{sum_of(priced.fit_points)} AS {side}fit_sum, "
        f"{sum_of(priced.interest_points)} AS {side}interest_sum, "
        f"CASE{hand_raise or ' WHEN false THEN NULL'} ELSE '' END AS {side}hand_raise, "
        f"array_remove(ARRAY[{', '.join(engaging) or 'NULL'}]::int[], NULL) AS {side}engaging"
    )
    totals = f"{round_total(fit)} AS {side}fit, {round_total(interest)} AS {side}interest"
    grade, band = cells(spec, f"n.{side}fit", f"n.{side}interest", p)
    cell = (
        f"{grade} AS {side}grade, {band} AS {side}band, "
        f"{meets(spec, f'n.{side}fit', f'n.{side}interest', p)} AS {side}meets"
    )
    return {"sums": sums, "totals": totals, "cells": cell}


def check_comparable(live: engine.ModelSpec, draft: engine.ModelSpec) -> None:
    """Raise NotPriceable unless stored scores of the live version can serve both versions."""
    if float(live.half_life_days) != float(draft.half_life_days):
        raise NotPriceable("another half-life: the stored units serve one version only")
    if not fits_carried(draft, live):
        raise NotPriceable("a draft fit rule tests what no live fit rule did")


def whatif_statement(
    live: engine.ModelSpec,
    draft: engine.ModelSpec,
    *,
    live_model_id: int,
    line_id: int,
    contact_ids: list[int],
    now: datetime,
    fold: Mapping[str, engine.Rule] | None = None,
    matching: Mapping[str, list[int]] | None = None,
) -> tuple[str, dict[str, Any]]:
    """
    One read-only statement pricing the stored scores of these contacts under both versions at
    `now`; one row (see priced_pairs) per score it can price, none for the others. `fold` are
    the definitions no stored score has (a draft's new rules, by definition key): the statement
    builds their units at `now` from the contacts' history (refold_sql.fold_ctes), of the
    activities `matching` names for a rule that does not match on the kind alone. Raises
    NotPriceable for versions it cannot compare at all (another half-life, a draft's fit rule
    testing something new): the caller replays every contact.

    Stages as in repricing_sql.reprice_statement: src (the rows, their fit matches and decay
    factor), v and u (each definition's units decayed to `now`, as columns), r and q (each
    rule's points, then caps, per version), t (sums), n (totals rounded).
    """
    check_comparable(live, draft)
    p = Params()
    tags = sorted(tag_index(live, draft))
    # Units built at `now` already: not decayed.
    fresh = {draft.definition_tags[key] for key in fold or ()}
    vectors, units, valid, index = units_columns(tags, factor="v.f", fresh=fresh)
    by_side = []
    for side, spec in zip(SIDES, (live, draft), strict=True):
        priced = RuleColumns()
        fit_rules(spec, live, p, priced, side=side)
        interest_rules(spec, index, p, priced, side=side)
        by_side.append((priced, _side(spec, side, priced, p)))
    (live_priced, live_sql), (draft_priced, draft_sql) = by_side
    line, ids, now_at = p.add(line_id), p.add(list(contact_ids)), p.add(now)
    counts = ", ".join(f"c{k}" for k in range(len(index))) or "NULL"
    lasts = ", ".join(f"z{k}" for k in range(len(index))) or "NULL"
    folding, join = _folded_here(draft, fold or {}, matching or {}, p, ids=ids, now_at=now_at)
    # The built units join the stored ones.
    more = "coalesce(nb.u, '{}'::jsonb)" if folding else ""
    src = f"""SELECT x.contact_id, x.d, {fit_matches("x.fit_parts")} AS fm, x.f
    FROM (
        SELECT s.contact_id, {unpacked(more)},
            {_decay(p, now, live.half_life_days)} AS f
        FROM {ContactScore._meta.db_table} AS s {join}
        WHERE s.line_id = {line} AND s.contact_id = ANY({ids})
            AND s.scoring_model_id = {p.add(live_model_id)}
            AND s.fit_key = {p.add(live.fit_key)}
            -- Units exact at now: not before the score, and before its next change.
            AND s.scored_at <= {now_at}
            AND (s.next_change_at IS NULL OR s.next_change_at > {now_at})
        OFFSET 0
    ) AS x
    WHERE {units_usable(p.add(float(live.half_life_days), "::float8"), p.add(tags, "::text[]"))}"""
    well_formed = " AND ".join(valid) or "true"
    stages = [
        *folding,
        stage("src", src),
        stage("v", f"SELECT src.contact_id, src.fm, src.f{columns(vectors)} FROM src"),
        stage("u", f"SELECT v.contact_id, v.fm{columns(units)} FROM v WHERE {well_formed}"),
        stage("r", f"SELECT u.*{columns(live_priced.raw)}{columns(draft_priced.raw)} FROM u"),
        stage("q", f"SELECT r.*{columns(live_priced.capped)}{columns(draft_priced.capped)} FROM r"),
        stage(
            "t",
            f"""SELECT q.contact_id, {live_sql["sums"]}, {draft_sql["sums"]},
        ARRAY[{counts}]::bigint[] AS counts, ARRAY[{lasts}]::text[] AS lasts
    FROM q""",
        ),
        stage("n", f"SELECT t.*, {live_sql['totals']}, {draft_sql['totals']} FROM t"),
    ]
    sql = f"""
WITH {joined(stages)}
SELECT n.contact_id, n.counts, n.lasts,
    {_side_columns("l")}, {live_sql["cells"]},
    {_side_columns("d")}, {draft_sql["cells"]}
FROM n
"""
    return sql, p.values


def _folded_here(
    draft: engine.ModelSpec,
    fold: Mapping[str, engine.Rule],
    matching: Mapping[str, list[int]],
    p: Params,
    *,
    ids: str,
    now_at: str,
) -> tuple[list[str], str]:
    """
    The CTEs that build the `fold` definitions' units at `now` from the history of these
    contacts (refold_sql.fold_ctes), as nb (contact_id, u: their units by tag), and the join
    that brings them to the stored scores; nothing without any.
    """
    if not fold:
        return [], ""
    ctes = [
        f"wr AS (SELECT c AS id, c AS contact_id, {now_at}::timestamptz AS ref "
        f"FROM unnest({ids}) AS c)"
    ]
    pairs, joins = [], []
    for i, (key, rule) in enumerate(sorted(fold.items())):
        ctes += refold_sql.fold_ctes(
            rule,
            draft.half_life_days,
            p,
            rows="wr",
            contact_ids=ids,
            name=f"nf{i}",
            matching=matching.get(key),
        )
        pairs.append(f"{p.add(draft.definition_tags[key])}::text, coalesce(nf{i}.units, {NOTHING})")
        joins.append(f"LEFT JOIN nf{i} ON nf{i}.id = wr.id")
    ctes.append(
        f"nb AS (SELECT wr.contact_id, jsonb_build_object({', '.join(pairs)}) AS u "
        f"FROM wr {' '.join(joins)})"
    )
    return ctes, "LEFT JOIN nb ON nb.contact_id = s.contact_id"


def _priced(
    spec: engine.ModelSpec,
    index: dict[str, int],
    side: Sequence[Any],
    counts: Sequence[int],
    lasts: Sequence[str],
) -> Priced:
    """
    One version's columns of a statement's row as a Priced: the numbers, and the account's
    facts (account_engine.member_signals and last_engaged) from the interest rules whose
    points count for the account, with what their definitions counted.
    """
    fit, interest, hand_raise, engaging, grade, band, meets_threshold = side
    rules = spec.keyed_interest_rules
    signals, moments = [], []
    for j in engaging:
        rule, key = rules[j]
        k = index[spec.definition_tags[key]]
        signals.append((rule.name, counts[k]))
        if lasts[k]:
            moments.append(datetime.fromisoformat(lasts[k]))
    return Priced(
        fit=fit,
        interest=interest,
        grade=grade,
        band=band,
        meets_threshold=meets_threshold,
        hand_raise_rule=hand_raise,
        signals=tuple(signals),
        last_engaged_at=max(moments) if moments else None,
    )


def priced_pairs(
    live: engine.ModelSpec, draft: engine.ModelSpec, rows: list[tuple]
) -> dict[int, tuple[Priced, Priced]]:
    """The statement's rows as each contact's (live, draft) prices, by contact id."""
    index = tag_index(live, draft)
    width = len(_SIDE_COLUMNS)
    return {
        contact_id: (
            _priced(live, index, rest[:width], counts, lasts),
            _priced(draft, index, rest[width:], counts, lasts),
        )
        for contact_id, counts, lasts, *rest in rows
    }
