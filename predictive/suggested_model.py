"""
A complete scoring model suggested by won and lost outcomes. Pure Python and scikit-learn: leads
in, a suggestion (JSON-ready) out; no ORM, no clock. predictive.suggested_draft feeds it from
the CRM and turns a suggestion into a draft; `suggest_scoring_model --csv` feeds it a file.

How it learns (on the *train* leads of the honest split only, scoring.backtest.choose_split):

1. **Candidates**: every active rule of the live model, plus new rules: fit rules on contact
   and company fields and custom properties ("equals" a frequent value; numbers in quantile
   bins: "at most", "between", "at least", cut half-way between two observed values so no
   training value sits on a boundary; "is empty" for often-missing properties), and interest
   rules (each activity kind counted in the last 30 / 90 days or ever, at most the 90th
   percentile of the counts; and kinds with a frequent property value, e.g. a form's name).
2. **Columns**: what each candidate would give each lead with 1 point, through the engine
   itself (`engine.compare`, `engine.evaluate_interest_rule` at the lead's outcome date, with
   the model's decay), so a rule's points times its column is exactly what the engine scores.
3. **Points**: an L1-regularised logistic regression on the columns (the strength chosen on a
   validation part of the train leads, the sparsest within a hair of the best), coefficients
   turned into points at 20 points per doubling of the odds and rounded. The rule score is
   then the model's log-odds (up to rounding), so it ranks leads as well as the model does.
4. **Evidence**: each rule's lift on the train leads (won rate matching / not matching) with a
   95 % interval (backtest.lift_interval: both rates' uncertainty counts). A suggestion that
   would flip an existing rule's sign is only made when the whole interval lies on the new
   side of "no effect"; otherwise the rule keeps its points and the suggestion says why.
5. **Settings**: grade cut-offs at the 90th / 70th / 40th percentiles of fit, band cut-offs
   likewise on interest, caps a quarter above the largest score seen (never saturated on the
   train leads), and a combined MQL threshold placed for a target MQL share or precision.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from predictive.suggested_candidates import (  # noqa: F401 - the learner's public names
    EPOCH,
    Candidate,
    Lead,
    bin_rules,
    candidates_for,
    min_support,
    numeric_cuts,
    tidy_cut,
)
from scoring import backtest, engine

POINTS_PER_LOGODDS = 20.0 / math.log(2)  # 20 points double the odds
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0)
PARSIMONY = 0.003  # validation AUC a sparser model may give up
DEFAULT_TARGET_SHARE = 0.10


# ---- Columns and the fit ---------------------------------------------------------------------


def columns(
    leads: Sequence[Lead], candidates: Sequence[Candidate], spec: engine.ModelSpec
) -> np.ndarray:
    """What each candidate gives each lead with 1 point, through the engine."""
    matrix = np.zeros((len(leads), len(candidates)))
    units = [c.unit() for c in candidates]
    for i, lead in enumerate(leads):
        by_kind: dict[str, list[engine.Event]] = defaultdict(list)
        for event in lead.events:
            by_kind[event.kind].append(event)
        for j, rule in enumerate(units):
            if rule.dimension == engine.FIT:
                value = engine.profile_value(rule, lead.profile, spec)
                hit = engine.compare(
                    rule.operator, value, rule.value, rule.min_value, rule.max_value
                )
                matrix[i, j] = 1.0 if hit else 0.0
            else:
                part = engine.evaluate_interest_rule(
                    rule, by_kind.get(rule.activity_kind, ()), lead.cutoff, spec.half_life_days
                )
                matrix[i, j] = part.points if part else 0.0
    return matrix


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def _logistic(strength: float) -> LogisticRegression:
    return LogisticRegression(l1_ratio=1.0, solver="liblinear", C=strength, max_iter=500)


def choose_strength(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """
    The regularisation strength by 3-fold cross-validation on the train leads (shuffled,
    stratified): the sparsest whose mean AUC is within PARSIMONY of the best.
    """
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=7)
    tried = []
    for strength in STRENGTHS:
        aucs = []
        for fit, held in folds.split(x, y):
            model = _logistic(strength).fit(x[fit], y[fit])
            auc = _auc(y[held], model.decision_function(x[held]))
            if auc is not None:
                aucs.append(auc)
        if aucs:
            tried.append({"C": strength, "auc": float(np.mean(aucs))})
    if not tried:
        return {"C": 0.1, "tried": tried}
    best = max(t["auc"] for t in tried)
    chosen = next(t for t in tried if t["auc"] >= best - PARSIMONY)
    return {"C": chosen["C"], "cv_auc": chosen["auc"], "tried": tried}


def fit_points(
    x: np.ndarray, y: np.ndarray, candidates: Sequence[Candidate]
) -> tuple[np.ndarray, dict[str, Any]]:
    """
    Log-odds per point-unit of each candidate. The live rules enter twice: as one column, their
    current score (so their relative points are kept unless the data say otherwise: a prior
    that small data cannot overturn by noise), and each on its own (so the data can move
    one). A rule's coefficient is then beta x its current points + its own term.
    """
    current = np.array([c.rule.points if c.existing else 0.0 for c in candidates])
    prior = x @ current
    scale = float(prior.std())
    design = np.column_stack([prior / scale, x]) if scale > 0 else x
    choice = choose_strength(design, y)
    model = _logistic(choice["C"]).fit(design, y)
    coefs = model.coef_[0]
    if scale > 0:
        beta = float(coefs[0]) / scale
        choice["prior_weight"] = beta
        return beta * current + coefs[1:], choice
    return coefs, choice


def lift_row(hit: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """A rule's won rate matching vs not, and its lift with a 95 % interval."""
    n_in, n_out = int(hit.sum()), int((~hit).sum())
    won_in, won_out = int(y[hit].sum()), int(y[~hit].sum())
    rate_in, rate_out = backtest.rate(won_in, n_in), backtest.rate(won_out, n_out)
    ci = backtest.wilson(won_in, n_in)
    lift = rate_in / rate_out if rate_in is not None and rate_out else None
    lift_ci = backtest.lift_interval(won_in, n_in, won_out, n_out) if lift is not None else None
    return {
        "n_in": n_in,
        "won_in": won_in,
        "rate_in": rate_in,
        "ci_in": ci,
        "n_out": n_out,
        "rate_out": rate_out,
        "lift": lift,
        "lift_ci": lift_ci,
    }


def evidence_side(row: dict[str, Any]) -> int:
    """+1 when the whole lift interval is above 1, -1 when below, 0 when it spans 1 (or none)."""
    if row["lift_ci"] is None or min(row["n_in"], row["n_out"]) < backtest.MIN_GROUP:
        return 0
    low, high = row["lift_ci"]
    return 1 if low > 1 else (-1 if high < 1 else 0)


# ---- The suggestion ---------------------------------------------------------------------------


def rule_to_json(rule: engine.Rule) -> dict[str, Any]:
    data = asdict(rule)
    data["conditions"] = [asdict(c) for c in rule.conditions]
    return data


def rule_from_json(data: dict[str, Any]) -> engine.Rule:
    values = dict(data)
    values["conditions"] = tuple(engine.Condition(**c) for c in values.get("conditions", ()))
    return engine.Rule(**values)


def _change(candidate: Candidate, points: int, evidence: dict[str, Any]) -> dict[str, Any]:
    """What to do with one candidate: add it, set its points, keep it, or switch it off."""
    rule, current = candidate.rule, candidate.rule.points
    change = {
        "rule_id": rule.id if candidate.existing else None,
        "name": rule.name,
        "dimension": rule.dimension,
        "group": candidate.group,
        "current_points": current if candidate.existing else None,
        "points": points,
        "evidence": evidence,
        "note": "",
    }
    side = evidence_side(evidence)
    if not candidate.existing:
        change["action"] = "add"
        new = replace(rule, points=float(points), max_points=None)
        change["rule"] = rule_to_json(new)
        return change
    flips = current and points and (points > 0) != (current > 0)
    if flips and side != (1 if points > 0 else -1):
        change.update(action="keep", points=current)
        change["note"] = (
            f"Kept at {current:g}: the data suggest {points:+d}, but the lift interval does not "
            "exclude the current sign's side, so the sign is not flipped."
        )
    elif points == 0 and not rule.hand_raise:
        change["action"] = "deactivate"
        change["note"] = "Adds nothing beside the other rules."
    else:
        change["action"] = "keep" if points == current else "set_points"
        if rule.max_points is not None and current:
            change["max_points"] = round(abs(points) * rule.max_points / abs(current), 2)
    return change


def _quantile(values: Sequence[float], q: float) -> float:
    return float(np.quantile(np.array(values, dtype=float), q)) if len(values) else 0.0


def _cap(values: Sequence[float], current: float | None) -> float | None:
    """A quarter above the largest score seen, rounded up to 10: never saturated on train."""
    biggest = max((abs(v) for v in values), default=0.0)
    if biggest == 0:
        return current
    return float(10 * math.ceil(1.25 * biggest / 10))


def settings_for(fit: Sequence[float], interest: Sequence[float], spec: engine.ModelSpec) -> dict:
    """Grade and band cut-offs from the score distribution, and caps that are not saturated."""
    grade_c, grade_b, grade_a = (round(_quantile(fit, q)) for q in (0.4, 0.7, 0.9))
    active = [v for v in interest if v > 0]
    warm, hot = (max(1, round(_quantile(active, q))) for q in (0.5, 0.9)) if active else (1, 1)
    return {
        "grade_a_min": float(grade_a),
        "grade_b_min": float(min(grade_b, grade_a)),
        "grade_c_min": float(min(grade_c, grade_b, grade_a)),
        "band_hot_min": float(max(hot, warm)),
        "band_warm_min": float(warm),
        "fit_cap": _cap(fit, spec.fit_cap),
        "interest_cap": _cap(interest, spec.interest_cap),
        "mql_mode": engine.COMBINED,
    }


def threshold_table(scores: Sequence[float], won: Sequence[bool], raised: Sequence[bool]) -> list:
    """[threshold, MQL share, precision, recall] for each distinct score, highest first."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    total_won = sum(won) or 1
    n = len(scores) or 1
    hand = [i for i in range(len(scores)) if raised[i]]
    rows, taken, taken_won = [], set(hand), sum(won[i] for i in hand)
    for position, i in enumerate(order):
        if i not in taken:
            taken.add(i)
            taken_won += won[i]
        last = position + 1 == len(order) or scores[order[position + 1]] != scores[i]
        if last:
            rows.append([scores[i], len(taken) / n, taken_won / len(taken), taken_won / total_won])
    return rows


def place_mql(table: Sequence[Sequence[float]], *, share: float | None, precision: float | None):
    """The threshold for the target: the largest MQL list with at least the precision asked
    for, or the list nearest the share asked for. Returns (threshold, row, reached)."""
    if not table:
        return math.inf, None, False
    if precision is not None:
        fine = [row for row in table if row[2] >= precision]
        if fine:
            row = max(fine, key=lambda r: r[1])
            return row[0], row, True
        return table[0][0], table[0], False
    target = DEFAULT_TARGET_SHARE if share is None else share
    row = min(table, key=lambda r: (abs(r[1] - target), -r[0]))
    return row[0], row, abs(row[1] - target) <= 0.05


def spec_of(suggestion: dict[str, Any], base: engine.ModelSpec) -> engine.ModelSpec:
    """The suggested model as the engine sees it (what the draft will score)."""
    rules = []
    for change in suggestion["changes"]:
        if change["action"] == "deactivate":
            continue
        if change["action"] == "add":
            rules.append(rule_from_json(change["rule"]))
            continue
        rule = next(r for r in base.rules if r.id == change["rule_id"])
        rules.append(
            replace(
                rule,
                points=float(change["points"]),
                max_points=change.get("max_points", rule.max_points),
            )
        )
    s = suggestion["settings"]
    return replace(
        base,
        rules=tuple(rules),
        fit_cap=s["fit_cap"],
        interest_cap=s["interest_cap"],
        mql_mode=s["mql_mode"],
        mql_combined=s["mql_combined"],
        grade_a=s["grade_a_min"],
        grade_b=s["grade_b_min"],
        grade_c=s["grade_c_min"],
        band_hot=s["band_hot_min"],
        band_warm=s["band_warm_min"],
    )


def observe(leads: Sequence[Lead], spec: engine.ModelSpec) -> list[backtest.Observation]:
    """Each lead scored by `spec` as of its outcome, as the backtest does."""
    return [
        backtest.observe(
            lead.key,
            lead.won,
            lead.decided_at,
            engine.evaluate(spec, lead.profile, lead.events, lead.cutoff),
        )
        for lead in leads
    ]


def suggest(
    leads: Sequence[Lead],
    spec: engine.ModelSpec,
    *,
    target_share: float | None = None,
    target_precision: float | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """The suggested model, learnt on these (train) leads only. JSON-ready."""
    step = progress or (lambda percent, note: None)
    y = np.array([lead.won for lead in leads], dtype=int)
    if len(leads) < 20 or y.sum() < 5 or y.sum() > len(y) - 5:
        raise ValueError("Too few won and lost leads to suggest a model (20, with 5 of each).")
    step(10, "Listing candidate rules")
    candidates = candidates_for(leads, spec)
    step(25, f"Scoring {len(leads):,} leads with {len(candidates):,} candidate rules")
    x = columns(leads, candidates, spec)
    step(60, "Choosing rules and points")
    coefs, choice = fit_points(x, y, candidates)
    changes = []
    for j, candidate in enumerate(candidates):
        points = round(float(coefs[j]) * POINTS_PER_LOGODDS)
        if not candidate.existing and points == 0:
            continue
        changes.append(_change(candidate, points, lift_row(x[:, j] > 0, y.astype(bool))))
    step(80, "Placing cut-offs, caps and the MQL rule")
    suggestion = {"changes": changes, "settings": {"mql_combined": math.inf}, "fit": choice}
    # First pass without caps: the caps are then placed above every uncapped score.
    uncapped = {**settings_for([], [], spec), "fit_cap": None, "interest_cap": None}
    draft = spec_of({**suggestion, "settings": {**uncapped, "mql_combined": math.inf}}, spec)
    observed = observe(leads, draft)
    suggestion["settings"] = settings_for(
        [o.fit for o in observed], [o.interest for o in observed], spec
    )
    draft = spec_of(
        {**suggestion, "settings": {**suggestion["settings"], "mql_combined": math.inf}}, spec
    )
    observed = observe(leads, draft)
    raised = (
        [
            bool(engine.evaluate(draft, lead.profile, lead.events, lead.cutoff).hand_raise_rule)
            for lead in leads
        ]
        if any(r.hand_raise for r in draft.rules)
        else [False] * len(leads)
    )
    table = threshold_table([o.combined for o in observed], [o.won for o in observed], raised)
    threshold, row, reached = place_mql(table, share=target_share, precision=target_precision)
    # No lead at all to place it on: a threshold nobody reaches (JSON has no infinity).
    # A whole number of points (scores carry decay's decimals), never above the one placed.
    suggestion["settings"]["mql_combined"] = (
        float(math.floor(threshold)) if math.isfinite(threshold) else 1e9
    )
    suggestion["target"] = {
        "share": target_share if target_precision is None else None,
        "precision": target_precision,
        "reached": reached,
        "train": {"share": row[1], "precision": row[2], "recall": row[3]} if row else None,
    }
    suggestion["thresholds"] = _thin(table)
    suggestion["train_auc"] = backtest.roc_auc(
        [o.combined for o in observed], [o.won for o in observed]
    )
    suggestion["n_train"], suggestion["won_train"] = len(leads), int(y.sum())
    suggestion["candidates"] = len(candidates)
    step(100, "Done")
    return suggestion


def _thin(table: Sequence[Sequence[float]], keep: int = 200) -> list[list[float]]:
    """At most `keep` rows of the threshold table, evenly spread (for later targets)."""
    if len(table) <= keep:
        return [list(r) for r in table]
    step = len(table) / keep
    return [list(table[int(i * step)]) for i in range(keep)] + [list(table[-1])]


def retarget(
    suggestion: dict[str, Any], *, share: float | None = None, precision: float | None = None
) -> dict[str, Any]:
    """The same suggestion with its MQL threshold placed for another target."""
    threshold, row, reached = place_mql(suggestion["thresholds"], share=share, precision=precision)
    settings = {**suggestion["settings"], "mql_combined": float(math.floor(threshold))}
    target = {
        "share": share if precision is None else None,
        "precision": precision,
        "reached": reached,
        "train": {"share": row[1], "precision": row[2], "recall": row[3]} if row else None,
    }
    return {**suggestion, "settings": settings, "target": target}
