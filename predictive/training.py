"""
Training and evaluation of the predictive score. No ORM: rows in, a fitted model and its
evaluation out (predictive.services feeds it from the CRM, the CSV commands from a file).

- **Split**: the backtest's honest split (scoring.backtest.choose_split, keyed by row): by time
  when outcome dates spread (the latest 30 % of outcomes are the test set, the model never
  sees them), else a seeded stratified random split, saying why. The CRM's rows are keyed by
  contact id, so the test leads are the what-if backtest's test leads. Choices (class weights,
  model kind) are made on the last quarter of the training period, never on the test set.
- **Models**: logistic regression, the explainable default, with and without balanced class
  weights, and histogram gradient boosting with native categorical support. Boosting is
  chosen when it ranks the validation leads better and a paired bootstrap of the AUC
  difference (the same resampled leads scored by both) puts at least 95 % of the resamples in
  its favour: a real gain is taken, a lucky one is not. The reasons shown to reps always come
  from the logistic model's coefficients.
- **Calibration**: the chosen model is refitted on the whole training period inside a
  sigmoid (Platt) calibration fitted on 3-fold out-of-fold predictions, so a probability means
  what it says. Probabilities are then kept within honest bounds: never beyond the 95 %
  Wilson interval of the won rate observed in the lowest and highest tenth of the test set,
  and never under 1 % or over 99 % (no "100 % chance" on a lead nobody has decided).
- **Metrics on the test set**: ROC AUC, and the rule score's ROC AUC on the same test leads
  when known (the page warns when the model ranks worse than the rules); base rate; precision
  at the MQL threshold (see `precision_at_mql`); precision at probability >= the training
  base rate; Brier score; lift in the top decile; and the reliability curve in ten bins.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from predictive.features import FeatureEncoder, NativeEncoder
from scoring import backtest

MIN_OUTCOMES = 200
MIN_PER_CLASS = 30
TRAIN_SHARE = backtest.DEFAULT_TRAIN_SHARE
VALIDATION_SHARE = 0.75  # of the training period: fit on the first part, choose on the rest
BOOTSTRAP_RESAMPLES = 300
BOOTSTRAP_CONFIDENCE = 0.95  # share of resamples boosting must win to be chosen
CALIBRATION_BINS = 10
EARLY_STOPPING_ROWS = 2000
FLOOR, CEILING = 0.01, 0.99


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
    # The live rules' fit + interest as of the cutoff (None: not known), to compare with.
    rule_score: float | None = None
    key: Any = None  # what the split is keyed by (the contact id); the row's index if None


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
    split_info: dict[str, Any] = field(default_factory=dict)
    train_keys: list[Any] = field(default_factory=list)


def check_enough(rows: Sequence[Row]) -> None:
    won = sum(1 for r in rows if r.won)
    lost = len(rows) - won
    if len(rows) < MIN_OUTCOMES or won < MIN_PER_CLASS or lost < MIN_PER_CLASS:
        raise NotEnoughData(
            f"Not enough outcomes to train: need at least {MIN_OUTCOMES} won or lost leads "
            f"with at least {MIN_PER_CLASS} of each; there are {len(rows)} "
            f"({won} won, {lost} lost). Record more outcomes and try again."
        )


def _key(row: Row, index: int) -> Any:
    return row.key if row.key is not None else index


def split_rows(
    rows: Sequence[Row], *, share: float = TRAIN_SHARE, chosen: backtest.Split | None = None
) -> tuple[list[Row], list[Row], backtest.Split]:
    """(train, test, the split): the backtest's honest split, keyed like the backtest."""
    items = [(_key(r, i), r.won, r.decided_at) for i, r in enumerate(rows)]
    chosen = chosen or backtest.choose_split(items, share=share)
    train = [r for i, r in enumerate(rows) if chosen.is_train(_key(r, i))]
    test = [r for i, r in enumerate(rows) if not chosen.is_train(_key(r, i))]
    return train, test, chosen


def _logistic(class_weight: str | None, min_frequency: int) -> Pipeline:
    return Pipeline(
        [
            ("encode", FeatureEncoder(min_frequency=min_frequency)),
            ("model", LogisticRegression(C=0.5, class_weight=class_weight, max_iter=2000)),
        ]
    )


class Boosting(ClassifierMixin, BaseEstimator):
    """Histogram gradient boosting on raw feature dicts, categories handled natively."""

    def __init__(self, min_frequency: int = 10) -> None:
        self.min_frequency = min_frequency

    def fit(self, rows: Sequence[dict[str, Any]], y: Any) -> Boosting:
        self.encoder_ = NativeEncoder(min_frequency=self.min_frequency).fit(rows)
        with one_thread():
            self.model_ = self._model(len(rows)).fit(self.encoder_.transform(rows), np.asarray(y))
        self.classes_ = self.model_.classes_
        return self

    def _model(self, n: int) -> HistGradientBoostingClassifier:
        # With enough rows, the number of trees is chosen by early stopping on a held-out tenth
        # of the rows given (on Bank Marketing: 0.816 test AUC against 0.812 with 300 trees).
        enough = n >= EARLY_STOPPING_ROWS
        return HistGradientBoostingClassifier(
            max_iter=500 if enough else 200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            categorical_features=np.array(self.encoder_.categorical_, dtype=bool)
            if self.encoder_.names_
            else None,
            early_stopping=enough,
            validation_fraction=0.1,
            n_iter_no_change=20,
            random_state=7,
        )

    def predict_proba(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        with one_thread():
            return self.model_.predict_proba(self.encoder_.transform(rows))

    def decision_function(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        with one_thread():
            return self.model_.decision_function(self.encoder_.transform(rows))

    def predict(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        with one_thread():
            return self.model_.predict(self.encoder_.transform(rows))


def one_thread():
    """
    Boosting's OpenMP threads spin while they wait: beside other busy processes (Celery
    workers, web workers) a fit took 25x longer than on one thread. Workers run in parallel
    processes instead.
    """
    return threadpool_limits(limits=1, user_api="openmp")


def _boosting(min_frequency: int) -> Boosting:
    return Boosting(min_frequency=min_frequency)


def _fast_auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC by ranks (Mann-Whitney), ties counting half; both classes must be present."""
    ranks = rankdata(p)
    positives = int(y.sum())
    negatives = len(y) - positives
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def paired_bootstrap(
    y: np.ndarray, p_a: np.ndarray, p_b: np.ndarray, *, resamples: int = BOOTSTRAP_RESAMPLES
) -> dict[str, float]:
    """AUC(b) - AUC(a) on the same leads, and over resamples of them: the share b wins, 90 %
    interval of the difference."""
    rng = np.random.default_rng(7)
    n, diffs = len(y), []
    for _ in range(resamples):
        pick = rng.integers(0, n, n)
        if 0 < y[pick].sum() < n:
            diffs.append(_fast_auc(y[pick], p_b[pick]) - _fast_auc(y[pick], p_a[pick]))
    observed = (_auc(y, p_b) or 0.5) - (_auc(y, p_a) or 0.5)
    if not diffs:
        return {"difference": observed, "wins": 0.0, "low": observed, "high": observed}
    diffs_array = np.array(diffs)
    return {
        "difference": float(observed),
        "wins": float((diffs_array > 0).mean()),
        "low": float(np.quantile(diffs_array, 0.05)),
        "high": float(np.quantile(diffs_array, 0.95)),
    }


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


def honest_bounds(bins: Sequence[dict]) -> dict[str, float]:
    """
    The range a shown probability is kept in: from the lower 95 % Wilson bound of the won rate
    seen in the test set's lowest tenth to the upper bound of its highest tenth, within
    [FLOOR, CEILING]. A model cannot claim more certainty than the leads it was tested on show.
    """
    if not bins:
        return {"low": FLOOR, "high": CEILING}
    low_bin, high_bin = bins[0], bins[-1]
    low = backtest.wilson(round(low_bin["observed"] * low_bin["n"]), low_bin["n"])
    high = backtest.wilson(round(high_bin["observed"] * high_bin["n"]), high_bin["n"])
    return {
        "low": max(FLOOR, min(low[0] if low else FLOOR, CEILING)),
        "high": min(CEILING, max(high[1] if high else CEILING, FLOOR)),
    }


def bounded(p: np.ndarray | float, bounds: dict[str, float]) -> np.ndarray | float:
    """Probabilities kept within the model's honest bounds."""
    return np.clip(p, bounds.get("low", FLOOR), bounds.get("high", CEILING))


def evaluate(
    y: np.ndarray,
    p: np.ndarray,
    *,
    train_rate: float,
    was_mql: Sequence,
    rule_scores: Sequence[float | None] = (),
) -> dict:
    n = len(y)
    top = np.argsort(-p, kind="stable")[: max(1, n // 10)]
    above = p >= train_rate
    base = float(y.mean())
    known = [i for i, s in enumerate(rule_scores) if s is not None]
    rules_auc = (
        _auc(y[known], np.array([rule_scores[i] for i in known])) if len(known) == n and n else None
    )
    return {
        "n": int(n),
        "won": int(y.sum()),
        "base_rate": base,
        "auc": _auc(y, p),
        "rules_auc": rules_auc,
        "brier": float(brier_score_loss(y, p)),
        "precision_at_mql": precision_at_mql(y, p, was_mql),
        "precision_above_base_rate": float(y[above].mean()) if above.any() else None,
        "share_above_base_rate": float(above.mean()),
        "top_decile_rate": float(y[top].mean()),
        "top_decile_lift": float(y[top].mean() / base) if base else None,
        "mean_probability": float(p.mean()),
        "reliability": reliability(y, p),
    }


def _xy(rows: Sequence[Row]) -> tuple[list[dict[str, Any]], np.ndarray]:
    return [r.features for r in rows], np.array([r.won for r in rows], dtype=int)


def choose_model(
    fit_rows: Sequence[Row], val_rows: Sequence[Row], *, min_frequency: int, allow_boosting: bool
) -> tuple[str, str, list[dict[str, Any]]]:
    """(chosen, logistic variant, candidates): each candidate fitted on the first part of the
    training period and judged on the rest; boosting by a paired bootstrap against logistic."""
    x_fit, y_fit = _xy(fit_rows)
    x_val, y_val = _xy(val_rows)
    makers = {
        "logistic": lambda: _logistic(None, min_frequency),
        "logistic_balanced": lambda: _logistic("balanced", min_frequency),
    }
    if allow_boosting:
        makers["boosting"] = lambda: _boosting(min_frequency)
    candidates, scores = [], {}
    for name, make in makers.items():
        p_val = make().fit(x_fit, y_fit).predict_proba(x_val)[:, 1]
        scores[name] = p_val
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
    chosen = logistic
    if "boosting" in scores:
        test = paired_bootstrap(y_val, scores[logistic], scores["boosting"])
        by_name["boosting"]["bootstrap"] = test
        if test["difference"] > 0 and test["wins"] >= BOOTSTRAP_CONFIDENCE:
            chosen = "boosting"
    for c in candidates:
        c["chosen"] = c["name"] == chosen
    return chosen, logistic, candidates


def _calibrated(estimator: Any, x: list, y: np.ndarray) -> Any:
    """
    The estimator refitted on all of x inside a sigmoid calibration fitted on 3-fold
    out-of-fold scores (shuffled folds: rows in time order would calibrate one period on
    another). A calibration that would reverse the ranking (a period shift) is refused and the
    plain estimator kept.
    """
    if min(y.sum(), len(y) - y.sum()) < 3:
        return estimator.fit(x, y)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=7)
    calibrated = CalibratedClassifierCV(
        clone(estimator), method="sigmoid", cv=folds, ensemble=False
    ).fit(x, y)
    slope = calibrated.calibrated_classifiers_[0].calibrators[0].a_
    # sklearn's sigmoid is 1 / (1 + exp(a * score + b)): a < 0 keeps the order.
    return calibrated if slope < 0 else estimator.fit(x, y)


def train(
    rows: Sequence[Row],
    *,
    min_frequency: int = 10,
    allow_boosting: bool = True,
    chosen_split: backtest.Split | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> Trained:
    """Check there is enough data, split, choose, fit, calibrate and evaluate."""
    check_enough(rows)

    def step(percent: int, note: str) -> None:
        if progress:
            progress(percent, note)

    train_rows, test_rows, split = split_rows(rows, chosen=chosen_split)
    if sum(r.won for r in train_rows) < 2 or sum(r.won for r in test_rows) < 1:
        raise NotEnoughData("The held-out period has no won (or no lost) leads; record more.")
    # The validation set: the latest quarter of the training period (or a random quarter).
    fit_rows, val_rows, _ = split_rows(train_rows, share=VALIDATION_SHARE)
    step(20, "Comparing logistic regression and gradient boosting on the validation period")
    chosen, logistic, candidates = choose_model(
        fit_rows, val_rows, min_frequency=min_frequency, allow_boosting=allow_boosting
    )
    step(55, f"Fitting and calibrating {chosen.replace('_', ' ')} on the training period")
    x_train, y_train = _xy(train_rows)
    explainer = _logistic("balanced" if logistic == "logistic_balanced" else None, min_frequency)
    explainer.fit(x_train, y_train)
    base = (
        _boosting(min_frequency)
        if chosen == "boosting"
        else _logistic("balanced" if logistic == "logistic_balanced" else None, min_frequency)
    )
    model = _calibrated(base, x_train, y_train)

    step(80, "Evaluating on the held-out test set")
    x_test, y_test = _xy(test_rows)
    p_test = model.predict_proba(x_test)[:, 1]
    train_rate = float(y_train.mean())
    test = evaluate(
        y_test,
        p_test,
        train_rate=train_rate,
        was_mql=[r.was_mql for r in test_rows],
        rule_scores=[r.rule_score for r in test_rows],
    )
    metrics = {
        "test": test,
        "bounds": honest_bounds(test["reliability"]),
        "train_base_rate": train_rate,
        "train_auc": _auc(y_train, model.predict_proba(x_train)[:, 1]),
        "calibration": "sigmoid (Platt), 3-fold"
        if model is not base
        else "none (too few outcomes, or it would have reversed the ranking)",
    }
    if chosen == "boosting":
        metrics["explainer_test_auc"] = _auc(y_test, explainer.predict_proba(x_test)[:, 1])
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
        split=split.kind,
        split_at=split.at,
        candidates=candidates,
        split_info=split.to_json(),
        train_keys=[_key(r, i) for i, r in enumerate(rows) if split.is_train(_key(r, i))],
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
