"""
A worker's rescore task takes slices for SCORING_RESCORE_TASK_SECONDS, then sends the run's
task again, to the back of the queue, and returns: a task sent meanwhile (the routing of a
lead that hand-raised during the run) gets a worker after one task's time, not the run's.
"""

import pytest

from scoring import tasks
from scoring.models import ContactScore, RescoreStatus
from scoring.services import rescore_run_execute, rescore_runs, scoring_model_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(pricing_leads, monkeypatch):
    monkeypatch.setattr(rescore_runs, "CHUNK", 3)  # slices of 3, 3 and 1 contacts
    rule = pricing_leads.rules.get(name="Pricing")
    rule.points = 9
    rule.save()
    return scoring_model_changed(model_id=pricing_leads.pk, reason="points", enqueue=False)


def test_a_task_out_of_time_sends_the_run_again_and_returns(run, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.execute_rescore_run, "delay", lambda *args: sent.append(args))

    returned = rescore_run_execute(run_id=run.pk, budget_seconds=0)

    assert sent == [(run.pk,)]
    assert (returned.status, returned.done) == (RescoreStatus.RUNNING, 3)
    assert rescore_run_execute(run_id=run.pk).status == RescoreStatus.DONE
    assert set(ContactScore.objects.values_list("interest", flat=True)) == {9}


def test_without_a_budget_the_call_runs_the_whole_run(run, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.execute_rescore_run, "delay", lambda *args: sent.append(args))

    assert rescore_run_execute(run_id=run.pk).status == RescoreStatus.DONE
    assert sent == []


def test_the_worker_task_passes_its_budget(run, monkeypatch, settings):
    settings.SCORING_RESCORE_TASK_SECONDS = 7.5
    seen = []
    monkeypatch.setattr(tasks.services, "rescore_run_execute", lambda **kwargs: seen.append(kwargs))
    tasks.execute_rescore_run.apply(args=[run.pk], throw=True)  # eager: no budget
    tasks.execute_rescore_run.run(run.pk)  # as a worker process calls it
    assert [s["budget_seconds"] for s in seen] == [None, 7.5]
