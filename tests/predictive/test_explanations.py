"""The factors shown for a lead are the logistic model's own terms: they add up to its log-odds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from predictive import features, services, training
from predictive.models import ContactPrediction


@pytest.fixture
def trained(outcomes) -> training.Trained:
    return training.train(services.training_rows(), allow_boosting=False)


def test_contributions_plus_intercept_equal_the_models_log_odds(trained):
    explainer = trained.pipeline["explainer"]
    encoder = explainer.named_steps["encode"]
    lr = explainer.named_steps["model"]
    raws = [r.features for r in services.training_rows()[:25]]
    x = encoder.transform(raws)
    for raw, row, logit in zip(raws, x, explainer.decision_function(raws), strict=True):
        factors = features.contributions(encoder, lr.coef_[0], raw, row)
        assert lr.intercept_[0] + sum(f.contribution for f in factors) == pytest.approx(logit)


def test_each_factor_is_its_coefficient_times_the_value_with_the_same_sign(trained):
    explainer = trained.pipeline["explainer"]
    encoder = explainer.named_steps["encode"]
    coefs = explainer.named_steps["model"].coef_[0]
    raw = {"contact:lead_source": "referral", "act:pricing_page_view:30d": 2.0}
    x = encoder.transform([raw])[0]
    by_words = {f.words: f for f in features.contributions(encoder, coefs, raw, x)}
    j = encoder.index_[("contact:lead_source", "onehot", "referral")]
    referral = by_words["Lead source: referral"]
    assert referral.contribution == pytest.approx(coefs[j])
    assert referral.sign == ("+" if coefs[j] > 0 else "-")
    # The windows of one activity kind are one factor: the sum of their terms.
    windows = [encoder.index_[(f"act:pricing_page_view:{w}d", "number", "")] for w in (7, 30, 90)]
    pricing = by_words["No pricing page views in 90 days"]  # the 90-day count was not given
    assert pricing.contribution == pytest.approx(sum(coefs[k] * x[k] for k in windows))


def test_referral_and_pricing_views_raise_the_chance_in_the_generated_data(trained):
    rows = training.coefficients(trained.pipeline["explainer"])
    coefs = {c["words"]: c["coefficient"] for c in rows}
    assert coefs["Lead source: referral"] > 0


def test_stored_factors_are_the_strongest_terms_of_the_lead(outcomes):
    model_id = services.predictive_model_request().pk
    services.predictive_model_train(model_id=model_id)
    prediction = ContactPrediction.objects.get(pk=outcomes[0].pk)
    pipeline = services.pipeline_load(prediction.model)
    [(p, positive, negative)] = services.predict(pipeline, [_raw_now(outcomes[0], prediction)])
    assert prediction.probability == pytest.approx(p)
    assert [f["words"] for f in prediction.positive] == [f.words for f in positive]
    assert [f["words"] for f in prediction.negative] == [f.words for f in negative]
    contributions = [f["contribution"] for f in prediction.positive]
    assert contributions == sorted(contributions, reverse=True)
    assert all(c > 0 for c in contributions)
    assert all(f["contribution"] < 0 for f in prediction.negative)
    assert 0 < prediction.probability < 1 and not math.isnan(prediction.probability)
    assert np.isfinite(p)


def _raw_now(contact, prediction):
    events = services._events_by_contact([contact.pk]).get(contact.pk, [])
    contact.refresh_from_db()
    return features.extract(services.record_of(contact, events), cutoff=prediction.scored_at)
