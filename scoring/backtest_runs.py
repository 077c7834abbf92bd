"""
The backtest from the database: observations of a version (or of a what-if run) in, the figures
of scoring.backtest out. The what-if page and `manage.py backtest` both go through here, so the
command prints the page's figures.

- A draft is backtested through its what-if run (services.whatif_run_create/execute: the same
  replay the page shows); the latest finished run is reused while the draft has not changed
  since.
- Any other version (live, retired) is replayed here over the contacts with an outcome, each
  scored with `engine.evaluate` as of the moment its outcome was decided, exactly like the
  what-if's backtest half.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from contacts.models import OutcomeResult
from contacts.selectors import contacts_with_outcome
from scoring import backtest, engine, selectors
from scoring.models import OutcomeLevel, ScoringModel, WhatIfRun, WhatIfStatus

CHUNK = 2000
NO_POINTS = engine.ModelSpec(rules=(), mql_fit=math.inf, mql_interest=math.inf)


def run_observations(
    run: WhatIfRun,
) -> tuple[list[backtest.Observation], list[backtest.Observation]]:
    """(live, draft) observations stored on a finished what-if run, in the same order."""
    pairs = [
        (backtest.observation_from_json(a), backtest.observation_from_json(b))
        for a, b in run.observations
    ]
    return [a for a, _ in pairs], [b for _, b in pairs]


def version_observations(
    model: ScoringModel | None, *, level: str = OutcomeLevel.EITHER
) -> list[backtest.Observation]:
    """Every contact with an outcome, scored by `model` as of its outcome's moment."""
    spec = selectors.model_spec(model) if model is not None else NO_POINTS
    kinds = selectors.scored_kinds(spec)
    contacts = contacts_with_outcome(level=level).order_by("pk")
    observations = []
    last_id = 0
    while True:
        batch = list(contacts.filter(pk__gt=last_id)[:CHUNK])
        if not batch:
            break
        events = selectors.events_by_contact([c.pk for c in batch], kinds=kinds)
        for contact in batch:
            at = contact.outcome_at
            score = engine.evaluate(
                spec, selectors.profile_of(contact), events.get(contact.pk, ()), at
            )
            observations.append(
                backtest.observe(contact.pk, contact.outcome_result == OutcomeResult.WON, at, score)
            )
        last_id = batch[-1].pk
    return observations


def fresh_whatif_run(
    draft: ScoringModel,
    *,
    requested_by: AbstractBaseUser | None = None,
    level: str = OutcomeLevel.EITHER,
) -> WhatIfRun:
    """The draft's latest finished what-if when nothing changed since, else a new one, run now."""
    from scoring import services

    run = selectors.latest_whatif_run(draft=draft)
    if (
        run is not None
        and run.status == WhatIfStatus.DONE
        and run.outcome_level == level
        and not selectors.draft_changed_since(draft=draft, moment=run.created_at)
        and (run.baseline_id == getattr(selectors.live_model(line=draft.line_id), "pk", None))
    ):
        return run
    run = services.whatif_run_create(draft=draft, requested_by=requested_by, outcome_level=level)
    return services.whatif_run_execute(run_id=run.pk)


def draft_report(run: WhatIfRun, *, split_at: datetime | None = None) -> dict[str, Any]:
    """The backtest of a what-if run: live and draft over the same outcomes and split."""
    live_obs, draft_obs = run_observations(run)
    return backtest.compare(
        live_obs,
        draft_obs,
        live_rules=selectors.model_spec(run.baseline).rules if run.baseline else (),
        draft_rules=selectors.model_spec(run.draft).rules,
        split_at=split_at,
    )


def version_report(
    model: ScoringModel, *, level: str = OutcomeLevel.EITHER, split_at: datetime | None = None
) -> dict[str, Any]:
    """The backtest of one version on its own."""
    observations = version_observations(model, level=level)
    return backtest.backtest(observations, selectors.model_spec(model).rules, split_at=split_at)
