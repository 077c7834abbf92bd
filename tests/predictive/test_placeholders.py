"""Placeholder values ("Select", "Unknown", "", "N/A"...) are missing, never a category."""

from __future__ import annotations

import datetime as dt

import numpy as np

from predictive import features

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def test_placeholders_extract_as_missing():
    record = features.LeadRecord(
        email="x@acme.example",
        lead_source="",
        industry="Unknown",
        country="N/A",
        job_title="Select",
        properties={"budget": "-- Select --", "plan": "none", "team": "Sales"},
    )
    raw = features.extract(record, cutoff=NOW)
    assert raw["contact:lead_source"] is None
    assert raw["company:industry"] is None
    assert raw["company:country"] is None
    assert raw["contact:seniority"] is None
    assert raw["prop:budget"] is None
    assert raw["prop:plan"] is None
    assert raw["prop:team"] == "sales"


def test_a_frequent_placeholder_gets_no_column_and_encodes_as_nothing_set():
    rows = [
        features.extract(features.LeadRecord(industry=value), cutoff=NOW)
        for value in ["Unknown"] * 30 + ["Select"] * 30 + ["Fintech"] * 20 + ["Retail"] * 20
    ]
    encoder = features.FeatureEncoder(min_frequency=10).fit(rows)
    industries = [c.value for c in encoder.columns_ if c.name == "company:industry"]
    assert industries == ["fintech", "retail"]
    x = encoder.transform(rows[:1])
    onehot = [i for i, c in enumerate(encoder.columns_) if c.name == "company:industry"]
    assert np.all(x[0, onehot] == 0)


def test_rare_categories_get_no_column():
    rows = [
        features.extract(features.LeadRecord(industry=value), cutoff=NOW)
        for value in ["Fintech"] * 12 + ["Mining"] * 3
    ]
    encoder = features.FeatureEncoder(min_frequency=10).fit(rows)
    assert [c.value for c in encoder.columns_ if c.name == "company:industry"] == ["fintech"]
