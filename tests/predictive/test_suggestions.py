"""Suggested rule points come from the coefficients at 20 points per doubling of the odds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from predictive import features, suggestions
from scoring.engine import Condition, Rule

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


@pytest.fixture
def encoder() -> features.FeatureEncoder:
    records = []
    for i in range(40):
        events = [features.Event("demo_request", NOW - dt.timedelta(days=2))] * (i % 2)
        if i % 4 == 0:
            events = [
                *events,
                features.Event(
                    "form_submission", NOW - dt.timedelta(days=3), {"form_name": "contact-sales"}
                ),
            ]
        records.append(
            features.LeadRecord(
                lead_source=["referral", "paid_search"][i % 2],
                industry=["Fintech", "Retail", "Unknown"][i % 3],
                events=events,
            )
        )
    return features.FeatureEncoder(min_frequency=5).fit(
        [features.extract(r, cutoff=NOW) for r in records]
    )


def _coefs(encoder, values: dict[tuple[str, str, str], float]) -> np.ndarray:
    coefs = np.zeros(len(encoder.columns_))
    for key, value in values.items():
        coefs[encoder.index_[key]] = value
    return coefs


def test_a_category_rule_gets_its_coefficient_in_points(encoder):
    coefs = _coefs(encoder, {("contact:lead_source", "onehot", "referral"): np.log(2)})
    rule = Rule(
        id=1,
        name="Referral",
        dimension="fit",
        points=5,
        attribute="lead_source",
        operator="equals",
        value="Referral",
    )
    [s] = suggestions.suggest(encoder, coefs, [rule])["rules"]
    assert s.suggested_points == 20  # doubles the odds
    assert s.rule_id == 1 and s.current_points == 5


def test_a_one_of_rule_averages_its_categories(encoder):
    coefs = _coefs(
        encoder,
        {
            ("company:industry", "onehot", "fintech"): 1.0,
            ("company:industry", "onehot", "retail"): -0.5,
        },
    )
    rule = Rule(
        id=2,
        name="Target industries",
        dimension="fit",
        points=10,
        attribute="industry",
        operator="one_of",
        value="Fintech, Retail, Mining",
    )
    [s] = suggestions.suggest(encoder, coefs, [rule])["rules"]
    assert s.effect == pytest.approx(0.25)
    assert s.suggested_points == round(0.25 * 20 / np.log(2))


def test_an_interest_rule_gets_the_effect_of_one_more_activity_from_none(encoder):
    coefs = _coefs(encoder, {("act:demo_request:7d", "number", ""): 0.8})
    rule = Rule(id=3, name="Demo", dimension="interest", points=30, activity_kind="demo_request")
    [s] = suggestions.suggest(encoder, coefs, [rule])["rules"]
    step = encoder.encode_value("act:demo_request:7d", 1) - encoder.encode_value(
        "act:demo_request:7d", 0
    )
    assert s.effect == pytest.approx(0.8 * step)
    assert s.suggested_points == suggestions.to_points(0.8 * step)


def test_a_rule_the_model_cannot_see_gets_no_points_and_says_why(encoder):
    rule = Rule(
        id=4,
        name="Title has VP",
        dimension="fit",
        points=10,
        attribute="job_title",
        operator="contains",
        value="vp",
    )
    [s] = suggestions.suggest(encoder, np.zeros(len(encoder.columns_)), [rule])["rules"]
    assert s.suggested_points is None
    assert "no feature" in s.note


def test_a_strong_form_no_rule_tests_becomes_a_candidate_rule(encoder):
    coefs = _coefs(encoder, {("form:contact-sales", "number", ""): 1.2})
    result = suggestions.suggest(encoder, coefs, [])
    words = {c.words: c.suggested_points for c in result["candidates"]}
    step = encoder.encode_value("form:contact-sales", 1) - encoder.encode_value(
        "form:contact-sales", 0
    )
    assert words["Form 'contact-sales' submitted"] == suggestions.to_points(1.2 * step)


def test_a_form_condition_adds_that_forms_effect(encoder):
    coefs = _coefs(encoder, {("form:contact-sales", "number", ""): 1.2})
    rule = Rule(
        id=5,
        name="Contact sales form",
        dimension="interest",
        points=10,
        activity_kind="form_submission",
        conditions=(Condition("form_name", "equals", "contact-sales"),),
    )
    result = suggestions.suggest(encoder, coefs, [rule])
    assert result["rules"][0].suggested_points > 0
    assert all("contact-sales" not in c.words for c in result["candidates"])
