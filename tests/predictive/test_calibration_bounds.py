"""Probabilities are calibrated and shown within honest bounds: never "100 %" for an open lead."""

from __future__ import annotations

import numpy as np
from django.core.management import call_command

from predictive import training
from predictive.models import ContactPrediction, PredictiveModel
from tests.factories import ContactFactory


def test_bounds_come_from_the_won_rates_the_test_set_shows_at_its_ends():
    bins = [
        {"predicted": 0.0001, "observed": 0.0, "n": 30},
        {"predicted": 0.5, "observed": 0.5, "n": 30},
        {"predicted": 0.9999, "observed": 1.0, "n": 30},
    ]
    bounds = training.honest_bounds(bins)
    # 30 of 30 won still leaves a 95 % interval reaching down to 88.6 %: shown at most 99 %.
    assert bounds == {"low": training.FLOOR, "high": training.CEILING}
    bins[-1] = {"predicted": 0.8, "observed": 0.6, "n": 40}
    high = training.honest_bounds(bins)["high"]
    assert 0.6 < high < 0.8  # the model's 80 % is more certain than 24 of 40 allows
    clipped = training.bounded(np.array([0.0, 0.5, 1.0]), {"low": 0.02, "high": high})
    assert list(clipped) == [0.02, 0.5, high]


def test_no_lead_is_stored_or_shown_as_certain(outcomes, ops_client):
    call_command("train_predictive")
    model = PredictiveModel.objects.get()
    bounds = model.metrics["bounds"]
    assert training.FLOOR <= bounds["low"] < bounds["high"] <= training.CEILING
    assert model.metrics["calibration"].startswith("sigmoid")
    probabilities = list(ContactPrediction.objects.values_list("probability", flat=True))
    assert probabilities and all(bounds["low"] <= p <= bounds["high"] for p in probabilities)
    # A lead that looks like every won one: referral, fintech, pricing and contact-sales.
    sure = max(ContactPrediction.objects.all(), key=lambda p: p.probability)
    html = ops_client.get(f"/predictive/contacts/{sure.contact_id}/").content.decode()
    assert f">{sure.percent}%<" in html and sure.percent <= 99
    assert ">100%<" not in html and "100 percent" not in html
    page = ops_client.get("/predictive/").content.decode()
    assert "Shown between" in page


def test_a_stored_certainty_from_an_older_version_still_shows_below_100(outcomes):
    call_command("train_predictive")
    contact = ContactFactory()
    model = PredictiveModel.objects.get()
    prediction = ContactPrediction.objects.create(
        contact=contact, model=model, model_version=1, probability=1.0, scored_at=model.trained_at
    )
    assert prediction.percent == 99
