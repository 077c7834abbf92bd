"""
Writes for scoring: rescoring contacts, qualifying them, releasing them to routing.

One path scores a batch of contacts (_rescore_batch). The incremental path (one contact after
one event) and the full rescore after a rule change both go through it, with different loaders.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from contacts.models import Contact, LifecycleStage, OutcomeResult
from contacts.selectors import contacts_with_outcome
from contacts.services import contact_set_stage
from scoring import backtest, engine, recycling, selectors, signals, whatif
from scoring.models import (
    AuditAction,
    AuditEntry,
    AuditObject,
    ChangeReason,
    ContactScore,
    OutcomeLevel,
    Qualification,
    QualificationStatus,
    RescoreRun,
    RescoreStatus,
    RuleCondition,
    ScoreChange,
    ScoringModel,
    ScoringRule,
    WhatIfRun,
    WhatIfStatus,
)
from scoring.signals import lead_qualified

logger = logging.getLogger(__name__)

# Stages from which a lead can (re)qualify. Leads already with sales, customers and
# disqualified contacts are scored but never re-announced.
QUALIFIABLE_STAGES = {LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.RECYCLED}
CHUNK = 1000
# A change smaller than this (decay drift) is not worth a timeline entry.
MIN_VISIBLE_CHANGE = 0.5


@dataclass
class BatchResult:
    changed: int = 0
    newly_qualified: int = 0
    released: int = 0
    scores: list[ContactScore] = field(default_factory=list)


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


def _announce(qualification: Qualification, contact: Contact) -> None:
    transaction.on_commit(
        lambda: lead_qualified.send(
            sender=Qualification, qualification=qualification, contact=contact
        )
    )


def _qualify(
    *,
    contact: Contact,
    score: engine.Score,
    model: ScoringModel,
    now: datetime,
    release: bool,
    open_qualification: Qualification | None,
) -> tuple[bool, bool]:
    """Open a qualification when the MQL rule is crossed. Returns (qualified, released)."""
    if open_qualification is not None:
        # Already an MQL: record a fall below the rule, never take the lead back from sales.
        if not score.qualifies and open_qualification.fell_below_at is None:
            open_qualification.fell_below_at = now
            open_qualification.save(update_fields=["fell_below_at"])
        elif score.qualifies and open_qualification.fell_below_at is not None:
            open_qualification.fell_below_at = None
            open_qualification.save(update_fields=["fell_below_at"])
        return False, False
    if not score.qualifies or contact.do_not_contact:
        return False, False
    if contact.lifecycle_stage not in QUALIFIABLE_STAGES:
        return False, False
    if score.hand_raise_rule:
        reason = f"Hand-raise: {score.hand_raise_rule}"
    elif model.mql_mode == "combined":
        reason = f"Fit + interest {score.combined:.0f} reached {model.mql_combined_threshold:g}"
    else:
        reason = (
            f"Fit {score.fit:.0f} >= {model.mql_fit_threshold:g} and "
            f"interest {score.interest:.0f} >= {model.mql_interest_threshold:g}"
        )
    try:
        with transaction.atomic():
            qualification = Qualification.objects.create(
                contact=contact,
                scoring_model=model,
                status=QualificationStatus.RELEASED
                if release
                else QualificationStatus.PENDING_RELEASE,
                qualified_at=now,
                released_at=now if release else None,
                reason=reason[:255],
                hand_raise=bool(score.hand_raise_rule),
                fit=score.fit,
                interest=score.interest,
            )
    except IntegrityError:
        # Another worker opened this contact's qualification first; it announces it.
        return False, False
    if release:
        contact_set_stage(contact=contact, stage=LifecycleStage.MQL, at=now)
        _announce(qualification, contact)
    return True, release


def _rescore_batch(
    *,
    model: ScoringModel,
    spec: engine.ModelSpec,
    contacts: Sequence[Contact],
    reason: str,
    now: datetime,
    release: bool,
    activity_id: int | None = None,
) -> BatchResult:
    """Score these contacts, store scores and timeline entries, open qualifications."""
    result = BatchResult()
    ids = [c.pk for c in contacts]
    events = selectors.events_by_contact(ids, **selectors.event_query(spec, now=now))
    existing = ContactScore.objects.in_bulk(ids)
    open_qualifications = {
        q.contact_id: q
        for q in Qualification.objects.filter(contact_id__in=ids, closed_at__isnull=True)
    }
    # Recycled leads re-qualify only on something new since (scoring.recycling).
    recycled = recycling.recycled_since(
        c.pk for c in contacts if c.lifecycle_stage == LifecycleStage.RECYCLED
    )
    rows, changes = [], []
    for contact in contacts:
        score = engine.evaluate(
            spec, selectors.profile_of(contact), events.get(contact.pk, ()), now
        )
        stored = existing.get(contact.pk)
        values = {
            "scoring_model": model,
            "fit": score.fit,
            "interest": score.interest,
            "grade": score.grade,
            "band": score.band,
            "meets_threshold": score.meets_threshold,
            "hand_raise_rule": score.hand_raise_rule[:100],
            "breakdown": score.breakdown_json(),
            "scored_at": now,
        }
        rows.append(ContactScore(contact=contact, **values))
        if stored is None:
            changes.append(
                ScoreChange(
                    contact=contact,
                    occurred_at=now,
                    reason=ChangeReason.FIRST_SCORE,
                    activity_id=activity_id,
                    fit_after=score.fit,
                    interest_after=score.interest,
                    cell_after=score.cell,
                    detail=_change_detail(None, score)[:500],
                )
            )
        else:
            moved = (
                abs(stored.fit - score.fit) >= MIN_VISIBLE_CHANGE
                or abs(stored.interest - score.interest) >= MIN_VISIBLE_CHANGE
                or stored.cell != score.cell
            )
            if moved:
                changes.append(
                    ScoreChange(
                        contact=contact,
                        occurred_at=now,
                        reason=reason,
                        activity_id=activity_id,
                        fit_before=stored.fit,
                        fit_after=score.fit,
                        interest_before=stored.interest,
                        interest_after=score.interest,
                        cell_before=stored.cell,
                        cell_after=score.cell,
                        detail=_change_detail(stored.breakdown, score)[:500],
                    )
                )
                result.changed += 1
        if (
            contact.pk in recycled
            and contact.pk not in open_qualifications
            and score.qualifies
            and not recycling.recycled_lead_requalifies(
                spec=spec,
                profile=selectors.profile_of(contact),
                events=events.get(contact.pk, ()),
                recycled_at=recycled[contact.pk],
                now=now,
            )
        ):
            continue  # scored and stored; not an MQL again yet
        qualified, released = _qualify(
            contact=contact,
            score=score,
            model=model,
            now=now,
            release=release,
            open_qualification=open_qualifications.get(contact.pk),
        )
        result.newly_qualified += qualified
        result.released += released
    # One upsert for new and existing scores: bulk_update's CASE WHEN per field and row cost
    # 12x more (bench/scoring.py).
    ContactScore.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["contact"],
        update_fields=[name for name in values if name != "contact"],
    )
    ScoreChange.objects.bulk_create(changes)
    result.scores = rows
    return result


def _contacts_for_scoring():
    return Contact.objects.select_related("company")


@transaction.atomic
def contact_rescore(
    *,
    contact_id: int,
    reason: str = ChangeReason.NEW_ACTIVITY,
    activity_id: int | None = None,
    now: datetime | None = None,
) -> ContactScore | None:
    """
    Rescore one contact under the live model (after an activity or a profile change). A lead
    that crosses the MQL rule here is released to routing at once.
    """
    model = selectors.live_model()
    # The row lock serialises concurrent rescoring of one contact across workers.
    contact = _contacts_for_scoring().select_for_update(of=("self",)).filter(pk=contact_id).first()
    if model is None or contact is None:
        return None
    result = _rescore_batch(
        model=model,
        spec=selectors.model_spec(model),
        contacts=[contact],
        reason=ChangeReason(reason),
        now=now or timezone.now(),
        release=True,
        activity_id=activity_id,
    )
    return result.scores[0]


def contacts_rescore(
    *,
    contact_ids: Sequence[int],
    reason: str = ChangeReason.NEW_ACTIVITY,
    now: datetime | None = None,
    release: bool = True,
) -> BatchResult:
    """Rescore many contacts in chunks (bulk imports: once per contact, not per activity)."""
    model = selectors.live_model()
    total = BatchResult()
    if model is None:
        return total
    spec = selectors.model_spec(model)
    now = now or timezone.now()
    ids = sorted(set(contact_ids))
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            contacts = list(_contacts_for_scoring().filter(pk__in=ids[start : start + CHUNK]))
            batch = _rescore_batch(
                model=model,
                spec=spec,
                contacts=contacts,
                reason=ChangeReason(reason),
                now=now,
                release=release,
            )
        total.changed += batch.changed
        total.newly_qualified += batch.newly_qualified
        total.released += batch.released
    return total


def company_contacts_rescore(*, company_id: int) -> BatchResult:
    """Rescore every contact of a company after its firmographics changed."""
    ids = list(Contact.objects.filter(company_id=company_id).values_list("pk", flat=True))
    return contacts_rescore(contact_ids=ids, reason=ChangeReason.PROFILE_CHANGE)


@transaction.atomic
def rescore_run_create(
    *,
    model: ScoringModel,
    reason: str,
    requested_by: AbstractBaseUser | None = None,
    release: bool | None = None,
) -> RescoreRun:
    """Queue a full rescore of every contact under a model."""
    return RescoreRun.objects.create(
        scoring_model=model,
        reason=reason[:255],
        requested_by=requested_by,
        release_new_mqls=model.auto_release_after_rescore if release is None else release,
        total=Contact.objects.count(),
    )


def rescore_run_execute(*, run_id: int, now: datetime | None = None) -> RescoreRun:
    """
    Rescore every contact, chunk by chunk, updating the run's progress as it goes.

    Free of side effects by default: leads already qualified or with sales are not re-announced,
    and leads that newly qualify wait for marketing to release them unless the run says so.
    """
    run = RescoreRun.objects.select_related("scoring_model").get(pk=run_id)
    model = run.scoring_model
    spec = selectors.model_spec(model)
    now = now or timezone.now()
    run.status, run.started_at = RescoreStatus.RUNNING, timezone.now()
    run.total = Contact.objects.count()
    run.save(update_fields=["status", "started_at", "total"])
    try:
        last_id = 0
        while True:
            with transaction.atomic():
                contacts = list(
                    _contacts_for_scoring().filter(pk__gt=last_id).order_by("pk")[:CHUNK]
                )
                if not contacts:
                    break
                batch = _rescore_batch(
                    model=model,
                    spec=spec,
                    contacts=contacts,
                    reason=ChangeReason.RULE_CHANGE,
                    now=now,
                    release=run.release_new_mqls,
                )
                last_id = contacts[-1].pk
                run.done += len(contacts)
                run.changed += batch.changed
                run.newly_qualified += batch.newly_qualified
                run.save(update_fields=["done", "changed", "newly_qualified"])
    except Exception as exc:
        run.status, run.error, run.finished_at = RescoreStatus.FAILED, repr(exc), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.status, run.finished_at = RescoreStatus.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def scoring_model_rescore(
    *, model_id: int, reason: str, release: bool | None = None
) -> RescoreRun | None:
    """Rescore everyone after a change to a model, unless a run is already waiting to start."""
    model = ScoringModel.objects.get(pk=model_id)
    if model.runs.filter(status=RescoreStatus.QUEUED).exists():
        return None  # that run will read the rules as they are now
    run = rescore_run_create(model=model, reason=reason, release=release)
    return rescore_run_execute(run_id=run.pk)


@transaction.atomic
def qualification_release(
    *,
    qualification: Qualification,
    released_by: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> Qualification:
    """Marketing releases a lead that qualified after a rule change to routing."""
    qualification = Qualification.objects.select_for_update().get(pk=qualification.pk)
    if qualification.status == QualificationStatus.RELEASED or qualification.closed_at:
        return qualification
    now = now or timezone.now()
    qualification.status = QualificationStatus.RELEASED
    qualification.released_at = now
    qualification.released_by = released_by
    qualification.save(update_fields=["status", "released_at", "released_by"])
    contact = qualification.contact
    if contact.lifecycle_stage in QUALIFIABLE_STAGES:
        contact_set_stage(contact=contact, stage=LifecycleStage.MQL, at=now)
    _announce(qualification, contact)
    return qualification


@transaction.atomic
def qualification_close(
    *, contact: Contact, reason: str, now: datetime | None = None
) -> Qualification | None:
    """End a contact's open qualification (rejected, recycled, disqualified, won...)."""
    qualification = (
        Qualification.objects.select_for_update()
        .filter(contact=contact, closed_at__isnull=True)
        .first()
    )
    if qualification is not None:
        qualification.closed_at = now or timezone.now()
        qualification.closed_reason = reason[:255]
        qualification.save(update_fields=["closed_at", "closed_reason"])
    return qualification


def scores_refresh_decay(*, now: datetime | None = None) -> int:
    """
    Bring stored interest up to date with decay and windows (hourly). Band or MQL changes get a
    timeline entry, and a qualified lead that fell below the rule is recorded (not un-routed).
    Returns how many scores changed band or MQL state.
    """
    model = selectors.live_model()
    if model is None:
        return 0
    spec = selectors.model_spec(model, rules=())
    now = now or timezone.now()
    crossed = 0
    queryset = ContactScore.objects.filter(scoring_model=model).exclude(interest=0).order_by("pk")
    last_pk = 0
    while True:
        with transaction.atomic():
            scores = list(queryset.filter(pk__gt=last_pk)[:CHUNK])
            if not scores:
                break
            last_pk = scores[-1].pk
            changes, updated, fell = [], [], []
            for stored in scores:
                current = engine.rescore_at(spec, stored.breakdown, now)
                if abs(current.interest - stored.interest) < 0.01:
                    continue
                if current.cell != stored.cell or current.meets_threshold != stored.meets_threshold:
                    crossed += 1
                    changes.append(
                        ScoreChange(
                            contact_id=stored.pk,
                            occurred_at=now,
                            reason=ChangeReason.DECAY,
                            fit_before=stored.fit,
                            fit_after=current.fit,
                            interest_before=stored.interest,
                            interest_after=current.interest,
                            cell_before=stored.cell,
                            cell_after=current.cell,
                            detail=(
                                f"Interest decayed from {stored.interest:.0f} "
                                f"to {current.interest:.0f}"
                            ),
                        )
                    )
                    if stored.meets_threshold and not current.qualifies:
                        fell.append(stored.pk)
                stored.interest, stored.band = current.interest, current.band
                stored.meets_threshold = current.meets_threshold
                stored.breakdown = current.breakdown_json()
                stored.scored_at = now
                updated.append(stored)
            ContactScore.objects.bulk_update(
                updated, ["interest", "band", "meets_threshold", "breakdown", "scored_at"]
            )
            ScoreChange.objects.bulk_create(changes)
            Qualification.objects.filter(
                contact_id__in=fell, closed_at__isnull=True, fell_below_at__isnull=True
            ).update(fell_below_at=now)
    return crossed


# ---- Versions: drafts, publishing, rollback ------------------------------------------------

# Settings copied from a version into its draft (everything but identity and publication).
_VERSION_FIELDS_NOT_COPIED = {
    "id",
    "version",
    "based_on",
    "is_live",
    "published_at",
    "published_by",
    "retired_at",
    "created_at",
    "updated_at",
}
_RULE_FIELDS_NOT_COPIED = {"id", "scoring_model"}
_CONDITION_FIELDS_NOT_COPIED = {"id", "rule"}


def _copied_values(instance, skip: set[str]) -> dict:
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.name not in skip
    }


class VersionError(Exception):
    """A version operation that does not apply (publishing a live version, say)."""


@transaction.atomic
def scoring_model_draft_create(
    *, source: ScoringModel, created_by: AbstractBaseUser | None, note: str = ""
) -> ScoringModel:
    """
    A new draft version: a deep copy of a version's settings, rules and their conditions.
    Nothing is rescored: a draft scores nobody until it is published.
    """
    draft = ScoringModel.objects.create(
        **_copied_values(source, _VERSION_FIELDS_NOT_COPIED), based_on=source, is_live=False
    )
    rules = list(source.rules.prefetch_related("conditions").order_by("id"))
    copies = ScoringRule.objects.bulk_create(
        ScoringRule(**_copied_values(rule, _RULE_FIELDS_NOT_COPIED), scoring_model=draft)
        for rule in rules
    )
    RuleCondition.objects.bulk_create(
        RuleCondition(**_copied_values(condition, _CONDITION_FIELDS_NOT_COPIED), rule=copy)
        for rule, copy in zip(rules, copies, strict=True)
        for condition in rule.conditions.all()
    )
    audit_record(
        user=created_by,
        action=AuditAction.CREATED,
        obj=draft,
        note=note or f"Draft v{draft.version} created from v{source.version}",
    )
    return draft


@transaction.atomic
def scoring_model_publish(
    *, draft: ScoringModel, published_by: AbstractBaseUser | None, note: str = ""
) -> ScoringModel:
    """
    Make a draft the live version. The version it replaces is retired (kept, read-only); every
    contact is then rescored under the new version in the background, once, free of side
    effects as after any rule change (ContactScore.scoring_model moves to the new version).
    """
    locked = {
        m.pk: m
        for m in ScoringModel.objects.select_for_update()
        .filter(Q(pk=draft.pk) | Q(is_live=True))
        .order_by("pk")
    }
    draft = locked[draft.pk]
    if not draft.is_draft:
        raise VersionError(
            f"v{draft.version} is {draft.get_status_display().lower()}, not a draft."
        )
    now = timezone.now()
    previous = next((m for m in locked.values() if m.is_live), None)
    if previous is not None:
        # One live version at most (scoring_one_live_model): the old one steps down first.
        previous.is_live, previous.retired_at = False, now
        previous.save(update_fields=["is_live", "retired_at", "updated_at"])
    # The receiver on ScoringModel queues the rescore on commit; queueing it here first gives
    # it its reason, and the receiver's own request for the same model is then a no-op.
    signals.model_changed(draft.pk, f"Version {draft.version} published")
    draft.is_live, draft.published_at, draft.published_by = True, now, published_by
    draft.save(update_fields=["is_live", "published_at", "published_by", "updated_at"])
    replaced = f"; replaces v{previous.version}" if previous else ""
    audit_record(
        user=published_by,
        action=AuditAction.PUBLISHED,
        obj=draft,
        note=(note or f"v{draft.version} published{replaced}")[:255],
    )
    return draft


@transaction.atomic
def scoring_model_rollback(*, to: ScoringModel, by: AbstractBaseUser | None) -> ScoringModel:
    """
    Go back to an earlier version: publish a copy of it as a new version, so the history stays
    a straight line (v1, v2, v3 = copy of v1...) and the rolled-back-from version is kept.
    """
    if to.is_draft:
        raise VersionError("A draft was never live: publish it instead of rolling back to it.")
    if to.is_live:
        raise VersionError(f"v{to.version} is already live.")
    live = selectors.live_model()
    copy = scoring_model_draft_create(
        source=to, created_by=by, note=f"Copy of v{to.version} made to roll back to it"
    )
    published = scoring_model_publish(
        draft=copy,
        published_by=by,
        note=f"Rolled back to v{to.version} (as v{copy.version})"
        + (f", replacing v{live.version}" if live else ""),
    )
    audit_record(
        user=by,
        action=AuditAction.ROLLED_BACK,
        obj=published,
        note=f"Rolled back from v{live.version if live else '-'} to v{to.version}",
    )
    return published


@transaction.atomic
def scoring_rule_set_points(
    *, rule: ScoringRule, points: float, by: AbstractBaseUser | None, note: str = ""
) -> ScoringRule:
    """Change a draft rule's points (a backtest suggestion a person chose to apply)."""
    rule = ScoringRule.objects.select_for_update().select_related("scoring_model").get(pk=rule.pk)
    if not rule.scoring_model.is_draft:
        raise VersionError("Only a draft's rules can change; create a draft first.")
    before = rule.points
    if before == points:
        return rule
    rule.points = points
    rule.save(update_fields=["points"])
    audit_record(
        user=by,
        action=AuditAction.CHANGED,
        obj=rule,
        field="Points",
        old=before,
        new=points,
        note=note,
    )
    return rule


# ---- The audit trail ---------------------------------------------------------------------


def audit_value(value: Any) -> str:
    """A field value as the audit trail shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def _audit_target(obj: ScoringModel | ScoringRule | RuleCondition) -> dict[str, Any]:
    if isinstance(obj, ScoringModel):
        return {
            "scoring_model": obj,
            "model_version": obj.version,
            "object_type": AuditObject.MODEL,
            "object_id": obj.pk,
            "object_repr": f"v{obj.version} {obj.name}"[:255],
        }
    if isinstance(obj, ScoringRule):
        model = obj.scoring_model
        return {
            "scoring_model": model,
            "model_version": model.version,
            "rule": obj if obj.pk else None,
            "object_type": AuditObject.RULE,
            "object_id": obj.pk,
            "object_repr": obj.name[:255],
        }
    rule = obj.rule
    model = rule.scoring_model
    return {
        "scoring_model": model,
        "model_version": model.version,
        "rule": rule if rule.pk else None,
        "object_type": AuditObject.CONDITION,
        "object_id": obj.pk,
        "object_repr": f"{rule.name}: {obj}"[:255],
    }


def audit_record(
    *,
    user: AbstractBaseUser | None,
    action: str,
    obj: ScoringModel | ScoringRule | RuleCondition,
    field: str = "",
    old: Any = None,
    new: Any = None,
    note: str = "",
) -> AuditEntry:
    """Write one audit entry (inside the caller's transaction: a rolled-back change leaves none)."""
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEntry.objects.create(
        user=user,
        action=action,
        field=field,
        old_value=audit_value(old),
        new_value=audit_value(new),
        note=note[:255],
        **_audit_target(obj),
    )


def audit_form_changes(
    *,
    user: AbstractBaseUser | None,
    obj: ScoringModel | ScoringRule | RuleCondition,
    form,
    created: bool,
) -> list[AuditEntry]:
    """Audit what an admin form did: one entry for a new object, one per changed field."""
    if created:
        return [audit_record(user=user, action=AuditAction.CREATED, obj=obj)]
    entries = []
    for name in form.changed_data:
        field = form.fields.get(name)
        old = form.initial.get(name)
        new = form.cleaned_data.get(name)
        choices = dict(getattr(field, "choices", None) or ()) if field is not None else {}
        if choices and not isinstance(new, models.Model):
            old, new = choices.get(old, old), choices.get(new, new)
        if isinstance(new, models.Model) and old is not None and not isinstance(old, models.Model):
            old = type(new).objects.filter(pk=old).first() or old
        entries.append(
            audit_record(
                user=user,
                action=AuditAction.CHANGED,
                obj=obj,
                field=str(field.label if field is not None and field.label else name),
                old=old,
                new=new,
            )
        )
    return entries


# ---- What-if replays -----------------------------------------------------------------------

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
        baseline=selectors.live_model(),
        outcome_level=OutcomeLevel(outcome_level),
        as_of=now or timezone.now(),
        requested_by=requested_by,
        total=Contact.objects.count(),
    )


def whatif_run_execute(*, run_id: int, chunk: int = WHATIF_CHUNK) -> WhatIfRun:
    """
    Replay the draft and the live version over every stored contact at the run's moment, and
    over the contacts with known outcomes at their outcome's moment (the backtest). Each
    contact's profile and activities are read once and scored by both versions. Writes nothing
    but the run: no score, no qualification, no timeline entry.
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
        kinds = selectors.scored_kinds(live_spec) | selectors.scored_kinds(draft_spec)
        outcomes = {
            pk: (result == OutcomeResult.WON, at)
            for pk, result, at in contacts_with_outcome(level=run.outcome_level).values_list(
                "pk", "outcome_result", "outcome_at"
            )
        }
        now = run.as_of
        comparison = whatif.WhatIf(now=now)
        observations = []
        done, last_id = 0, 0
        contacts = Contact.objects.select_related("company").order_by("pk")
        while True:
            batch = list(contacts.filter(pk__gt=last_id)[:chunk])
            if not batch:
                break
            events = selectors.events_by_contact([c.pk for c in batch], kinds=kinds)
            for contact in batch:
                profile = selectors.profile_of(contact)
                history = events.get(contact.pk, ())
                comparison.add(
                    contact.pk,
                    str(contact),
                    engine.evaluate(live_spec, profile, history, now),
                    engine.evaluate(draft_spec, profile, history, now),
                )
                outcome = outcomes.get(contact.pk)
                if outcome is not None:
                    won, at = outcome
                    observations.append(
                        [
                            backtest.observation_to_json(
                                backtest.observe(
                                    contact.pk, won, at, engine.evaluate(spec, profile, history, at)
                                )
                            )
                            for spec in (live_spec, draft_spec)
                        ]
                    )
            last_id = batch[-1].pk
            done += len(batch)
            WhatIfRun.objects.filter(pk=run.pk).update(done=done)
    except Exception as exc:
        run.status, run.error, run.finished_at = WhatIfStatus.FAILED, repr(exc), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.result = comparison.result()
    run.observations = observations
    run.done = done
    run.status, run.finished_at = WhatIfStatus.DONE, timezone.now()
    run.save(update_fields=["result", "observations", "done", "status", "finished_at"])
    return run
