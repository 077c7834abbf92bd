"""
Feature extraction and encoding for the predictive score.

Pure Python and numpy: no ORM, no clock. `extract` turns one lead (a `LeadRecord`: the
contact, its company, its custom properties and its activities) into named raw values as of a
`cutoff` (the outcome date for a training row, now for scoring); activities at or after the
cutoff are never looked at, so nothing leaks from the future. `FeatureEncoder` (a scikit-learn
transformer) turns those values into a numeric matrix: categorical values one-hot with a
minimum frequency, numbers scaled, and every column carries words a rep can read.

Placeholder values ("Select", "Unknown", "N/A", ""...; scoring.engine.is_empty) are missing,
never a category: a missing categorical value has no one-hot column set.

Known limitation: contact, company and custom-property values are stored as they are now, not
as they were at the cutoff (the CRM keeps no history of them). Lifecycle dates and scores,
which are written when a lead progresses, are deliberately not features.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from contacts.domains import FREE_MAIL_DOMAINS
from scoring.conditions import SENIORITY_LABELS, is_empty, seniority_of

WINDOWS = (7, 30, 90)
# Activity kinds counted per window (ActivityKind values; `custom` is counted by its name).
ACTIVITY_KINDS = (
    "page_view",
    "form_submission",
    "email_open",
    "email_click",
    "content_download",
    "webinar_attended",
    "demo_request",
    "contact_sales",
    "pricing_page_view",
    "free_trial_signup",
    "chat",
    "meeting_booked",
    "unsubscribe",
)
KIND_LABELS = {
    "page_view": "Page views",
    "form_submission": "Form submissions",
    "email_open": "Email opens",
    "email_click": "Email clicks",
    "content_download": "Content downloads",
    "webinar_attended": "Webinars attended",
    "demo_request": "Demo requests",
    "contact_sales": "Contact-sales requests",
    "pricing_page_view": "Pricing page views",
    "free_trial_signup": "Free-trial signups",
    "chat": "Chats",
    "meeting_booked": "Meetings booked",
    "unsubscribe": "Unsubscribes",
}
HAND_RAISE_KINDS = {"demo_request", "contact_sales", "pricing_page_view", "free_trial_signup"}
# Names whose absence means zero (counts), not missing.
COUNT_PREFIXES = ("act:", "form:")
# Numbers that are spread over orders of magnitude: scaled after log1p.
LOG_SCALED_PREFIXES = ("act:", "form:", "company:employee_count", "company:annual_revenue")


@dataclass(frozen=True)
class Event:
    """One activity as the extractor sees it."""

    kind: str
    occurred_at: datetime
    properties: Mapping[str, Any] = field(default_factory=dict)
    custom_kind: str = ""


@dataclass(frozen=True)
class LeadRecord:
    """A lead with what it is known by: its fields, its company's, its properties, activities."""

    email: str = ""
    job_title: str = ""
    lead_source: str = ""
    created_at: datetime | None = None
    industry: str = ""
    employee_count: float | None = None
    annual_revenue: float | None = None
    country: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)
    events: Sequence[Event] = ()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if is_empty(value):
        return None
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _category(value: Any) -> str | None:
    if is_empty(value):
        return None
    return str(value).strip().lower()


def extract(record: LeadRecord, *, cutoff: datetime) -> dict[str, float | str | None]:
    """
    The lead's raw feature values as of `cutoff`: strings are categories, floats numbers,
    None missing. Only activities strictly before the cutoff count.
    """
    values: dict[str, float | str | None] = {}
    domain = record.email.rsplit("@", 1)[-1].strip().lower() if "@" in record.email else ""
    values["contact:lead_source"] = _category(record.lead_source)
    values["contact:seniority"] = seniority_of(record.job_title)
    values["contact:email_type"] = (
        None if not domain else ("free mail" if domain in FREE_MAIL_DOMAINS else "business")
    )
    values["company:industry"] = _category(record.industry)
    values["company:country"] = _category(record.country)
    values["company:employee_count"] = _number(record.employee_count)
    values["company:annual_revenue"] = _number(record.annual_revenue)
    if record.created_at is not None and record.created_at <= cutoff:
        values["contact:age_days"] = (cutoff - record.created_at).total_seconds() / 86400
    else:
        values["contact:age_days"] = None  # created after the cutoff (imported later): unknown
    for key, raw in record.properties.items():
        if isinstance(raw, dict | list):
            continue
        number = _number(raw)
        values[f"prop:{key}"] = number if number is not None else _category(raw)

    past = [e for e in record.events if e.occurred_at < cutoff]
    counts: Counter[str] = Counter()
    pages: set[str] = set()
    last: datetime | None = None
    for event in past:
        age = (cutoff - event.occurred_at).total_seconds() / 86400
        last = event.occurred_at if last is None or event.occurred_at > last else last
        for window in WINDOWS:
            if age <= window:
                counts[f"act:{event.kind}:{window}d"] += 1
        counts[f"act:{event.kind}:all"] += 1
        if event.kind == "page_view" and age <= 90 and event.properties.get("url"):
            pages.add(str(event.properties["url"]).split("?", 1)[0].rstrip("/").lower())
        if event.kind in HAND_RAISE_KINDS and age <= 90:
            counts["act:hand_raise:90d"] += 1
        form = event.properties.get("form_name")
        if event.kind == "form_submission" and not is_empty(form):
            counts[f"form:{str(form).strip().lower()}"] += 1
    for kind in ACTIVITY_KINDS:
        for window in WINDOWS:
            values[f"act:{kind}:{window}d"] = float(counts[f"act:{kind}:{window}d"])
    values["act:total:all"] = float(sum(counts[f"act:{k}:all"] for k in ACTIVITY_KINDS))
    values["act:distinct_pages:90d"] = float(len(pages))
    values["act:hand_raise:90d"] = float(counts["act:hand_raise:90d"])
    values["act:days_since_last"] = (
        (cutoff - last).total_seconds() / 86400 if last is not None else None
    )
    for name, n in counts.items():
        if name.startswith("form:"):
            values[name] = float(n)
    return values


# ---- Words ---------------------------------------------------------------------------------

FIELD_LABELS = {
    "contact:lead_source": "Lead source",
    "contact:seniority": "Seniority",
    "contact:email_type": "Email",
    "contact:age_days": "Lead age (days)",
    "company:industry": "Industry",
    "company:country": "Country",
    "company:employee_count": "Employees",
    "company:annual_revenue": "Annual revenue",
    "act:total:all": "Activities in all",
    "act:distinct_pages:90d": "Distinct pages viewed (90 days)",
    "act:hand_raise:90d": "Demo, contact-sales, pricing or trial signals (90 days)",
    "act:days_since_last": "Days since last activity",
}


def field_label(name: str) -> str:
    """'act:page_view:30d' -> 'Page views (30 days)'; 'prop:job' -> 'job'."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if name.startswith("prop:"):
        return name.removeprefix("prop:")
    if name.startswith("form:"):
        return f"Form '{name.removeprefix('form:')}' submitted"
    if name.startswith("act:"):
        _, kind, window = name.split(":", 2)
        days = window.removesuffix("d")
        label = KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
        return f"{label} ({days} days)" if window != "all" else f"{label} (all time)"
    return name


def _category_words(name: str, value: str) -> str:
    if name == "contact:seniority":
        value = SENIORITY_LABELS.get(value, value)
    elif name == "contact:lead_source":
        value = value.replace("_", " ")
    return f"{field_label(name)}: {value}"


def _number_words(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}"


# ---- Encoding ------------------------------------------------------------------------------


@dataclass
class Column:
    """One column of the encoded matrix: what it is and how to say it."""

    name: str  # the raw feature
    kind: str  # "onehot", "number" or "missing" (the indicator of a missing number)
    value: str = ""  # the category, for one-hot columns


# An encoded number is kept within this many standard deviations of the mean, so a value far
# off the training range (or near the float limit) stays a finite, very large, value.
MAX_DEVIATIONS = 1e6


def _moments(values: np.ndarray) -> tuple[float, float, float]:
    """
    (median, mean, standard deviation) of finite numbers, finite themselves: computed on the
    values divided by the largest magnitude, since summing or squaring numbers near the float
    limit (a custom property of 1e308) overflows to inf, then NaN, which no model accepts.
    """
    size = float(np.abs(values).max()) or 1.0
    unit = values / size
    return float(np.median(unit)) * size, float(unit.mean()) * size, float(unit.std()) * size


class FeatureEncoder(TransformerMixin, BaseEstimator):
    """
    Raw feature dicts (from `extract`) -> a float matrix, with a `Column` per column.

    - A raw feature is numeric when at least 95 % of its known training values are numbers.
    - Categories seen fewer than `min_frequency` times in training get no column (they count
      as missing), so one rare value never predicts.
    - Numbers are scaled to mean 0 and standard deviation 1 (after log1p for counts, staff and
      revenue); a missing number takes the training median and sets a "missing" indicator.
    """

    def __init__(self, min_frequency: int = 10) -> None:
        self.min_frequency = min_frequency

    def fit(self, rows: Sequence[Mapping[str, Any]], y: Any = None) -> FeatureEncoder:
        seen: dict[str, list[Any]] = {}
        for row in rows:
            for name, value in row.items():
                seen.setdefault(name, []).append(value)
        n = len(rows)
        self.columns_: list[Column] = []
        self.numeric_: dict[str, tuple[float, float, float]] = {}  # name -> (median, mean, std)
        for name in sorted(seen):
            values = seen[name]
            known = [v for v in values if v is not None]
            numbers = [v for v in known if isinstance(v, float | int)]
            if name.startswith(COUNT_PREFIXES):
                numbers += [0.0] * (n - len(values))
                known = numbers
            if not known:
                continue
            if len(numbers) >= 0.95 * len(known):
                scaled = np.array([self._scale_in(name, float(v)) for v in numbers])
                median, mean, std = _moments(scaled)
                if std < 1e-9:
                    continue  # the same for everyone: says nothing
                self.numeric_[name] = (median, mean, std)
                self.columns_.append(Column(name, "number"))
                if len(numbers) < n and not name.startswith(COUNT_PREFIXES):
                    self.columns_.append(Column(name, "missing"))
            else:
                counts = Counter(str(v) for v in known if not isinstance(v, float | int))
                for value, count in sorted(counts.items()):
                    if count >= self.min_frequency:
                        self.columns_.append(Column(name, "onehot", value))
        self.index_ = {(c.name, c.kind, c.value): i for i, c in enumerate(self.columns_)}
        return self

    @staticmethod
    def _scale_in(name: str, value: float) -> float:
        if name.startswith(LOG_SCALED_PREFIXES):
            return math.copysign(math.log1p(abs(value)), value)
        return value

    def encode_value(self, name: str, value: float) -> float:
        """A raw number of a numeric feature as its scaled column value."""
        _median, mean, std = self.numeric_[name]
        encoded = self._scale_in(name, value) / std - mean / std
        return max(-MAX_DEVIATIONS, min(MAX_DEVIATIONS, encoded))

    def transform(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        matrix = np.zeros((len(rows), len(self.columns_)))
        for r, row in enumerate(rows):
            for c, column in enumerate(self.columns_):
                value = row.get(column.name)
                if value is None and column.name.startswith(COUNT_PREFIXES):
                    value = 0.0
                if column.kind == "onehot":
                    matrix[r, c] = 1.0 if value is not None and str(value) == column.value else 0.0
                elif column.kind == "missing":
                    matrix[r, c] = 0.0 if isinstance(value, float | int) else 1.0
                else:
                    median, mean, std = self.numeric_[column.name]
                    if isinstance(value, float | int):
                        matrix[r, c] = self.encode_value(column.name, float(value))
                    else:
                        matrix[r, c] = median / std - mean / std
        return matrix

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array(
            [
                f"{c.name}={c.value}" if c.kind == "onehot" else f"{c.name}#{c.kind}"
                for c in self.columns_
            ]
        )

    def raw_features(self) -> list[str]:
        """The raw features the encoder kept, in order."""
        return sorted({c.name for c in self.columns_})

    def words(self, column: Column, raw: Any) -> str:
        """A column's value for one lead, in words ("Lead source: referral")."""
        if column.kind == "onehot":
            return _category_words(column.name, column.value)
        if column.kind == "missing":
            return f"{field_label(column.name)}: unknown"
        if raw is None and column.name.startswith(COUNT_PREFIXES):
            raw = 0.0
        if column.name == "act:days_since_last":
            return "No activity yet" if raw is None else f"No activity for {round(raw):,} days"
        if not isinstance(raw, float | int):
            return f"{field_label(column.name)}: unknown"
        return f"{field_label(column.name)}: {_number_words(float(raw))}"


# ---- Explanations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One term of the logistic model's log-odds for one lead."""

    words: str
    contribution: float  # coefficient x encoded value, in log-odds

    @property
    def sign(self) -> str:
        return "+" if self.contribution > 0 else "-"

    def to_json(self) -> dict[str, Any]:
        return {"words": self.words, "contribution": round(self.contribution, 4)}


def _activity_group(name: str) -> str | None:
    """'act:chat:30d' -> 'chat': the windows of one kind are explained together."""
    parts = name.split(":")
    if len(parts) == 3 and parts[0] == "act" and parts[2].endswith("d") and parts[1] in KIND_LABELS:
        return parts[1]
    return None


def _activity_words(kind: str, raw: Mapping[str, Any]) -> str:
    label = KIND_LABELS[kind]
    n90 = raw.get(f"act:{kind}:90d") or 0
    if not n90:
        return f"No {label.lower()} in 90 days"
    n7 = raw.get(f"act:{kind}:7d") or 0
    recent = f", {_number_words(n7)} this week" if n7 else ""
    return f"{label}: {_number_words(n90)} in 90 days{recent}"


def contributions(
    encoder: FeatureEncoder,
    coefficients: Sequence[float],
    raw: Mapping[str, Any],
    x: Sequence[float],
) -> list[Factor]:
    """
    Every non-zero term coefficient_j x x_j of one lead, in words. They add up, with the
    intercept, to the model's log-odds for the lead: the explanation is the model. The 7, 30
    and 90-day counts of one activity kind are one factor (the sum of their terms).

    Numbers are centred on the training mean, so a number's term says how this lead differs
    from the average one; a one-hot term counts only for the category the lead has.
    """
    factors: list[Factor] = []
    groups: dict[str, float] = {}
    for column, coef, value in zip(encoder.columns_, coefficients, x, strict=True):
        term = float(coef) * float(value)
        if abs(term) < 1e-12:
            continue
        kind = _activity_group(column.name) if column.kind == "number" else None
        if kind is not None:
            groups[kind] = groups.get(kind, 0.0) + term
            continue
        factors.append(Factor(encoder.words(column, raw.get(column.name)), term))
    for kind, term in groups.items():
        factors.append(Factor(_activity_words(kind, raw), term))
    return factors


def top_factors(factors: Iterable[Factor], limit: int = 3) -> tuple[list[Factor], list[Factor]]:
    """The strongest positive and the strongest negative factors, strongest first."""
    ordered = sorted(factors, key=lambda f: f.contribution)
    positive = [f for f in reversed(ordered) if f.contribution > 0][:limit]
    negative = [f for f in ordered if f.contribution < 0][:limit]
    return positive, negative


class NativeEncoder(TransformerMixin, BaseEstimator):
    """
    Raw feature dicts -> a float matrix for gradient boosting with native categorical support:
    numbers as they are (missing: NaN, which the trees route on their own; counts: 0),
    categories as integer codes of the values seen at least `min_frequency` times (at most
    MAX_CATEGORIES, the most frequent; the others and missing: NaN). `categorical_` marks the
    category columns for HistGradientBoostingClassifier(categorical_features=...).
    """

    MAX_CATEGORIES = 250

    def __init__(self, min_frequency: int = 10) -> None:
        self.min_frequency = min_frequency

    def fit(self, rows: Sequence[Mapping[str, Any]], y: Any = None) -> NativeEncoder:
        seen: dict[str, list[Any]] = {}
        for row in rows:
            for name, value in row.items():
                if value is not None:
                    seen.setdefault(name, []).append(value)
        self.names_: list[str] = []
        self.codes_: dict[str, dict[str, int]] = {}
        for name in sorted(seen):
            values = seen[name]
            numbers = [v for v in values if isinstance(v, float | int)]
            if len(numbers) >= 0.95 * len(values):
                if len(set(numbers)) > 1 or name.startswith(COUNT_PREFIXES):
                    self.names_.append(name)
                continue
            counts = Counter(str(v) for v in values if not isinstance(v, float | int))
            kept = [
                v for v, c in counts.most_common(self.MAX_CATEGORIES) if c >= self.min_frequency
            ]
            if kept:
                self.names_.append(name)
                self.codes_[name] = {v: i for i, v in enumerate(sorted(kept))}
        self.categorical_ = [name in self.codes_ for name in self.names_]
        return self

    def transform(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        matrix = np.full((len(rows), len(self.names_)), np.nan)
        for r, row in enumerate(rows):
            for c, name in enumerate(self.names_):
                value = row.get(name)
                if value is None and name.startswith(COUNT_PREFIXES):
                    value = 0.0
                if name in self.codes_:
                    code = self.codes_[name].get(str(value)) if value is not None else None
                    if code is not None:
                        matrix[r, c] = code
                elif isinstance(value, float | int):
                    matrix[r, c] = float(value)
        return matrix
