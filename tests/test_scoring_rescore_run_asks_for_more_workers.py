"""
The worker that starts a full rescore asks for more to share it (SCORING_RESCORE_WORKERS in
all, never more than there are slices) on PostgreSQL with a broker; without a broker, or on
SQLite (one writer at a time), it works alone.
"""

import pytest
from django.db import connection

from leadscore.celery import app as celery_app
from scoring.models import RescoreStatus
from scoring.services import rescore_run_execute, rescore_runs, scoring_model_changed
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(monkeypatch, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        model = ScoringModelFactory()
        InterestRuleFactory(scoring_model=model)
        for _ in range(5):
            ContactFactory()
    settings.SCORING_RESCORE_WORKERS = 3
    monkeypatch.setattr(rescore_runs, "CHUNK", 2)  # three slices
    sent: list[int] = []
    monkeypatch.setattr(rescore_runs, "enqueue_safely", lambda task, run_id: sent.append(run_id))
    run = scoring_model_changed(model_id=model.pk, reason="test", enqueue=False)
    return run, sent


@pytest.mark.skipif(connection.vendor != "postgresql", reason="workers share runs on PostgreSQL")
def test_with_a_broker_the_starting_worker_asks_for_the_others(asked):
    run, sent = asked
    celery_app.conf.task_always_eager = False  # as with a broker (conftest puts it back)
    run = rescore_run_execute(run_id=run.pk)
    assert sent == [run.pk, run.pk]
    assert run.status == RescoreStatus.DONE
    # A helper arriving after the end finds the run over and does nothing.
    assert rescore_run_execute(run_id=run.pk).done == run.done


def test_without_a_broker_the_run_is_done_by_the_worker_that_starts_it(asked):
    run, sent = asked
    run = rescore_run_execute(run_id=run.pk)
    assert sent == []
    assert (run.status, run.done) == (RescoreStatus.DONE, 5)
