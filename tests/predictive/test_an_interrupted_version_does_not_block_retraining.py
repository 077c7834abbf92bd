"""
"Retrain now" returns the version already queued or training instead of starting another. A
version whose training stopped without saying so (a `predictive_from_csv` run that crashed or
was interrupted, a worker killed mid-fit) used to stay "Training" for ever, so every later
retrain, the weekly one included, only answered "Version N is training" and nothing trained.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from predictive import training
from predictive.models import ModelStatus, PredictiveModel
from tests.predictive.conftest import make_outcomes
from tests.predictive.test_csv_import_train_evaluate import _plain_file


def test_a_csv_run_that_crashes_is_marked_not_trained(db, tmp_path):
    path = _plain_file(tmp_path / "campaign.csv")
    with (
        mock.patch.object(training, "train", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        call_command("predictive_from_csv", str(path), "--outcome-column", "y", "--positive", "yes")

    model = PredictiveModel.objects.get()
    assert model.status == ModelStatus.FAILED
    assert "RuntimeError: boom" in model.error


def test_retrain_goes_ahead_past_a_version_left_training_for_hours(
    ops_client, django_capture_on_commit_callbacks
):
    make_outcomes()
    stuck = PredictiveModel.objects.create(
        status=ModelStatus.TRAINING, started_at=timezone.now() - dt.timedelta(hours=7)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post("/predictive/retrain/")

    stuck.refresh_from_db()
    assert stuck.status == ModelStatus.FAILED
    assert "interrupted" in stuck.error
    fresh = PredictiveModel.objects.exclude(pk=stuck.pk).get()
    assert fresh.status == ModelStatus.ACTIVE
    page = ops_client.get(response["Location"]).content.decode()
    assert "Active: scores leads" in page
    assert "The training was interrupted" in page


def test_a_version_training_for_minutes_still_holds_the_retrain(
    ops_client, django_capture_on_commit_callbacks
):
    make_outcomes()
    running = PredictiveModel.objects.create(
        status=ModelStatus.TRAINING, started_at=timezone.now() - dt.timedelta(minutes=10)
    )

    with django_capture_on_commit_callbacks(execute=True):
        ops_client.post("/predictive/retrain/")

    assert list(PredictiveModel.objects.values_list("pk", flat=True)) == [running.pk]
    running.refresh_from_db()
    assert running.status == ModelStatus.TRAINING
