"""Training refuses, with a clear message, below 200 outcomes or 30 of either class."""

from __future__ import annotations

import datetime as dt

import pytest

from predictive import services, training
from predictive.models import ModelStatus, PredictiveModel
from tests.predictive.conftest import make_outcomes


def _rows(won: int, lost: int) -> list[training.Row]:
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return [
        training.Row({"x": float(i % 7)}, won=i < won, decided_at=start + dt.timedelta(days=i))
        for i in range(won + lost)
    ]


@pytest.mark.parametrize(("won", "lost"), [(100, 99), (29, 300), (300, 29)])
def test_training_refuses_too_little_data(won, lost):
    with pytest.raises(training.NotEnoughData, match="at least 200 won or lost leads") as exc:
        training.train(_rows(won, lost))
    assert f"({won} won, {lost} lost)" in str(exc.value)


def test_a_refused_version_is_kept_with_its_message_and_nothing_becomes_active(db):
    make_outcomes(60)
    model = PredictiveModel.objects.create()
    model = services.predictive_model_train(model_id=model.pk)
    assert model.status == ModelStatus.FAILED
    assert "Not enough outcomes to train" in model.error
    assert not PredictiveModel.objects.filter(is_active=True).exists()


def test_marketing_ops_sees_the_refusal_after_pressing_retrain(
    ops_client, django_capture_on_commit_callbacks
):
    make_outcomes(50)
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post("/predictive/retrain/")
    response = ops_client.get(response["Location"])
    assert response.status_code == 200
    assert "Not enough outcomes to train" in response.content.decode()
