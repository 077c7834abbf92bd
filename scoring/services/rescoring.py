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
from datetime import datetime

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from contacts.models import Activity, Contact, LifecycleStage
from scoring import engine, score_reads, selectors
from scoring.models import (
    ChangeReason,
    ContactScore,
    OutboxTopic,
    ScoringModel,
)
from scoring.services import batch_states
from scoring.services.batch_outcomes import BatchResult, batch_outcomes_record
from scoring.services.outbox import outbox_publish_ids
from scoring.services.score_rows import (
    COPY_MIN_ROWS,
    score_row,
    scores_reprice,
    scores_upsert,
)

logger = logging.getLogger(__name__)

CHUNK = 1000


def _fit_reusable(
    spec: engine.ModelSpec, stored: score_reads.StoredRow | None, profile_changed: bool
) -> bool:
    """Do the stored fit parts still hold: the same fit rules, and the profile unchanged?"""
    return stored is not None and not profile_changed and stored.fit_key == spec.fit_key


def _fit_parts(
    spec: engine.ModelSpec,
    contact: Contact,
    stored: score_reads.StoredRow | None,
    profile_changed: bool,
) -> list[engine.RuleScore]:
    """The contact's fit parts: the stored ones while nothing they depend on changed."""
    if _fit_reusable(spec, stored, profile_changed):
        return [engine.RuleScore.from_json(p) for p in stored.fit_parts or ()]
    return engine.fit_parts_of(spec, selectors.profile_of(contact))


def _stored_for(
    spec: engine.ModelSpec,
    ids: Sequence[int],
    *,
    line_id: int,
    new_events: dict[int, list[engine.Event]],
    refold: set[str],
    none: bool,
) -> tuple[dict[int, score_reads.StoredRow], set[int]]:
    """
    The batch's stored scores, and which of them were read whole (with their rule states):
    those with a new activity a rule counts, or a refold, are scored from their states; the
    others are read without them, which most will not need (re-priced). A few rows (an
    activity, a profile change) come with their whole breakdown, for the timeline, in the same
    query; a batch reads it back for the scores that moved only (batch_outcomes_record).
    """
    kinds = selectors.scored_kinds(spec)
    whole = (
        set()
        if none
        else {i for i in ids if refold or any(e.kind in kinds for e in new_events.get(i, ()))}
    )
    small = len(ids) < COPY_MIN_ROWS
    existing = score_reads.stored_scores(
        [i for i in ids if i not in whole], line_id=line_id, states=False, breakdowns=small
    )
    if whole:
        existing.update(score_reads.stored_scores(whole, line_id=line_id, breakdowns=small))
    return existing, whole


def _rows(
    model: ScoringModel,
    spec: engine.ModelSpec,
    contacts: Sequence[Contact],
    existing: dict[int, score_reads.StoredRow],
    scores: dict[int, engine.Score],
    units_of: dict[int, dict[str, engine.Units]],
    folded: batch_states.Folded,
    repriced: set[int],
    *,
    now: datetime,
) -> tuple[list[ContactScore], list[ContactScore]]:
    """The rows to write: upserted (scored from states, or new), and re-priced in place."""
    rows, reprices = [], []
    for contact in contacts:
        stored = existing.get(contact.pk)
        row = score_row(
            contact,
            model,
            spec,
            scores[contact.pk],
            units_of[contact.pk],
            raw_states=folded.raw.get(contact.pk),
            next_change_at=folded.next_change.get(contact.pk, stored and stored.next_change_at),
            version=(stored.version if stored else 0) + 1,
            now=now,
        )
        if contact.pk in repriced:
            row.pk = stored.pk  # it exists: scores_reprice updates it in place
            reprices.append(row)
        else:
            rows.append(row)
    return rows, reprices


def _units(
    spec: engine.ModelSpec,
    contacts: Sequence[Contact],
    *,
    line_id: int,
    new_events: dict[int, list[engine.Event]],
    refold: set[str],
    now: datetime,
) -> tuple[
    dict[int, score_reads.StoredRow], dict[int, dict[str, engine.Units]], batch_states.Folded
]:
    """
    The batch's stored scores, and each contact's interest units at `now`: re-priced from the
    stored units where they still serve, else folded from its states (and the new events).
    """
    ids = [c.pk for c in contacts]
    # A refold of every definition keeps nothing stored.
    rebuilt_all = bool(refold) and refold >= batch_states.rules_by_definition(spec).keys()
    existing, whole = _stored_for(
        spec, ids, line_id=line_id, new_events=new_events, refold=refold, none=rebuilt_all
    )
    # A refold keeps no stored units: it rebuilds what they were taken from.
    repriced, reusable = (
        ({}, {}) if refold else batch_states.units_serving(spec, existing, whole, now)
    )
    folded = batch_states.fold_states(
        spec,
        [i for i in ids if i not in repriced],
        line_id=line_id,
        raw_of=(
            {i: {} for i in ids}
            if rebuilt_all
            else {i: existing[i].rule_states for i in whole if i in existing}
        ),
        reusable=reusable,
        new_events=new_events,
        refold=refold,
        now=now,
    )
    return existing, repriced, folded


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
    Score contacts whose rows the caller has locked, and store scores, timeline entries and
    qualifications. A contact with valid stored units and no new activity a rule counts is
    re-priced from them (a points, cap or threshold change, a profile change, time): no state
    is read. The others are scored from their states (batch_states.fold_states). Unless the
    caller says the profiles may have changed, fit parts are reused while the fit rules are the
    same.
    """
    result = BatchResult()
    existing, repriced, folded = _units(
        spec,
        contacts,
        line_id=model.line_id,
        new_events=new_events or {},
        refold=set(refold),
        now=now,
    )
    result.refolded_contacts, result.refolded = folded.refolded_contacts, folded.refolded
    _load_companies(spec, contacts, existing, profile_changed)
    units_of = {**repriced, **folded.units}
    scores = {
        contact.pk: engine.combine(
            spec,
            _fit_parts(spec, contact, existing.get(contact.pk), profile_changed),
            engine.priced_parts(spec, units_of[contact.pk]),
            now,
        )
        for contact in contacts
    }
    rows, reprices = _rows(
        model, spec, contacts, existing, scores, units_of, folded, set(repriced), now=now
    )
    batch_outcomes_record(
        result=result,
        model=model,
        spec=spec,
        contacts=contacts,
        existing=existing,
        scores=scores,
        reason=reason,
        now=now,
        release=release,
        activity_id=activity_id,
    )
    scores_upsert(rows)
    scores_reprice(reprices)
    result.scores = rows + reprices
    return result


def locked_contacts(ids: Sequence[int], *, skip_locked: bool = False) -> list[Contact]:
    """
    The contacts, their rows locked in id order (so two writers never deadlock on them): the
    one lock every score writer takes before it reads a stored score.
    """
    # Without their companies: a batch loads them only for the profiles it evaluates
    # (_load_companies), most rescores reuse the stored fit parts.
    return list(
        Contact.objects.select_for_update(skip_locked=skip_locked).filter(pk__in=ids).order_by("pk")
    )


def _load_companies(
    spec: engine.ModelSpec,
    contacts: Sequence[Contact],
    existing: dict[int, score_reads.StoredRow],
    profile_changed: bool,
) -> None:
    """
    Load, in one query, the companies of the contacts whose profile this batch evaluates: fit
    parts not reusable (_fit_parts), and recycled leads (_recycled_held_back).
    """
    needing = [
        c
        for c in contacts
        if c.company_id is not None
        and not Contact.company.is_cached(c)
        and (
            not _fit_reusable(spec, existing.get(c.pk), profile_changed)
            or c.lifecycle_stage == LifecycleStage.RECYCLED
        )
    ]
    prefetch_related_objects(needing, "company")


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
        if kinds & selectors.scored_kinds(spec) or not score_reads.scores_every(
            contact_ids, line_id=model.line_id
        ):
            wanted.append((model, spec))
    return wanted


# No savepoint inside the caller's transaction: scores are written with the activities they
# follow, and a failure fails that write whole.
@transaction.atomic(savepoint=False)
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
                refold=batch_states.rules_by_definition(spec).keys() if rebuild else (),
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
