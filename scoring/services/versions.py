"""
Scoring model versions: drafts copied from a version, publishing a draft, rolling back, and the
one rule edit a person makes from a suggestion. Every change is audited (scoring.services.audit).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from scoring import selectors
from scoring.models import AuditAction, RuleCondition, ScoringLine, ScoringModel, ScoringRule
from scoring.rule_models import validate_points
from scoring.services.audit import audit_record
from scoring.services.rescore_runs import line_liveness_lock, scoring_model_changed

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
    *,
    source: ScoringModel,
    created_by: AbstractBaseUser | None,
    note: str = "",
    line: ScoringLine | None = None,
) -> ScoringModel:
    """
    A new draft version: a deep copy of a version's settings, rules and their conditions, in
    the source's line (or in `line`: a new model's first version starts from another's).
    Nothing is rescored: a draft scores nobody until it is published.
    """
    values = _copied_values(source, _VERSION_FIELDS_NOT_COPIED)
    if line is not None:
        values["line_id"] = line.pk
    draft = ScoringModel.objects.create(**values, based_on=source, is_live=False)
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
        note=note or f"Draft v{draft.version} created from {_label(source, draft)}",
    )
    return draft


def _label(source: ScoringModel, draft: ScoringModel) -> str:
    if source.line_id == draft.line_id:
        return f"v{source.version}"
    return f"{source.line.name} v{source.version}"


@transaction.atomic
def scoring_line_create(
    *,
    name: str,
    source: ScoringModel,
    created_by: AbstractBaseUser | None,
    description: str = "",
) -> ScoringModel:
    """
    A new live scoring model (a product line or region) beside the others: the line and its
    first draft, a copy of `source` to edit. It scores nobody until that draft is published.
    Returns the draft.
    """
    name = name.strip()
    if not name:
        raise VersionError("Name the new scoring model.")
    if ScoringLine.objects.filter(name__iexact=name).exists():
        raise VersionError(f"A scoring model named {name!r} exists already.")
    line = ScoringLine.objects.create(name=name[:100], description=description[:255])
    draft = scoring_model_draft_create(
        source=source, created_by=created_by, line=line, note=f"First draft of {name}"
    )
    draft.name = name[:100]
    draft.save(update_fields=["name"])
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
    # First: running rescores of this line finish the slice in hand and write no more.
    line_liveness_lock(draft.line_id, shared=False)
    locked = {
        m.pk: m
        for m in ScoringModel.objects.select_for_update()
        .filter(Q(pk=draft.pk) | Q(is_live=True, line_id=draft.line_id))
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
        # One live version per line (scoring_one_live_model): the old one steps down first.
        previous.is_live, previous.retired_at = False, now
        previous.save(update_fields=["is_live", "retired_at", "updated_at"])
    # Scores move to the new version in the background, re-folding only the rule definitions
    # that changed (a RescoreRun, queued once this commits). Asked first so that it carries its
    # reason; the rule receiver's request on the save below joins it.
    scoring_model_changed(model_id=draft.pk, reason=f"Version {draft.version} published")
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
    live = selectors.live_model(line=to.line_id)
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
    """
    Change a draft rule's points (a backtest suggestion a person chose to apply). Raises
    ValidationError for points out of range (rule_models.validate_points).
    """
    validate_points(points)
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
