"""
The SQL side of a rescore slice (PostgreSQL): the states of new rule definitions rebuilt from
the history (scoring.refold_sql) and the stored scores re-priced under the run's rules
(scoring.repricing_sql), for the contacts the slice holds locked; after the usual rule change
one statement does both, writing each row once. What these leave (SQLite, rows of another
shape, a price that may qualify) goes to the Python path
(scoring.services.rescoring.score_batch).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Min

from scoring import engine, pricing_sql, refold_sql, repricing_sql, selectors
from scoring.models import ContactScore, ScoringModel
from scoring.repricing_sql import Rebuild
from scoring.services.batch_states import rules_by_definition


def _refold(
    model: ScoringModel, spec: engine.ModelSpec, rebuilds: dict[str, Rebuild], ids: list[int]
) -> set[str]:
    """
    Rebuild in SQL the states of these new definitions that the stored scores of these locked
    contacts lack (refold_sql), one statement each, so that the re-price can take those
    scores; returns the definitions it rebuilt for some score. Scores it cannot rebuild (units
    of another half-life) keep lacking them, and the Python path builds them.
    """
    done = set()
    for key, rebuild in sorted(rebuilds.items()):
        sql, params = refold_sql.refold_statement(
            spec, rebuild.rule, line_id=model.line_id, contact_ids=ids, matching=rebuild.matching
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.fetchall():
                done.add(key)
    return done


def _lacking(
    model: ScoringModel, spec: engine.ModelSpec, keys: frozenset[str], ids: list[int]
) -> set[str]:
    """
    Of these definitions, those some stored score of these contacts lacks, in one pass over
    the rows (a run's first slice after a publish asks for every definition: most have all).
    """
    tag_of = {spec.definition_tags[key]: key for key in keys}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT DISTINCT t FROM (
                    SELECT s.units->'d' AS d FROM {ContactScore._meta.db_table} AS s
                    WHERE s.line_id = %s AND s.contact_id = ANY(%s)
                        AND jsonb_typeof(s.units->'d') = 'object'
                    OFFSET 0
                ) AS x, unnest(%s::text[]) AS t
                WHERE NOT x.d ? t""",
            [model.line_id, ids, sorted(tag_of)],
        )
        return {tag_of[tag] for (tag,) in cursor.fetchall()}


def _matching(model: ScoringModel, rule: engine.Rule, tag: str, ids: list[int]) -> list[int] | None:
    """
    The ids of the activities a rule with conditions (or a custom kind) counts, of these
    contacts whose scores lack its definition, tested in Python (refold_sql.matching_ids): one
    read of its kind, from the earliest moment their scores' windows reach back to. None when
    every score has it.
    """
    lacking = ContactScore.objects.filter(line_id=model.line_id, contact_id__in=ids).exclude(
        units__d__has_key=tag
    )
    found = lacking.aggregate(first=Min("scored_at"), n=Count("id"))
    if not found["n"]:
        return None
    since = None
    if rule.window_days is not None:
        since = found["first"] - timedelta(days=rule.window_days)
    contacts = lacking.values_list("contact_id", flat=True)
    return refold_sql.matching_activity_ids(rule, contacts, since=since)


def rescore_in_sql(
    model: ScoringModel,
    spec: engine.ModelSpec,
    keys: frozenset[str],
    ids: list[int],
    now: datetime,
) -> tuple[list[int], int, set[str]]:
    """
    Rebuild in SQL (PostgreSQL) the new definitions `keys` that the stored scores of these
    locked contacts lack, and re-price the scores: returns the contacts left to the Python
    path, how many scores moved, and the definitions rebuilt for some score. After the usual
    rule change (one new definition, scores of one version), one statement does both and
    writes each row once; otherwise each definition is rebuilt (_refold), then the scores are
    re-priced.
    """
    if connection.vendor != "postgresql" or not ids:
        return ids, 0, set()
    # One new definition (a rule changed): its statement finds the scores that lack it itself.
    # Of several (a publish), those some score lacks: most have all, or all but one.
    lacking = sorted(keys if len(keys) <= 1 else _lacking(model, spec, keys, ids))
    rebuilds = {key: r for key in lacking if (r := _rebuild(model, spec, key, ids)) is not None}
    bases = [
        (base_model_id, base_spec(model, spec, base_model_id, fit_key))
        for base_model_id, fit_key in _written_by(model, ids)
    ]
    if len(rebuilds) <= 1 and len(bases) == 1 and bases[0][1] is not None:
        (base_model_id, base), rebuild = bases[0], next(iter(rebuilds.values()), None)
        done = _reprice(model, spec, base, base_model_id, ids, now, rebuild)
        if done is not None:
            left, moved, rebuilt = done
            return [i for i in ids if i in left], moved, set(rebuilds) if rebuilt else set()
    refolded = _refold(model, spec, rebuilds, ids)
    left, moved = set(ids), 0
    for base_model_id, base in bases:
        done = _reprice(model, spec, base, base_model_id, ids, now) if base else None
        if done is not None:
            left -= set(ids) - done[0]
            moved += done[1]
    return [i for i in ids if i in left], moved, refolded


def _written_by(model: ScoringModel, ids: list[int]) -> list[tuple[int, str]]:
    """The versions and fit rules (their key) these contacts' stored scores were written with."""
    return list(
        ContactScore.objects.filter(line_id=model.line_id, contact_id__in=ids)
        .values_list("scoring_model_id", "fit_key")
        .distinct()
    )


def _rebuild(
    model: ScoringModel, spec: engine.ModelSpec, key: str, ids: list[int]
) -> Rebuild | None:
    """What the re-price must rebuild of this new definition first; None when no score lacks it."""
    rule = rules_by_definition(spec)[key]
    if refold_sql.matches_on_kind(rule):
        return Rebuild(rule)  # the statement finds the scores that lack it
    matching = _matching(model, rule, spec.definition_tags[key], ids)
    return None if matching is None else Rebuild(rule, matching)


def _reprice(
    model: ScoringModel,
    spec: engine.ModelSpec,
    base: engine.ModelSpec,
    base_model_id: int,
    ids: list[int],
    now: datetime,
    rebuild: Rebuild | None = None,
) -> tuple[set[int], int, bool] | None:
    """
    Re-price (repricing_sql) the scores of these contacts written by one version with `base`'s
    fit rules, after rebuilding a definition if asked: the contacts it leaves to the Python
    path (all those it did not price), how many moved, whether it rebuilt any. None when these
    rules are not priceable in SQL (nothing was written).
    """
    try:
        sql, params = repricing_sql.reprice_statement(
            spec,
            base,
            model_id=model.pk,
            base_model_id=base_model_id,
            line_id=model.line_id,
            contact_ids=ids,
            now=now,
            rebuild=rebuild,
        )
    except pricing_sql.NotPriceable:
        return None  # the Python path prices them
    left, moved, rebuilt = set(ids), 0, False
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for contact_id, to_python, score_moved, was_rebuilt in cursor.fetchall():
            if not to_python:
                left.discard(contact_id)
                moved += score_moved
            rebuilt |= was_rebuilt
    return left, moved, rebuilt


def base_spec(
    model: ScoringModel, spec: engine.ModelSpec, base_model_id: int, fit_key: str
) -> engine.ModelSpec | None:
    """
    The rules scores written by this version with these fit rules were priced with, when the
    SQL re-price can carry their fit parts over: the model itself (fit rules unchanged), or
    the version a publish replaced. None when those rules are gone (edited in place).
    """
    if base_model_id == model.pk:
        base = spec
    else:
        written = ScoringModel.objects.filter(pk=base_model_id, line_id=model.line_id).first()
        if written is None:
            return None
        base = selectors.cached_model_spec(written)
    if base.fit_key != fit_key or not pricing_sql.fits_carried(spec, base):
        return None
    return base
