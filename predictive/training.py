"""
Training and evaluation of the predictive score. No ORM: rows in, a fitted model and its
evaluation out (predictive.services feeds it from the CRM, the CSV command from a file).

- **Split**: by time when rows have dates (the latest 25 % of outcomes are the test set, the
  model never sees them), else a seeded stratified random split. Choices (class weights, model
  kind) are made on the last 25 % of the training period, never on the test set.
- **Models**: logistic regression, the explainable default, with and without balanced class
  weights; histogram gradient boosting is taken only when it is clearly better (validation
  ROC AUC higher by at least `HGB_MARGIN`). The reasons shown to reps always come from the
  logistic model's coefficients.
- **Metrics on the test set**: ROC AUC; base rate; precision at the MQL threshold (see
  `precision_at_mql`); precision at probability >= the training base rate; Brier score; lift
  in the top decile; and the reliability curve (calibration) in ten bins of equal size.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline

from predictive.features import FeatureEncoder

MIN_OUTCOMES = 200
MIN_PER_CLASS = 30
TEST_SHARE = 0.25
HGB_MARGIN = 0.02  # validation AUC points HGB must win by to be chosen
CALIBRATION_BINS = 10


class NotEnoughData(ValueError):
    """Too few won or lost leads to learn anything trustworthy."""


@dataclass
class Row:
    """A labelled lead: its raw features (as of its cutoff), the label and when it was decided."""

    features: dict[str, Any]
    won: bool
    decided_at: datetime | None = None
    # Was the lead an MQL under the rules before its outcome (None: not known, e.g. a CSV)?
    was_mql: bool | None = None


@dataclass
class Trained:
    """A fitted model and everything the model page shows about it."""

    pipeline: dict[str, Any]  # {"model": Pipeline, "explainer": Pipeline}
    algorithm: str
    metrics: dict[str, Any]
    features: list[str]
    n_rows: int
    n_train: int
    n_test: int
    n_won: int
    split: str
    split_at: datetime | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)


def check_enough(rows: Sequence[Row]) -> None:
    won = sum(1 for r in rows if r.won)
    lost = len(rows) - won
    if len(rows) < MIN_OUTCOMES or won < MIN_PER_CLASS or lost < MIN_PER_CLASS:
        raise NotEnoughData(
            f"Not enough outcomes to train: need at least {MIN_OUTCOMES} won or lost leads "
            f"with at least {MIN_PER_CLASS} of each; there are {len(rows)} "
            f"({won} won, {lost} lost). Record more outcomes and try again."
        )


def split_rows(rows: Sequence[Row], *, seed: int = 7) -> tuple[list[Row], list[Row], str]:
    """(train, test, how): by time when every row has a date, else stratified random."""
    if rows and all(r.decided_at is not None for r in rows):
        ordered = sorted(rows, key=lambda r: r.decided_at)
        cut = round(len(ordered) * (1 - TEST_SHARE))
        return ordered[:cut], ordered[cut:], "time"
    rng = random.Random(seed)
    train, test = [], []
    for label in (True, False):
        group = [r for r in rows if r.won == label]
        rng.shuffle(group)
        cut = round(len(group) * (1 - TEST_SHARE))
        train += group[:cut]
        test += group[cut:]
    return train, test, "random"


def _logistic(class_weight: str | None, min_frequency: int) -> Pipeline:
    return Pipeline(
        [
            ("encode", FeatureEncoder(min_frequency=min_frequency)),
            ("model", LogisticRegression(C=0.5, class_weight=class_weight, max_iter=2000)),
        ]
    )


def _boosting(min_frequency: int) -> Pipeline:
    return Pipeline(
        [
            ("encode", FeatureEncoder(min_frequency=min_frequency)),
            (
                "model",
                HistGradientBoostingClassifier(
                    max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=7
                ),
            ),
        ]
    )


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def precision_at_mql(y: np.ndarray, p: np.ndarray, was_mql: Sequence[bool | None]) -> dict:
    """
    Precision at the MQL threshold: the won rate among the k test leads with the highest
    probability, where k is the number of test leads the rules made MQLs (so the model and
    the rules are compared at the same list length; the rules' own precision is shown beside
    it). Without MQL data (a CSV), k is the number of won leads (R-precision).
    """
    known = [m for m in was_mql if m is not None]
    if known and any(known):
        k = sum(1 for m in was_mql if m)
        mql = np.array([bool(m) for m in was_mql])
        rules = float(y[mql].mean()) if mql.any() else None
        basis = "k = test leads that were MQLs under the rules"
    else:
        k, rules, basis = int(y.sum()), None, "k = won leads in the test set (no MQL data)"
    k = max(1, min(k, len(y)))
    top = np.argsort(-p, kind="stable")[:k]
    return {"k": k, "precision": float(y[top].mean()), "rules_precision": rules, "basis": basis}


def reliability(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Calibration: mean predicted vs observed won rate in bins of equal size, low to high."""
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, min(bins, len(order))):
        if len(chunk):
            out.append(
                {
                    "predicted": float(p[chunk].mean()),
                    "observed": float(y[chunk].mean()),
                    "n": len(chunk),
                }
            )
    return out


def evaluate(y: np.ndarray, p: np.ndarray, *, train_rate: float, was_mql: Sequence) -> dict:
    n = len(y)
    top = np.argsort(-p, kind="stable")[: max(1, n // 10)]
    above = p >= train_rate
    base = float(y.mean())
    return {
        "n": int(n),
        "won": int(y.sum()),
        "base_rate": base,
        "auc": _auc(y, p),
        "brier": float(brier_score_loss(y, p)),
        "precision_at_mql": precision_at_mql(y, p, was_mql),
        "precision_above_base_rate": float(y[above].mean()) if above.any() else None,
        "share_above_base_rate": float(above.mean()),
        "top_decile_rate": float(y[top].mean()),
        "top_decile_lift": float(y[top].mean() / base) if base else None,
        "mean_probability": float(p.mean()),
        "reliability": reliability(y, p),
    }


def train(
    rows: Sequence[Row],
    *,
    min_frequency: int = 10,
    allow_boosting: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> Trained:
    """Check there is enough data, split, choose, fit and evaluate. Raises NotEnoughData."""
    check_enough(rows)

    def step(percent: int, note: str) -> None:
        if progress:
            progress(percent, note)

    train_rows, test_rows, how = split_rows(rows)
    if sum(r.won for r in train_rows) < 2 or sum(r.won for r in test_rows) < 1:
        raise NotEnoughData("The held-out period has no won (or no lost) leads; record more.")
    # The validation set: the latest quarter of the training period (or a random quarter).
    fit_rows, val_rows, _ = split_rows(train_rows)
    x_fit = [r.features for r in fit_rows]
    y_fit = np.array([r.won for r in fit_rows], dtype=int)
    x_val = [r.features for r in val_rows]
    y_val = np.array([r.won for r in val_rows], dtype=int)

    candidates: list[dict[str, Any]] = []
    step(20, "Comparing models on the validation period")
    for name, make in (
        ("logistic", lambda: _logistic(None, min_frequency)),
        ("logistic_balanced", lambda: _logistic("balanced", min_frequency)),
        *((("boosting", lambda: _boosting(min_frequency)),) if allow_boosting else ()),
    ):
        pipe = make().fit(x_fit, y_fit)
        p_val = pipe.predict_proba(x_val)[:, 1]
        candidates.append(
            {
                "name": name,
                "validation_auc": _auc(y_val, p_val),
                "validation_brier": float(brier_score_loss(y_val, p_val)),
            }
        )
    by_name = {c["name"]: c for c in candidates}

    def auc_of(name: str) -> float:
        value = by_name.get(name, {}).get("validation_auc")
        return -1.0 if value is None else value

    # Balanced weights only if they rank clearly better: they inflate probabilities.
    logistic = (
        "logistic_balanced"
        if auc_of("logistic_balanced") > auc_of("logistic") + 0.005
        else "logistic"
    )
    chosen = "boosting" if auc_of("boosting") >= auc_of(logistic) + HGB_MARGIN else logistic
    for c in candidates:
        c["chosen"] = c["name"] == chosen

    step(55, "Fitting the chosen model on the training period")
    x_train = [r.features for r in train_rows]
    y_train = np.array([r.won for r in train_rows], dtype=int)
    explainer = _logistic("balanced" if logistic == "logistic_balanced" else None, min_frequency)
    explainer.fit(x_train, y_train)
    model = explainer if chosen != "boosting" else _boosting(min_frequency).fit(x_train, y_train)

    step(80, "Evaluating on the held-out test set")
    x_test = [r.features for r in test_rows]
    y_test = np.array([r.won for r in test_rows], dtype=int)
    p_test = model.predict_proba(x_test)[:, 1]
    train_rate = float(y_train.mean())
    metrics = {
        "test": evaluate(
            y_test, p_test, train_rate=train_rate, was_mql=[r.was_mql for r in test_rows]
        ),
        "train_base_rate": train_rate,
        "train_auc": _auc(y_train, model.predict_proba(x_train)[:, 1]),
    }
    if chosen == "boosting":
        p_lr = explainer.predict_proba(x_test)[:, 1]
        metrics["explainer_test_auc"] = _auc(y_test, p_lr)
    encoder: FeatureEncoder = explainer.named_steps["encode"]
    return Trained(
        pipeline={"model": model, "explainer": explainer},
        algorithm=chosen,
        metrics=metrics,
        features=encoder.raw_features(),
        n_rows=len(rows),
        n_train=len(train_rows),
        n_test=len(test_rows),
        n_won=sum(1 for r in rows if r.won),
        split=how,
        split_at=test_rows[0].decided_at if how == "time" and test_rows else None,
        candidates=candidates,
    )


def coefficients(explainer: Pipeline) -> list[dict[str, Any]]:
    """The logistic model's columns and coefficients, strongest first (for the model page)."""
    encoder: FeatureEncoder = explainer.named_steps["encode"]
    coefs = explainer.named_steps["model"].coef_[0]
    rows = []
    for column, coef in zip(encoder.columns_, coefs, strict=True):
        if column.kind == "onehot":
            words = encoder.words(column, column.value)
        elif column.kind == "missing":
            words = encoder.words(column, None)
        else:
            words = f"{encoder.words(column, 0).rsplit(':', 1)[0]} (per standard deviation)"
            if column.name == "act:days_since_last":
                words = "Days since last activity (per standard deviation)"
        rows.append(
            {"words": words, "coefficient": float(coef), "odds_ratio": math.exp(float(coef))}
        )
    return sorted(rows, key=lambda r: -abs(r["coefficient"]))
