"""What scoring holds on one contact, for contacts.privacy (export and forget)."""

from __future__ import annotations

from typing import Any

from django.forms.models import model_to_dict

from contacts.models import Contact
from contacts.privacy import PersonalDataHandler, personal_data_handler_register
from scoring.models import ContactScore, Qualification, ScoreChange, WhatIfRun


def _score(score: ContactScore) -> dict[str, Any]:
    return model_to_dict(score) | {"scored_at": score.scored_at}


def _export(contact: Contact) -> dict[str, Any]:
    scores = list(ContactScore.objects.filter(contact=contact).select_related("line"))
    default = next((s for s in scores if s.line.is_default), None)
    return {
        "score": _score(default) if default else None,
        # Under every live scoring model (product line), the default's included.
        "scores": [_score(s) | {"model": s.line.name} for s in scores],
        "score_changes": [
            model_to_dict(change) | {"occurred_at": change.occurred_at}
            for change in ScoreChange.objects.filter(contact=contact).order_by("occurred_at", "pk")
        ],
        "qualifications": [
            model_to_dict(q) | {"id": q.pk}
            for q in Qualification.objects.filter(contact=contact).order_by("qualified_at", "pk")
        ],
    }


def _erase(contact: Contact) -> dict[str, int]:
    """What-if results name the leads entering and leaving the MQL set: drop this contact's."""
    removed = 0
    for run in WhatIfRun.objects.select_for_update().only("pk", "result", "observations"):
        result = run.result or {}
        changed = False
        for key in ("entering", "leaving"):
            leads = result.get(key) or []
            kept = [lead for lead in leads if lead.get("id") != contact.pk]
            if len(kept) != len(leads):
                removed += len(leads) - len(kept)
                result[key], changed = kept, True
        observations = run.observations or []
        # Each observation is a [live, draft] pair of rows starting with the contact id.
        kept_obs = [pair for pair in observations if not pair or pair[0][0] != contact.pk]
        if len(kept_obs) != len(observations):
            removed += len(observations) - len(kept_obs)
            changed = True
        if changed:
            WhatIfRun.objects.filter(pk=run.pk).update(result=result, observations=kept_obs)
    return {"what-if result rows": removed}


def register() -> None:
    personal_data_handler_register(PersonalDataHandler("scoring", export=_export, erase=_erase))
