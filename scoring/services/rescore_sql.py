"""
The SQL side of a rescore slice (PostgreSQL): the states of new rule definitions rebuilt from
the history (scoring.refold_sql), then the stored scores re-priced under the run's rules
(scoring.repricing_sql), each one statement per slice, for the contacts the slice holds
locked. What these leave (SQLite, rows of another shape, a price that may qualify) goes to
the Python path (scoring.services.rescoring.score_batch).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Min

from scoring import engine, pricing_sql, refold_sql, repricing_sql, selectors
from scoring.models import ContactScore, ScoringModel
from scoring.services.batch_states import rules_by_definition


def refold_in_sql(
    model: ScoringModel, spec: engine.ModelSpec, keys: frozenset[str], ids: list[int]
) -> set[str]:
    """
    Rebuild in SQL (PostgreSQL) the states of these new definitions that the stored scores of
    these locked contacts lack (refold_sql), so that the re-price can take those scores;
    returns the definitions it rebuilt for some score. Scores it cannot rebuild (units of
    another half-life) keep lacking them, and the Python path builds them.
    """
    if connection.vendor != "postgresql" or not ids or not keys:
        return set()
    rules = rules_by_definition(spec)
    done = set()
    # One new definition (a rule changed): its statement finds the scores that lack it itself.
    for key in sorted(keys if len(keys) == 1 else _lacking(model, spec, keys, ids)):
        rule, matching = rules[key], None
        if not refold_sql.matches_on_kind(rule):
            matching = _matching(model, rule, spec.definition_tags[key], ids)
            if matching is None:
                continue  # every score has it
        sql, params = refold_sql.refold_statement(
            spec, rule, line_id=model.line_id, contact_ids=ids, matching=matching
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


def reprice_in_sql(
    model: ScoringModel, spec: engine.ModelSpec, ids: list[int], now: datetime
) -> tuple[list[int], int]:
    """
    Re-price in SQL (PostgreSQL) the stored scores of these locked contacts that the change
    only re-prices (repricing_sql): one statement per version and fit rules they were written
    with, usually one. Returns the contacts left to the Python path (no score yet, units of
    another shape, fit rules that test something new, a price that may qualify) and how many
    scores moved.
    """
    if connection.vendor != "postgresql" or not ids:
        return ids, 0
    written_by = (
        ContactScore.objects.filter(line_id=model.line_id, contact_id__in=ids)
        .values_list("scoring_model_id", "fit_key")
        .distinct()
    )
    left, moved = set(ids), 0
    for base_model_id, fit_key in written_by:
        base = base_spec(model, spec, base_model_id, fit_key)
        if base is None:
            continue
        try:
            sql, params = repricing_sql.reprice_statement(
                spec,
                base,
                model_id=model.pk,
                base_model_id=base_model_id,
                line_id=model.line_id,
                contact_ids=ids,
                now=now,
            )
        except pricing_sql.NotPriceable:
            continue  # the Python path prices them
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for contact_id, to_python, score_moved in cursor.fetchall():
                if not to_python:
                    left.discard(contact_id)
                    moved += score_moved
    return [i for i in ids if i in left], moved


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
