"""
A long job started from a page while the broker is down does not sit "queued" forever and
does not turn the page into an error: it says it did not start, and can be started again.
"""

import io

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from contacts import tasks as contacts_tasks
from contacts.imports import import_job_create, import_job_start
from contacts.models import ImportJob, ImportStatus
from leadscore.on_commit import BROKER_REFUSED
from predictive import tasks as predictive_tasks
from predictive.models import ModelStatus, PredictiveModel
from predictive.services import predictive_model_request
from scoring import tasks as scoring_tasks
from scoring.models import WhatIfRun
from scoring.services import scoring_model_draft_create
from tests.factories import ScoringModelFactory

pytestmark = pytest.mark.django_db


def _refuse(*args, **kwargs):
    raise OperationalError("connection refused")


def test_an_import_stays_startable_and_says_why(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(contacts_tasks.run_import, "delay", _refuse)
    job = import_job_create(upload=io.BytesIO(b"Email\na@example.com\n"), file_name="a.csv")
    before = job.status
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(job=job, dry_run=True)
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.status, job.error) == (before, BROKER_REFUSED)
    assert job.status != ImportStatus.DRY_RUN_QUEUED


def test_a_training_request_is_marked_not_trained(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(predictive_tasks.train_model, "delay", _refuse)
    with django_capture_on_commit_callbacks(execute=True):
        model = predictive_model_request()
    model = PredictiveModel.objects.get(pk=model.pk)
    assert (model.status, model.error) == (ModelStatus.FAILED, BROKER_REFUSED)


def test_a_whatif_says_it_did_not_start(monkeypatch, ops_client):
    monkeypatch.setattr(scoring_tasks.run_whatif, "delay", _refuse)
    draft = scoring_model_draft_create(source=ScoringModelFactory(), created_by=None, note="")
    response = ops_client.post(reverse("scoring:whatif", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    run = WhatIfRun.objects.get(draft=draft)
    assert (run.status, run.error) == ("failed", BROKER_REFUSED)
    assert BROKER_REFUSED in response.content.decode()
