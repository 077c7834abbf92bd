"""
What-if runs: a draft and the live version replayed over every contact, and the backtest over
the contacts with known outcomes. They write nothing but the run.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Company, Contact, OutcomeResult
from contacts.selectors import contacts_with_outcome
from leadscore.batch_gc import fewer_collections
from scoring import (
    account_engine,
    account_selectors,
    account_whatif,
    backtest,
    engine,
    pricing_sql,
    refold_sql,
    repricing,
    score_reads,
    selectors,
    whatif,
    whatif_sql,
)
from scoring.models import OutcomeLevel, ScoringModel, WhatIfRun, WhatIfStatus
from scoring.services.batch_states import (
    rules_by_definition,
    states_from_history,
    stored_states,
)
from scoring.services.versions import VersionError

WHATIF_CHUNK = 2000


@transaction.atomic
def whatif_run_create(
    *,
    draft: ScoringModel,
    requested_by: AbstractBaseUser | None,
    outcome_level: str = OutcomeLevel.EITHER,
    now: datetime | None = None,
) -> WhatIfRun:
    """Queue a what-if of a draft against the live version (run it with whatif_run_execute)."""
    if not draft.is_draft:
        raise VersionError("A what-if replays a draft; create a draft from this version first.")
    return WhatIfRun.objects.create(
        draft=draft,
        baseline=selectors.live_model(line=draft.line_id),
        outcome_level=OutcomeLevel(outcome_level),
        as_of=now or timezone.now(),
        requested_by=requested_by,
        total=Contact.objects.count(),
    )


def _units_for(
    specs: Sequence[engine.ModelSpec],
    contacts: Sequence[Contact],
    now: datetime,
    *,
    line_id: int,
) -> tuple[dict[int, score_reads.StoredRow], list[dict[int, dict[str, engine.Units]]]]:
    """
    Each contact's units at `now` under each spec: re-priced from the stored units (under the
    draft's line) where a definition is unchanged and they are still valid; else from the
    stored state of that definition; else built from the history (its kinds only), so only a
    draft's new definitions read activities. Returns the stored scores too.
    """
    ids = [c.pk for c in contacts]
    stored = score_reads.stored_scores(ids, line_id=line_id, states=False)
    units: list[dict[int, dict[str, engine.Units]]] = []
    missing: list[dict[int, set[str]]] = []
    first_of: dict[tuple, int] = {}
    for index, spec in enumerate(specs):
        # A draft counting what the live version counts (points, caps, thresholds changed)
        # shares its units: they depend on the definitions and the half-life alone.
        shape = (tuple(sorted(spec.definition_tags)), spec.half_life_days)
        if shape in first_of:
            units.append(units[first_of[shape]])
            missing.append({})
            continue
        first_of[shape] = index
        by_contact, lacking = {}, {}
        for contact_id in ids:
            row = stored.get(contact_id)
            found = score_reads.units_at(spec, row, now=now) if row is not None else {}
            by_contact[contact_id] = found
            if len(found) != len(spec.definition_tags):
                lacking[contact_id] = spec.definition_tags.keys() - found.keys()
        units.append(by_contact)
        missing.append(lacking)
    # States are read only where one may be stored: a definition the stored units never had
    # (a draft's new rule) has no stored state either, and is built from the history.
    needing = {
        contact_id
        for spec, lacking in zip(specs, missing, strict=True)
        for contact_id, keys in lacking.items()
        if keys - repricing.never_stored(spec, _units_of(stored.get(contact_id)), keys)
    }
    raw_of = score_reads.stored_rule_states(needing, line_id=line_id) if needing else {}
    for spec, by_contact, lacking in zip(specs, units, missing, strict=True):
        rules = rules_by_definition(spec)
        states = {pk: stored_states(raw_of.get(pk), keys) for pk, keys in lacking.items()}
        unbuilt = {pk: keys - states[pk].keys() for pk, keys in lacking.items()}
        unbuilt = {pk: keys for pk, keys in unbuilt.items() if keys}
        for pk, built in states_from_history(spec, rules, unbuilt, now).items():
            states[pk].update(built)
        for pk, have in states.items():
            by_contact[pk].update(engine.interest_units(spec, have, now))
    return stored, units


def _units_of(row: score_reads.StoredRow | None) -> Mapping[str, Any] | None:
    return row.units if row is not None else None


def _fit_parts(
    specs: tuple[engine.ModelSpec, engine.ModelSpec],
    contact: Contact,
    stored: score_reads.StoredRow | None,
) -> tuple[list[engine.RuleScore], list[engine.RuleScore]]:
    """
    The contact's fit parts under the live version and the draft: from the stored parts while
    the live fit rules gave them (fit_key), the draft's re-priced from those (rules testing
    something new evaluated); else both evaluated from the profile.
    """
    live_spec, draft_spec = specs
    if stored is None or stored.fit_key != live_spec.fit_key:
        profile = selectors.profile_of(contact)
        return engine.fit_parts_of(live_spec, profile), engine.fit_parts_of(draft_spec, profile)
    live = [engine.RuleScore.from_json(p) for p in stored.fit_parts or ()]
    draft = repricing.fit_parts_from(
        draft_spec, live_spec, live, functools.partial(selectors.profile_of, contact)
    )
    return live, draft


def _observations(
    specs: Sequence[engine.ModelSpec],
    contacts: Sequence[Contact],
    outcomes: dict[int, tuple[bool, datetime]],
    kinds: set[str],
) -> list[list[Any]]:
    """The backtest: contacts with an outcome, scored by each spec as of their outcome."""
    decided = [c for c in contacts if c.pk in outcomes]
    if not decided:
        return []
    events = selectors.events_by_contact([c.pk for c in decided], kinds=kinds)
    rows = []
    for contact in decided:
        won, at = outcomes[contact.pk]
        profile = selectors.profile_of(contact)
        history = events.get(contact.pk, ())
        rows.append(
            [
                backtest.observation_to_json(
                    backtest.observe(
                        contact.pk, won, at, engine.evaluate(spec, profile, history, at)
                    )
                )
                for spec in specs
            ]
        )
    return rows


def _account_comparison(run: WhatIfRun, now: datetime) -> account_whatif.AccountWhatIf:
    """Accounts under both versions (a draft's account rules and MQA settings included)."""
    draft = account_selectors.account_spec(run.draft)
    live = (
        account_selectors.account_spec(run.baseline)
        if run.baseline
        else account_engine.AccountSpec(mqa_fit=math.inf)
    )
    return account_whatif.AccountWhatIf(live=live, draft=draft, now=now)


def _replayed(
    specs: tuple[engine.ModelSpec, engine.ModelSpec],
    contacts: Sequence[Contact],
    now: datetime,
    *,
    line_id: int,
) -> dict[int, tuple[engine.Score, engine.Score]]:
    """The Python replay: each contact's whole score under the live version and the draft."""
    if not contacts:
        return {}
    live_spec, draft_spec = specs
    stored, (live_units, draft_units) = _units_for(specs, contacts, now, line_id=line_id)
    scores = {}
    for contact in contacts:
        live_fit, draft_fit = _fit_parts(specs, contact, stored.get(contact.pk))
        live = engine.combine(
            live_spec, live_fit, engine.priced_parts(live_spec, live_units[contact.pk]), now
        )
        draft = engine.combine(
            draft_spec, draft_fit, engine.priced_parts(draft_spec, draft_units[contact.pk]), now
        )
        scores[contact.pk] = (live, draft)
    return scores


def _priced_in_sql(
    specs: tuple[engine.ModelSpec, engine.ModelSpec],
    contact_ids: list[int],
    now: datetime,
    *,
    live_model_id: int,
    line_id: int,
) -> dict[int, tuple[whatif.Priced, whatif.Priced]]:
    """
    On PostgreSQL, the contacts whose stored scores the SQL what-if prices (whatif_sql), with
    both versions' prices; the others are the Python replay's.
    """
    live_spec, draft_spec = specs
    rules = rules_by_definition(draft_spec)
    # The draft's new definitions, built in the statement from the history.
    fold = {key: rules[key] for key in _new_keys(specs)}
    try:
        whatif_sql.check_comparable(live_spec, draft_spec)
        sql, params = whatif_sql.whatif_statement(
            live_spec,
            draft_spec,
            live_model_id=live_model_id,
            line_id=line_id,
            contact_ids=contact_ids,
            now=now,
            fold=fold,
            matching=_matching(fold, contact_ids, now),
        )
    except pricing_sql.NotPriceable:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return whatif_sql.priced_pairs(live_spec, draft_spec, cursor.fetchall())


def _new_keys(specs: tuple[engine.ModelSpec, engine.ModelSpec]) -> set[str]:
    """The draft's definitions the live version lacks: no stored score has them."""
    live_spec, draft_spec = specs
    live_tags = set(live_spec.definition_tags.values())
    return {key for key, tag in draft_spec.definition_tags.items() if tag not in live_tags}


def _matching(
    fold: dict[str, engine.Rule], contact_ids: list[int], now: datetime
) -> dict[str, list[int]]:
    """
    For the new definitions that test more than the activity kind, the ids of the contacts'
    activities each counts at `now` (refold_sql.matching_activity_ids), within its window.
    """
    matching = {}
    for key, rule in fold.items():
        if refold_sql.matches_on_kind(rule):
            continue
        since = now - timedelta(days=rule.window_days) if rule.window_days is not None else None
        matching[key] = refold_sql.matching_activity_ids(rule, contact_ids, since=since)
    return matching


def _in_sql() -> bool:
    """Does the SQL what-if serve (PostgreSQL)? Tests turn it off to compare both paths."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class _Row:
    """A contact as the comparison reads it: no model instance for the contacts SQL prices."""

    pk: int
    name: str
    job_title: str
    company_id: int | None

    FIELDS = ("pk", "first_name", "last_name", "email", "job_title", "company_id")

    @classmethod
    def of(cls, pk, first_name, last_name, email, job_title, company_id) -> _Row:
        name = Contact.display_name(first_name, last_name, email, pk)
        return cls(pk, name, job_title, company_id)


class _Companies(dict):
    """Each company's name and account profile, read once per run (by id, as batches need)."""

    def load(self, ids: set[int]) -> None:
        missing = ids - self.keys()
        for company in Company.objects.filter(pk__in=missing):
            self[company.pk] = (company.name, account_selectors.company_profile(company))


def _compare_batch(
    run: WhatIfRun,
    specs: tuple[engine.ModelSpec, engine.ModelSpec],
    rows: Sequence[_Row],
    loaded: Mapping[int, Contact],
    *,
    comparison: whatif.WhatIf,
    accounts: account_whatif.AccountWhatIf,
    companies: _Companies,
) -> None:
    """
    Price a batch of contacts under both versions and add them to both comparisons. `loaded`
    holds the model instances read already (for the backtest); the Python replay reads the
    rest of those it takes.
    """
    now, line_id = run.as_of, run.draft.line_id
    priced = {}
    if run.baseline_id is not None and _in_sql():
        ids = [row.pk for row in rows]
        priced = _priced_in_sql(specs, ids, now, live_model_id=run.baseline_id, line_id=line_id)
    rest = [row.pk for row in rows if row.pk not in priced]
    unread = [pk for pk in rest if pk not in loaded]
    contacts = {
        **loaded,
        **Contact.objects.select_related("company").in_bulk(unread),
    }
    # A contact deleted since the batch was read is left out, as if read after.
    found = [contacts[pk] for pk in rest if pk in contacts]
    replayed = _replayed(specs, found, now, line_id=line_id)
    for pk, (live, draft) in replayed.items():
        priced[pk] = (whatif.Priced.of(live), whatif.Priced.of(draft))
    companies.load({row.company_id for row in rows if row.company_id})
    for row in (row for row in rows if row.pk in priced):
        live, draft = priced[row.pk]
        comparison.add(row.pk, row.name, live, draft)
        if row.company_id:
            company_name, profile = companies[row.company_id]
            accounts.add(
                company_id=row.company_id,
                company_name=company_name,
                company=profile,
                contact_id=row.pk,
                name=row.name,
                job_title=row.job_title,
                live=live,
                draft=draft,
            )


def _complete_leads(
    run: WhatIfRun, specs: tuple[engine.ModelSpec, engine.ModelSpec], comparison: whatif.WhatIf
) -> None:
    """The leads the result shows that SQL priced get their whole scores (for their reasons)."""
    ids = comparison.incomplete()
    if not ids:
        return
    contacts = list(Contact.objects.select_related("company").filter(pk__in=ids))
    replayed = _replayed(specs, contacts, run.as_of, line_id=run.draft.line_id)
    for pk, (live, draft) in replayed.items():
        comparison.complete(pk, live, draft)


@fewer_collections()
def whatif_run_execute(*, run_id: int, chunk: int = WHATIF_CHUNK) -> WhatIfRun:
    """
    Compare the draft with the live version over every stored contact at the run's moment, and
    over the contacts with known outcomes at their outcome's moment (the backtest). On
    PostgreSQL most contacts are priced in one statement per batch from their stored units
    (whatif_sql); the rest are replayed in Python, where stored rule states serve every
    definition the draft shares with them, so only a draft's new definitions read activities.
    The backtest replays the decided contacts' history. Writes nothing but the run: no score,
    no qualification, no timeline entry.
    """
    run = WhatIfRun.objects.select_related("draft", "baseline").get(pk=run_id)
    run.status, run.started_at = WhatIfStatus.RUNNING, timezone.now()
    run.total = Contact.objects.count()
    run.save(update_fields=["status", "started_at", "total"])
    try:
        draft_spec = selectors.model_spec(run.draft)
        # Without a live version, the draft is compared with a model that gives no points.
        live_spec = (
            selectors.model_spec(run.baseline)
            if run.baseline
            else engine.ModelSpec(rules=(), mql_fit=math.inf, mql_interest=math.inf)
        )
        specs = (live_spec, draft_spec)
        kinds = selectors.scored_kinds(live_spec) | selectors.scored_kinds(draft_spec)
        outcomes = {
            pk: (result == OutcomeResult.WON, at)
            for pk, result, at in contacts_with_outcome(level=run.outcome_level).values_list(
                "pk", "outcome_result", "outcome_at"
            )
        }
        comparison = whatif.WhatIf(now=run.as_of)
        accounts = _account_comparison(run, run.as_of)
        observations = []
        done, last_id, companies = 0, 0, _Companies()
        while True:
            rows = [
                _Row.of(*values)
                for values in Contact.objects.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list(*_Row.FIELDS)[:chunk]
            ]
            if not rows:
                break
            decided = [row.pk for row in rows if row.pk in outcomes]
            loaded = Contact.objects.select_related("company").order_by("pk").in_bulk(decided)
            _compare_batch(
                run,
                specs,
                rows,
                loaded,
                comparison=comparison,
                accounts=accounts,
                companies=companies,
            )
            observations += _observations(specs, list(loaded.values()), outcomes, kinds)
            last_id = rows[-1].pk
            done += len(rows)
            WhatIfRun.objects.filter(pk=run.pk).update(done=done)
        _complete_leads(run, specs, comparison)
    except Exception as exc:
        run.status, run.error, run.finished_at = WhatIfStatus.FAILED, repr(exc), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.result = {**comparison.result(), "accounts": accounts.result()}
    run.observations = observations
    run.done = done
    run.status, run.finished_at = WhatIfStatus.DONE, timezone.now()
    run.save(update_fields=["result", "observations", "done", "status", "finished_at"])
    return run
