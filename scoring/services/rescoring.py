"""
Rescoring: folding activities into rule states and writing scores, in the transaction that
changed the data.

One path scores a batch of locked contacts (_score_batch). Recording activities folds just the
new activities into the stored states; a profile change only re-finishes; a rule change
rebuilds only the rule definitions whose state is missing (engine.definition_key), so a points,
cap or threshold change reads no activity. Every writer first locks the contacts' rows (in id
order) and bumps ContactScore.version, so no writer overwrites a newer score.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Activity, Contact, LifecycleStage
from leadscore.on_commit import enqueue_safely
from scoring import engine, recycling, selectors
from scoring.models import (
    ChangeReason,
    ContactScore,
    OutboxTopic,
    Qualification,
    RescoreRun,
    RescoreStatus,
    ScoreChange,
    ScoringModel,
)
from scoring.services.accounts import accounts_rescore_all
from scoring.services.outbox import outbox_publish_ids
from scoring.services.qualification import qualification_update

logger = logging.getLogger(__name__)

CHUNK = 1000
# Below this many rows one INSERT ... ON CONFLICT beats a temporary table and COPY (three
# statements): the single-activity API writes one score.
COPY_MIN_ROWS = 100
# A change smaller than this (decay drift) is not worth a timeline entry.
MIN_VISIBLE_CHANGE = 0.5


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


def _change_detail(old: dict | None, new: engine.Score) -> str:
    """Which rules moved, in words: 'Pricing page +5; Webinar attended +8'."""
    before: dict[int, float] = {}
    names: dict[int, str] = {}
    for part in (old or {}).get("fit", []) + (old or {}).get("interest", []):
        before[part["rule_id"]] = part["points"]
        names[part["rule_id"]] = part["name"]
    after: dict[int, float] = {}
    for part in (*new.fit_breakdown, *new.interest_breakdown):
        after[part.rule_id] = part.points
        names[part.rule_id] = part.name
    deltas = [
        (names[rule_id], after.get(rule_id, 0.0) - before.get(rule_id, 0.0))
        for rule_id in before.keys() | after.keys()
    ]
    deltas = [(n, d) for n, d in deltas if abs(d) >= MIN_VISIBLE_CHANGE]
    deltas.sort(key=lambda item: -abs(item[1]))
    return "; ".join(f"{name} {delta:+.0f}" for name, delta in deltas[:5])


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


def _timeline_entry(
    contact: Contact,
    stored: ContactScore | None,
    score: engine.Score,
    *,
    line_id: int,
    reason: str,
    now: datetime,
    activity_id: int | None,
) -> ScoreChange | None:
    if stored is None:
        return ScoreChange(
            contact=contact,
            line_id=line_id,
            occurred_at=now,
            reason=ChangeReason.FIRST_SCORE,
            activity_id=activity_id,
            fit_after=score.fit,
            interest_after=score.interest,
            cell_after=score.cell,
            detail=_change_detail(None, score)[:500],
        )
    moved = (
        abs(stored.fit - score.fit) >= MIN_VISIBLE_CHANGE
        or abs(stored.interest - score.interest) >= MIN_VISIBLE_CHANGE
        or stored.cell != score.cell
    )
    if not moved:
        return None
    detail = _change_detail(stored.breakdown, score)
    if reason == ChangeReason.DECAY:
        verb = "decayed" if score.interest < stored.interest else "rose"
        detail = f"Interest {verb} from {stored.interest:.0f} to {score.interest:.0f}"
    return ScoreChange(
        contact=contact,
        line_id=line_id,
        occurred_at=now,
        reason=reason,
        activity_id=activity_id,
        fit_before=stored.fit,
        fit_after=score.fit,
        interest_before=stored.interest,
        interest_after=score.interest,
        cell_before=stored.cell,
        cell_after=score.cell,
        detail=detail[:500],
    )


def score_row(
    contact: Contact,
    model: ScoringModel,
    spec: engine.ModelSpec,
    score: engine.Score,
    states: dict[str, engine.RuleState],
    raw_states: dict[str, Any],
    *,
    version: int,
    now: datetime,
) -> ContactScore:
    return ContactScore(
        contact=contact,
        line_id=model.line_id,
        scoring_model=model,
        fit=score.fit,
        interest=score.interest,
        grade=score.grade,
        band=score.band,
        meets_threshold=score.meets_threshold,
        hand_raise_rule=score.hand_raise_rule[:100],
        interest_gains=score.interest_gains,
        interest_losses=score.interest_losses,
        fit_key=spec.fit_key,
        breakdown=score.breakdown_json(),
        rule_states=raw_states,
        next_change_at=engine.next_change(spec, states, now),
        version=version,
        scored_at=now,
    )


_SCORE_FIELDS = [
    "scoring_model",
    "fit",
    "interest",
    "grade",
    "band",
    "meets_threshold",
    "hand_raise_rule",
    "interest_gains",
    "interest_losses",
    "fit_key",
    "breakdown",
    "rule_states",
    "next_change_at",
    "version",
    "scored_at",
]


def scores_upsert(rows: Sequence[ContactScore]) -> None:
    """
    Write new and existing scores in one statement. On PostgreSQL the rows go through COPY into
    a temporary table and one INSERT ... ON CONFLICT: binding the JSON states client-side (as
    bulk_create does) cost twice the rest of a rescore (bench/scoring.py). Small batches take
    the one-statement path.
    """
    if not rows:
        return
    if connection.vendor != "postgresql" or len(rows) < COPY_MIN_ROWS:
        ContactScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["contact", "line"],
            update_fields=_SCORE_FIELDS,
        )
        return
    table = ContactScore._meta.db_table
    columns = ["contact_id", "line_id"] + [
        ContactScore._meta.get_field(f).column for f in _SCORE_FIELDS
    ]
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[2:])
    with connection.cursor() as cursor:
        # Only the columns copied: the table's own id (NOT NULL) is left to the INSERT.
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS _score_rows ON COMMIT DROP AS "
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY _score_rows ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    (
                        row.contact_id,
                        row.line_id,
                        row.scoring_model_id,
                        row.fit,
                        row.interest,
                        row.grade,
                        row.band,
                        row.meets_threshold,
                        row.hand_raise_rule,
                        row.interest_gains,
                        row.interest_losses,
                        row.fit_key,
                        json.dumps(row.breakdown),
                        json.dumps(row.rule_states),
                        row.next_change_at,
                        row.version,
                        row.scored_at,
                    )
                )
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM _score_rows "
            f"ON CONFLICT (contact_id, line_id) DO UPDATE SET {updates}"
        )
        cursor.execute("TRUNCATE _score_rows")


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


def _score_batch(
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
        change = _timeline_entry(
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


def _locked_contacts(ids: Sequence[int], *, skip_locked: bool = False) -> list[Contact]:
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
        contacts = _locked_contacts(ids[start : start + CHUNK])
        for model, spec in models:
            batch = _score_batch(
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


# ---- Full rescores after a rule change -----------------------------------------------------


@transaction.atomic
def scoring_model_changed(
    *,
    model_id: int,
    reason: str,
    requested_by: AbstractBaseUser | None = None,
    release: bool | None = None,
    refold_all: bool = False,
    enqueue: bool = True,
) -> RescoreRun:
    """
    Ask for every contact to be rescored under a model after a change. Requests coalesce: while
    a run waits to start, later requests join it (it reads the rules when it starts). The run
    is a durable record; its task is queued on commit (unless the caller runs it itself:
    `enqueue=False`), and the beat re-drive starts it if the broker was down.
    """
    model = ScoringModel.objects.select_for_update().get(pk=model_id)
    waiting = model.runs.filter(status=RescoreStatus.QUEUED).first()
    if waiting is not None:
        waiting.requests += 1
        waiting.refold_all |= refold_all
        waiting.release_new_mqls |= bool(release)
        waiting.save(update_fields=["requests", "refold_all", "release_new_mqls"])
        return waiting
    run = RescoreRun.objects.create(
        scoring_model=model,
        reason=reason[:255],
        requested_by=requested_by,
        release_new_mqls=model.auto_release_after_rescore if release is None else release,
        refold_all=refold_all,
        total=Contact.objects.count(),
    )
    from scoring import tasks

    run_id = run.pk
    if enqueue:
        transaction.on_commit(lambda: enqueue_safely(tasks.execute_rescore_run, run_id))
    return run


def rescore_run_create(
    *,
    model: ScoringModel,
    reason: str,
    requested_by: AbstractBaseUser | None = None,
    release: bool | None = None,
) -> RescoreRun:
    """Queue a full rescore of every contact under a model (joins a waiting one)."""
    return scoring_model_changed(
        model_id=model.pk, reason=reason, requested_by=requested_by, release=release
    )


class RescoreBusy(Exception):
    """Another run of the same model is still running; this one waits its turn."""


def _claim(run_id: int) -> RescoreRun | None:
    """Start a queued run, unless another run of its model is running (RescoreBusy)."""
    with transaction.atomic():
        run = (
            RescoreRun.objects.select_for_update(of=("self",))
            .select_related("scoring_model__line")
            .get(pk=run_id)
        )
        if run.status != RescoreStatus.QUEUED:
            return None  # already run (a re-drive and its task both arrived)
        ScoringModel.objects.select_for_update().get(pk=run.scoring_model_id)
        if run.scoring_model.runs.filter(status=RescoreStatus.RUNNING).exists():
            raise RescoreBusy
        run.status, run.started_at = RescoreStatus.RUNNING, timezone.now()
        run.total = Contact.objects.count()
        run.save(update_fields=["status", "started_at", "total"])
    return run


def rescore_run_execute(*, run_id: int, now: datetime | None = None) -> RescoreRun:
    """
    Rescore every contact in chunks of CHUNK, each chunk one transaction under the contacts'
    row locks, at the moment it runs (a concurrent activity is never lost or overwritten).
    Only definitions the stored states lack are rebuilt from the history. Free of side
    effects by default: leads that newly qualify wait for marketing to release them unless the
    run says so; hand-raises are routed at once.
    """
    run = _claim(run_id)
    if run is None:
        return RescoreRun.objects.get(pk=run_id)
    model = run.scoring_model
    spec = selectors.model_spec(model)
    refold = rules_by_definition(spec).keys() if run.refold_all else ()
    refolded: set[str] = set()
    try:
        last_id = 0
        while True:
            with transaction.atomic():
                ids = list(
                    Contact.objects.filter(pk__gt=last_id)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:CHUNK]
                )
                if not ids:
                    break
                contacts = _locked_contacts(ids)
                batch = _score_batch(
                    model=model,
                    spec=spec,
                    contacts=contacts,
                    reason=ChangeReason.RULE_CHANGE,
                    now=now or timezone.now(),
                    release=run.release_new_mqls,
                    refold=refold,
                    # A full rebuild (manage.py rescore, first scores) evaluates fit as well.
                    profile_changed=run.refold_all,
                )
                last_id = ids[-1]
                run.done += len(contacts)
                run.changed += batch.changed
                run.newly_qualified += batch.newly_qualified
                refolded |= batch.refolded
                run.refolded = len(refolded)
                run.save(update_fields=["done", "changed", "newly_qualified", "refolded"])
        # Then every account, once, from the contact scores just written (accounts follow the
        # default model).
        if model.line.is_default:
            accounts_rescore_all(model=model, now=now, release=run.release_new_mqls)
    except Exception as exc:
        run.status, run.error, run.finished_at = RescoreStatus.FAILED, repr(exc), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.status, run.finished_at = RescoreStatus.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def scoring_model_rescore(*, model_id: int, reason: str, release: bool | None = None) -> RescoreRun:
    """
    Rebuild every contact's score from its history and profile under a model, here
    (`manage.py rescore`, a task): no task is queued for it; if another run of the model is
    running, this one waits for the beat re-drive.
    """
    run = scoring_model_changed(
        model_id=model_id, reason=reason, release=release, refold_all=True, enqueue=False
    )
    try:
        return rescore_run_execute(run_id=run.pk)
    except RescoreBusy:
        return run


def rescore_runs_redrive(*, older_than_seconds: int = 60) -> int:
    """Queue the tasks of runs still waiting (their task was lost with the broker)."""
    from scoring import tasks

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        RescoreRun.objects.filter(status=RescoreStatus.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for run_id in ids:
        enqueue_safely(tasks.execute_rescore_run, run_id)
    return len(ids)
