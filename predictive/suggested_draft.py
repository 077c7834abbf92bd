"""
The suggested scoring model from the CRM's outcomes, and adopting it as a new draft.

`suggestion_compute` reads every contact with a won or lost outcome, splits them with the
backtest's honest split (keyed by contact id, so its test leads are the what-if backtest's and
the predictive model's), learns the suggestion on the train leads (predictive.suggested_model)
and measures it, beside the live rules, on the test leads. Training the predictive score
stores one on its version; `manage.py suggest_scoring_model` computes a fresh one.

`suggested_draft_create` turns a suggestion into a new draft copied from the live version,
through the scoring version services, each change audited: points set, rules switched off,
new rules with their conditions, cut-offs, caps and the MQL rule. The draft then goes through
what-if, backtest and publishing like any other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from contacts.models import ActivityKind, OutcomeResult
from contacts.selectors import contacts_with_outcome
from predictive import suggested_model
from scoring import backtest, draft_edits, engine, selectors, services
from scoring.models import AuditAction, Dimension, ScoringModel

CHUNK = 2000
NOTE = "Suggested from outcomes"
EMPTY_SPEC = engine.ModelSpec(rules=(), mql_fit=math.inf, mql_interest=math.inf)


def crm_leads() -> list[suggested_model.Lead]:
    """Every contact with an outcome, with its profile and all its activities, by contact id."""
    contacts = contacts_with_outcome(level="either").order_by("pk")
    kinds = set(ActivityKind.values)
    leads, last_id = [], 0
    while True:
        batch = list(contacts.filter(pk__gt=last_id)[:CHUNK])
        if not batch:
            break
        events = selectors.events_by_contact([c.pk for c in batch], kinds=kinds)
        for contact in batch:
            leads.append(
                suggested_model.Lead(
                    key=contact.pk,
                    profile=selectors.profile_of(contact),
                    won=contact.outcome_result == OutcomeResult.WON,
                    decided_at=contact.outcome_at,
                    events=tuple(events.get(contact.pk, ())),
                )
            )
        last_id = batch[-1].pk
    return leads


def measure(
    leads: list[suggested_model.Lead],
    spec: engine.ModelSpec,
    base: engine.ModelSpec,
    suggestion: dict[str, Any],
    chosen: backtest.Split,
) -> dict[str, Any]:
    """The suggested model and the base model side by side on the held-out leads."""
    test = [lead for lead in leads if not chosen.is_train(lead.key)]
    return {
        "split": chosen.to_json(),
        "test": backtest.metrics(suggested_model.observe(test, spec)),
        "test_base": backtest.metrics(suggested_model.observe(test, base)),
        **{k: v for k, v in suggestion.items() if k not in {"split"}},
    }


def suggestion_compute(
    *,
    leads: list[suggested_model.Lead] | None = None,
    base_model: ScoringModel | None = None,
    target_share: float | None = None,
    target_precision: float | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """A suggestion learnt on the train leads and measured on the test leads (JSON-ready)."""
    leads = crm_leads() if leads is None else leads
    base_model = base_model or selectors.live_model()
    base = selectors.model_spec(base_model) if base_model is not None else EMPTY_SPEC
    chosen = backtest.choose_split([(lead.key, lead.won, lead.decided_at) for lead in leads])
    train = [lead for lead in leads if chosen.is_train(lead.key)]
    suggestion = suggested_model.suggest(
        train,
        base,
        target_share=target_share,
        target_precision=target_precision,
        progress=progress,
    )
    suggestion["base_version"] = base_model.version if base_model else None
    suggestion["base_model_id"] = base_model.pk if base_model else None
    suggestion["computed_at"] = timezone.now().isoformat()
    spec = suggested_model.spec_of(suggestion, base)
    return measure(leads, spec, base, suggestion, chosen)


def _rule_values(data: dict[str, Any], position: int) -> tuple[dict[str, Any], list[dict]]:
    """ScoringRule fields of a suggested new rule, and its conditions."""
    rule = suggested_model.rule_from_json(data)
    values: dict[str, Any] = {
        "name": rule.name[:100],
        "description": "Suggested from outcomes",
        "dimension": rule.dimension,
        "points": rule.points,
        "position": position,
    }
    if rule.dimension == Dimension.FIT:
        values.update(
            attribute=rule.attribute,
            property_name=rule.property_name,
            operator=rule.operator,
            value=rule.value,
            min_value=rule.min_value,
            max_value=rule.max_value,
        )
    else:
        values.update(
            activity_kind=rule.activity_kind,
            custom_kind=rule.custom_kind,
            max_occurrences=rule.max_occurrences,
            max_points=rule.max_points,
            window_days=rule.window_days,
        )
    conditions = [
        {
            "property": c.property,
            "operator": c.operator,
            "value": c.value,
            "min_value": c.min_value,
            "max_value": c.max_value,
        }
        for c in rule.conditions
    ]
    return values, conditions


def _apply_change(draft: ScoringModel, copies: dict, change: dict, by, position: int) -> None:
    note = NOTE
    if change["action"] == "add":
        values, conditions = _rule_values(change["rule"], position)
        lift = change["evidence"].get("lift")
        if lift is not None:
            note = f"{NOTE}: lift {lift:.2f}x on {change['evidence']['n_in']:,} train leads"
        draft_edits.scoring_rule_create(
            draft=draft, values=values, conditions=conditions, by=by, note=note[:255]
        )
        return
    rule = copies.get(change["rule_id"])
    if rule is None:
        return  # the rule was not in the version the draft was copied from
    if change["action"] == "deactivate":
        draft_edits.scoring_rule_update(rule=rule, changes={"is_active": False}, by=by, note=note)
    elif change["action"] == "set_points":
        services.scoring_rule_set_points(
            rule=rule, points=float(change["points"]), by=by, note=note
        )
        if "max_points" in change:
            draft_edits.scoring_rule_update(
                rule=rule, changes={"max_points": change["max_points"]}, by=by, note=note
            )


@transaction.atomic
def suggested_draft_create(
    *,
    suggestion: dict[str, Any],
    by: AbstractBaseUser | None,
    target_share: float | None = None,
    target_precision: float | None = None,
) -> ScoringModel:
    """
    A new draft from a suggestion (re-targeted when a target is given), copied from the version
    the suggestion was learnt against (else the live one), every change audited.
    """
    if target_share is not None or target_precision is not None:
        suggestion = suggested_model.retarget(
            suggestion, share=target_share, precision=target_precision
        )
    source = ScoringModel.objects.filter(pk=suggestion.get("base_model_id")).first()
    source = source or selectors.live_model()
    if source is None:
        draft = ScoringModel.objects.create(name=NOTE, is_live=False)
        services.audit_record(user=by, action=AuditAction.CREATED, obj=draft, note=NOTE)
        copies: dict = {}
    else:
        draft = services.scoring_model_draft_create(
            source=source,
            created_by=by,
            note=f"Draft created from v{source.version} with the model suggested by outcomes",
        )
        # The copy keeps the source's rule order (by id): map each source rule to its copy.
        originals = list(source.rules.order_by("id").values_list("pk", flat=True))
        copies = dict(zip(originals, draft.rules.order_by("id"), strict=True))
    position = 1000
    for change in suggestion["changes"]:
        position += 1
        _apply_change(draft, copies, change, by, position)
    settings = suggestion["settings"]
    threshold = settings["mql_combined"]
    changes = {
        "name": f"Suggested from outcomes {timezone.now():%Y-%m-%d}",
        **{k: settings[k] for k in draft_edits.MODEL_FIELDS & settings.keys()},
        "mql_combined_threshold": float(threshold) if math.isfinite(threshold) else 1e9,
    }
    changes.pop("mql_combined", None)
    draft_edits.scoring_model_update(draft=draft, changes=changes, by=by, note=NOTE)
    draft.refresh_from_db()
    return draft
