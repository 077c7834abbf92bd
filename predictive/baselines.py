"""
Plain scikit-learn baselines on a table of raw columns, to measure the predictive score and the
suggested rules against on the same split: logistic regression (median-imputed, scaled
numbers and one-hot categories) and histogram gradient boosting with native categorical
support (ordinal-coded categories, numbers as they are). Library defaults otherwise: a
yardstick, not a tuned model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from predictive.training import one_thread
from scoring.conditions import as_number, is_empty


def _table(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """(numeric columns, categorical columns): numeric when 95 % of known values are numbers."""
    names = sorted({k for row in rows for k in row})
    numeric, categorical = [], []
    for name in names:
        known = [row.get(name) for row in rows if not is_empty(row.get(name))]
        numbers = [v for v in known if as_number(v) is not None]
        (numeric if known and len(numbers) >= 0.95 * len(known) else categorical).append(name)
    return numeric, categorical


def _arrays(rows, numeric, categorical) -> tuple[np.ndarray, np.ndarray]:
    x_num = np.array(
        [[as_number(row.get(n)) if as_number(row.get(n)) is not None else np.nan
          for n in numeric] for row in rows],
        dtype=float,
    ).reshape(len(rows), len(numeric))  # fmt: skip
    x_cat = np.array(
        [["" if is_empty(row.get(n)) else str(row.get(n)) for n in categorical] for row in rows],
        dtype=object,
    ).reshape(len(rows), len(categorical))
    return x_num, x_cat


def compare(
    train: Sequence[Mapping[str, Any]],
    y_train: Sequence[bool],
    test: Sequence[Mapping[str, Any]],
    y_test: Sequence[bool],
) -> dict[str, float]:
    """Test ROC AUC of each baseline, fitted on the train rows."""
    numeric, categorical = _table(train)
    num_tr, cat_tr = _arrays(train, numeric, categorical)
    num_te, cat_te = _arrays(test, numeric, categorical)
    x_tr = np.concatenate([num_tr, cat_tr], axis=1).astype(object)
    x_te = np.concatenate([num_te, cat_te], axis=1).astype(object)
    k = len(numeric)
    num_idx, cat_idx = list(range(k)), list(range(k, k + len(categorical)))
    logistic = Pipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [
                        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                                          ("scale", StandardScaler())]), num_idx),
                        ("cat", OneHotEncoder(handle_unknown="ignore"), cat_idx),
                    ]
                ),
            ),
            ("model", LogisticRegression(max_iter=3000)),
        ]
    )  # fmt: skip
    boosting = Pipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [
                        ("num", "passthrough", num_idx),
                        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value",
                                               unknown_value=np.nan,
                                               encoded_missing_value=np.nan), cat_idx),
                    ]
                ),
            ),
            ("model", HistGradientBoostingClassifier(
                categorical_features=[False] * k + [True] * len(categorical), random_state=0)),
        ]
    )  # fmt: skip
    y_tr, y_te = np.asarray(y_train, dtype=int), np.asarray(y_test, dtype=int)
    out = {}
    for name, pipe in (("logistic_regression", logistic), ("hist_gradient_boosting", boosting)):
        with one_thread():
            pipe.fit(x_tr, y_tr)
            out[name] = float(roc_auc_score(y_te, pipe.predict_proba(x_te)[:, 1]))
    return out
