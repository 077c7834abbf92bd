"""
A full rescore is cut into slices, each rescored and marked done in one transaction. A worker
that dies in the middle of a run (a deploy, a crash) loses only the slice it held: the beat
re-drive hands the stalled run to another worker, which takes up the slices left, so every
contact ends scored under the new rules, once, and the run closes once.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from scoring.models import (
    ChangeReason,
    ContactScore,
    OutboxMessage,
    OutboxTopic,
    RescoreRun,
    RescoreSlice,
    RescoreStatus,
    ScoreChange,
)
from scoring.services import rescore_run_execute, rescore_runs, scoring_model_changed
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a killed worker leaves: no exception handler of the run gets to see it."""


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        model = ScoringModelFactory()
        rule = InterestRuleFactory(scoring_model=model, activity_kind="pricing_page_view", points=5)
        contacts = [ContactFactory() for _ in range(7)]
        for contact in contacts:
            ActivityFactory(contact=contact, kind="pricing_page_view")
    RescoreRun.objects.all().delete()
    OutboxMessage.objects.all().delete()
    ScoreChange.objects.filter(reason=ChangeReason.RULE_CHANGE).delete()
    return model, rule, contacts


def _kill_on_slice(monkeypatch, number: int) -> None:
    """The worker dies on its Nth slice, after rescoring it and before marking it done."""
    real, calls = rescore_runs._slice_scores, []

    def rescore(*args, **kwargs):
        calls.append(1)
        done = real(*args, **kwargs)
        if len(calls) == number:
            raise WorkerKilled
        return done

    monkeypatch.setattr(rescore_runs, "_slice_scores", rescore)


def _points_changed(model, rule) -> RescoreRun:
    rule.points = 9
    rule.save()
    return scoring_model_changed(model_id=model.pk, reason="points", enqueue=False)


def test_a_run_whose_worker_died_is_finished_by_the_redrive(world, monkeypatch):
    model, rule, contacts = world
    monkeypatch.setattr(rescore_runs, "CHUNK", 3)  # slices of 3: 3, 3 and 1 contacts
    run = _points_changed(model, rule)
    _kill_on_slice(monkeypatch, 2)
    with pytest.raises(WorkerKilled):
        rescore_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RescoreStatus.RUNNING
    assert (run.total, run.done) == (7, 3)
    assert run.slices.filter(done_at__isnull=False).count() == 1
    monkeypatch.undo()
    monkeypatch.setattr(rescore_runs, "CHUNK", 3)

    # Not yet stalled: a slow worker is not replaced.
    assert rescore_runs.rescore_runs_redrive() == 0
    RescoreRun.objects.filter(pk=run.pk).update(
        progressed_at=timezone.now() - rescore_runs.STALLED_AFTER - timedelta(seconds=1)
    )
    assert rescore_runs.rescore_runs_redrive() == 1  # without a broker the task runs here

    run.refresh_from_db()
    assert run.status == RescoreStatus.DONE
    assert (run.total, run.done, run.changed) == (7, 7, 7)
    assert set(ContactScore.objects.values_list("interest", flat=True)) == {9}
    # Each contact rescored once: the slice done before the crash was not done again.
    entries = ScoreChange.objects.filter(reason=ChangeReason.RULE_CHANGE)
    assert sorted(entries.values_list("contact_id", flat=True)) == sorted(c.pk for c in contacts)
    assert OutboxMessage.objects.filter(topic=OutboxTopic.ACCOUNTS_RESCORE_ALL).count() == 1
    assert not RescoreSlice.objects.filter(run=run, done_at__isnull=True).exists()


def test_a_slice_rescored_when_the_worker_died_is_rolled_back_whole(world, monkeypatch):
    model, rule, _ = world
    monkeypatch.setattr(rescore_runs, "CHUNK", 3)
    run = _points_changed(model, rule)
    _kill_on_slice(monkeypatch, 1)
    with pytest.raises(WorkerKilled):
        rescore_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.done == 0
    assert not run.slices.filter(done_at__isnull=False).exists()
    assert set(ContactScore.objects.values_list("interest", flat=True)) == {5}


def test_contacts_created_after_the_run_was_cut_are_in_its_last_slice(world, monkeypatch):
    model, rule, _ = world
    monkeypatch.setattr(rescore_runs, "CHUNK", 3)
    run = _points_changed(model, rule)
    real = rescore_runs._slice_scores
    late = []

    def rescore(*args, **kwargs):
        if not late:  # while the first slice is rescored, a contact arrives
            late.append(ContactFactory())
            ActivityFactory(contact=late[0], kind="pricing_page_view")
        return real(*args, **kwargs)

    monkeypatch.setattr(rescore_runs, "_slice_scores", rescore)
    run = rescore_run_execute(run_id=run.pk)
    assert run.status == RescoreStatus.DONE
    assert (run.done, run.total, run.percent) == (8, 8, 100)
    assert ContactScore.objects.get(contact=late[0]).interest == 9
