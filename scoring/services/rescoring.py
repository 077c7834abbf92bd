"""
Rescoring: folding activities into rule states and writing scores, in the transaction that
changed the data.

One path scores a batch of locked contacts (score_batch): recording activities folds just the
new activities into the stored states; a profile change only re-finishes; a rule change
rebuilds only the rule definitions whose state is missing (engine.definition_key), so a points,
cap or threshold change reads no activity. Full rescores run it in chunks (rescore_runs);
score_rows writes what it finished. Every writer first locks the contacts' rows (in id order)
and bumps ContactScore.version, so no writer overwrites a newer score.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from contacts.models import Activity, Contact, LifecycleStage
from scoring import engine, recycling, selectors
from scoring.models import (
    ChangeReason,
    ContactScore,
    OutboxTopic,
    Qualification,
    ScoreChange,
    ScoringModel,
)
from scoring.services.outbox import outbox_publish_ids
from scoring.services.qualification import qualification_update
from scoring.services.score_rows import score_row, scores_upsert, timeline_entry

logger = logging.getLogger(__name__)

CHUNK = 1000


@dataclass
class BatchResult:
    changed: int = 0
    newly_qualified: int = 0
    released: int = 0
    refolded_contacts: int = 0  # contacts whose states were (partly) rebuilt from history
    refolded: set[str] = field(default_factory=set)  # the definitions rebuilt
    scores: list[ContactScore] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        self.changed += other.changed
        self.newly_qualified += other.newly_qualified
        self.released += other.released
        self.refolded_contacts += other.refolded_contacts
        self.refolded |= other.refolded


def rules_by_definition(spec: engine.ModelSpec) -> dict[str, engine.Rule]:
    """One rule per interest rule definition: rules that share a definition share a state."""
    rules: dict[str, engine.Rule] = {}
    for rule, key in spec.keyed_interest_rules:
        rules.setdefault(key, rule)
    return rules


def stored_states(
    stored: ContactScore | None, keys: Iterable[str], *, skip: Iterable[str] = ()
) -> dict[str, engine.RuleState]:
    """The stored states of these definitions (others are not carried over)."""
    raw = stored.rule_states if stored is not None else {}
    wanted = set(keys) - set(skip)
    return {k: engine.RuleState.from_json(v) for k, v in raw.items() if k in wanted and v}


def states_from_history(
    spec: engine.ModelSpec,
    rules: dict[str, engine.Rule],
    missing: dict[int, set[str]],
    now: datetime,
) -> dict[int, dict[str, engine.RuleState]]:
    """
    Build the missing states from the stored activities: one query for the kinds (and windows)
    those definitions read, for the contacts that miss them.
    """
    needed = {key for keys in missing.values() for key in keys}
    if not needed:
        return {}
    partial = engine.ModelSpec(rules=tuple(rules[k] for k in needed))
    events = selectors.events_by_contact(missing, **selectors.event_query(partial, now=now))
    built = {}
    for contact_id, keys in missing.items():
        states: dict[str, engine.RuleState] = {}
        engine.fold_all(
            spec, states, events.get(contact_id, ()), now, rules=[rules[k] for k in keys]
        )
        built[contact_id] = states
    return built


def _recycled_held_back(
    contacts: Sequence[Contact],
    scores: dict[int, engine.Score],
    open_qualifications: dict[int, Qualification],
    spec: engine.ModelSpec,
    now: datetime,
) -> set[int]:
    """
    Recycled leads that meet the MQL rule but earned nothing new since they were recycled
    (scoring.recycling): they stay scored, not qualified. One query for their recent history.
    """
    candidates = [
        c
        for c in contacts
        if c.lifecycle_stage == LifecycleStage.RECYCLED
        and c.pk not in open_qualifications
        and scores[c.pk].qualifies
    ]
    recycled = recycling.recycled_since(c.pk for c in candidates)
    if not recycled:
        return set()
    kinds = selectors.scored_kinds(spec)
    since = min(recycled.values())
    recent = selectors.events_by_contact(
        list(recycled), kinds=kinds, since=dict.fromkeys(kinds, since)
    )
    return {
        c.pk
        for c in candidates
        if c.pk in recycled
        and not recycling.recycled_lead_requalifies(
            spec=spec,
            profile=selectors.profile_of(c),
            events=recent.get(c.pk, ()),
            recycled_at=recycled[c.pk],
            now=now,
        )
    }


def _fit_parts(
    spec: engine.ModelSpec, contact: Contact, stored: ContactScore | None, profile_changed: bool
) -> list[engine.RuleScore]:
    """The contact's fit parts: the stored ones while nothing they depend on changed."""
    if stored is not None and not profile_changed and stored.fit_key == spec.fit_key:
        return [engine.RuleScore.from_json(p) for p in stored.breakdown.get("fit", [])]
    return engine.fit_parts_of(spec, selectors.profile_of(contact))


def _fold_new(
    spec: engine.ModelSpec,
    rules: dict[str, engine.Rule],
    states: dict[str, engine.RuleState],
    events: Sequence[engine.Event],
    rebuilt: set[str],
    now: datetime,
) -> set[str]:
    """
    Fold a contact's new activities into the states of the definitions that count their kinds
    (histories just rebuilt already hold them: same transaction). Returns the keys changed.
    """
    kinds = {event.kind for event in events}
    keys = {k for k, rule in rules.items() if k not in rebuilt and rule.activity_kind in kinds}
    engine.fold_all(spec, states, events, now, rules=[rules[k] for k in keys])
    return keys | rebuilt


def score_batch(
    *,
    model: ScoringModel,
    spec: engine.ModelSpec,
    contacts: Sequence[Contact],
    reason: str,
    now: datetime,
    release: bool,
    new_events: dict[int, list[engine.Event]] | None = None,
    refold: Iterable[str] = (),
    activity_id: int | None = None,
    profile_changed: bool = True,
) -> BatchResult:
    """
    Score contacts whose rows the caller has locked: fold `new_events` into their stored
    states, rebuild the states of `refold` and of definitions they lack from the history,
    finish at `now`, and store scores, timeline entries and qualifications. States nothing
    changed are stored as they were read (no re-encoding); unless the caller says the profiles
    may have changed, fit parts are reused while the fit rules are the same (fit_key).
    """
    result = BatchResult()
    rules = rules_by_definition(spec)
    existing = selectors.stored_scores([c.pk for c in contacts], line_id=model.line_id)
    states_of: dict[int, dict[str, engine.RuleState]] = {}
    missing: dict[int, set[str]] = {}
    for contact in contacts:
        states = stored_states(existing.get(contact.pk), rules, skip=refold)
        states_of[contact.pk] = states
        if rules.keys() - states.keys():
            missing[contact.pk] = set(rules) - states.keys()
    for contact_id, built in states_from_history(spec, rules, missing, now).items():
        states_of[contact_id].update(built)
    result.refolded_contacts = len(missing)
    result.refolded = {key for keys in missing.values() for key in keys}
    open_qualifications = {
        q.contact_id: q
        for q in Qualification.objects.filter(
            contact_id__in=[c.pk for c in contacts], line_id=model.line_id, closed_at__isnull=True
        )
    }
    scores, changed_keys = {}, {}
    for contact in contacts:
        states, stored = states_of[contact.pk], existing.get(contact.pk)
        events = (new_events or {}).get(contact.pk, ())
        rebuilt = missing.get(contact.pk, set())
        changed_keys[contact.pk] = _fold_new(spec, rules, states, events, rebuilt, now)
        scores[contact.pk] = engine.combine(
            spec,
            _fit_parts(spec, contact, stored, profile_changed),
            engine.interest_parts(spec, states, now),
            now,
        )
    held = _recycled_held_back(contacts, scores, open_qualifications, spec, now)
    rows, changes = [], []
    for contact in contacts:
        states, score = states_of[contact.pk], scores[contact.pk]
        stored = existing.get(contact.pk)
        version = (stored.version if stored else 0) + 1
        raw = _raw_states(stored, states, changed_keys[contact.pk])
        rows.append(score_row(contact, model, spec, score, states, raw, version=version, now=now))
        change = timeline_entry(
            contact,
            stored,
            score,
            line_id=model.line_id,
            reason=reason,
            now=now,
            activity_id=activity_id,
        )
        if change is not None:
            changes.append(change)
            result.changed += stored is not None
        if contact.pk in held:
            continue  # scored and stored; a recycled lead is not an MQL again yet
        qualified, released = qualification_update(
            contact=contact,
            score=score,
            model=model,
            now=now,
            release=release,
            open_qualification=open_qualifications.get(contact.pk),
        )
        result.newly_qualified += qualified
        result.released += released
    scores_upsert(rows)
    ScoreChange.objects.bulk_create(changes)
    result.scores = rows
    return result


def _raw_states(
    stored: ContactScore | None, states: dict[str, engine.RuleState], changed: set[str]
) -> dict[str, Any]:
    """The states as stored JSON: re-encoded where they changed, as read where they did not."""
    raw = stored.rule_states if stored is not None else {}
    return {
        key: raw[key] if key not in changed and key in raw else state.to_json()
        for key, state in states.items()
    }


def locked_contacts(ids: Sequence[int], *, skip_locked: bool = False) -> list[Contact]:
    """
    The contacts, their rows locked in id order (so two writers never deadlock on them): the
    one lock every score writer takes before it reads a stored score.
    """
    return list(
        Contact.objects.select_related("company")
        .select_for_update(of=("self",), skip_locked=skip_locked)
        .filter(pk__in=ids)
        .order_by("pk")
    )


def _events(activities: Iterable[Activity]) -> dict[int, list[engine.Event]]:
    grouped: dict[int, list[engine.Event]] = defaultdict(list)
    for a in activities:
        grouped[a.contact_id].append(
            engine.Event(a.pk, a.kind, a.occurred_at, a.properties or {}, a.custom_kind)
        )
    return grouped


def _models_to_score(
    contact_ids: Sequence[int], events: dict[int, list[engine.Event]], *, reason: str
) -> list[tuple[ScoringModel, engine.ModelSpec]]:
    """
    The live models (one per line) these contacts must be scored under now. New activities
    concern only the models with a rule for their kinds, and those that have not scored
    every one of the contacts yet; a profile change or a rebuild concerns every model.
    """
    models = [(m, selectors.cached_model_spec(m)) for m in selectors.live_models()]
    if reason != ChangeReason.NEW_ACTIVITY or not events:
        return models
    kinds = {event.kind for batch in events.values() for event in batch}
    wanted = []
    for model, spec in models:
        if kinds & selectors.scored_kinds(spec) or not selectors.scores_every(
            contact_ids, line_id=model.line_id
        ):
            wanted.append((model, spec))
    return wanted


@transaction.atomic
def contacts_score(
    *,
    contact_ids: Iterable[int],
    activities: Sequence[Activity] = (),
    reason: str = ChangeReason.NEW_ACTIVITY,
    rebuild: bool = False,
    now: datetime | None = None,
    activity_id: int | None = None,
) -> BatchResult:
    """
    Score contacts under every live model that the change concerns, in the caller's
    transaction: fold the newly recorded `activities` into their states (a profile change
    passes none), or with `rebuild` rebuild every state from the history (after an activity
    was deleted). A lead crossing a model's MQL rule here is released to routing at once.
    """
    total = BatchResult()
    now = now or timezone.now()
    events = _events(activities)
    ids = sorted(set(contact_ids) | set(events))
    models = _models_to_score(ids, events, reason=reason)
    for start in range(0, len(ids) if models else 0, CHUNK):
        contacts = locked_contacts(ids[start : start + CHUNK])
        for model, spec in models:
            batch = score_batch(
                model=model,
                spec=spec,
                contacts=contacts,
                reason=ChangeReason(reason),
                now=now,
                release=True,
                new_events=events,
                refold=rules_by_definition(spec).keys() if rebuild else (),
                activity_id=activity_id,
                profile_changed=rebuild
                or reason in (ChangeReason.PROFILE_CHANGE, ChangeReason.FIRST_SCORE),
            )
            total.add(batch)
            total.scores += batch.scores
    # The accounts these contacts feed (account scores follow the default model) are rescored
    # from the committed contact scores by a durable outbox message, off the write's path.
    outbox_publish_ids(
        topic=OutboxTopic.ACCOUNTS_SCORE,
        field="company_ids",
        ids=(
            r.contact.company_id
            for r in total.scores
            if r.contact.company_id and r.scoring_model.line.is_default
        ),
        extra={"reason": str(reason)},
    )
    return total


def contact_rescore(
    *,
    contact_id: int,
    reason: str = ChangeReason.PROFILE_CHANGE,
    activity_id: int | None = None,
    now: datetime | None = None,
) -> ContactScore | None:
    """
    Re-finish one contact's scores from their states (a profile change); no activity is read.
    Returns the default model's score.
    """
    result = contacts_score(
        contact_ids=[contact_id], reason=reason, activity_id=activity_id, now=now
    )
    return next((r for r in result.scores if r.scoring_model.line.is_default), None)


def company_contacts_rescore(*, company_id: int) -> BatchResult:
    """Rescore every contact of a company after its firmographics changed."""
    ids = list(Contact.objects.filter(company_id=company_id).values_list("pk", flat=True))
    return contacts_score(contact_ids=ids, reason=ChangeReason.PROFILE_CHANGE)
