"""
On PostgreSQL, a publish during a running rescore of its line waits for the slices the run's
workers hold, not for the run: slices that start after it asked queue behind it (the line's
advisory lock), see their version retired and stop; every score ends under the new version.
"""

import threading
import time

import pytest
from django.db import connection, connections

from scoring import services
from scoring.models import ContactScore, RescoreRun, RescoreStatus
from scoring.services import rescore_runs
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="advisory locks between connections need PostgreSQL; runs in CI's PostgreSQL pass",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SLICE_SECONDS = 0.4  # each slice holds its transaction this long
SLICES = 12


def test_a_publish_waits_for_the_slices_in_hand_not_the_run(monkeypatch):
    v1 = ScoringModelFactory()
    InterestRuleFactory(scoring_model=v1, name="Pricing", points=5)
    for _ in range(SLICES):
        ActivityFactory(contact=ContactFactory(), kind="pricing_page_view")
    RescoreRun.objects.all().delete()
    run = services.scoring_model_changed(model_id=v1.pk, reason="edit", enqueue=False)
    draft = services.scoring_model_draft_create(source=v1, created_by=None)
    draft.rules.filter(name="Pricing").update(points=9)
    monkeypatch.setattr(rescore_runs, "CHUNK", 1)
    real = rescore_runs._slice_scores

    def slow_slice(*args, **kwargs):
        done = real(*args, **kwargs)
        time.sleep(SLICE_SECONDS)
        return done

    monkeypatch.setattr(rescore_runs, "_slice_scores", slow_slice)
    # The new version's run is queued, not run inside the publish (eager Celery would).
    monkeypatch.setattr(rescore_runs, "enqueue_safely", lambda *args: True)
    errors: list[Exception] = []

    def worker():
        try:
            services.rescore_run_execute(run_id=run.pk)
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker) for _ in range(2)]  # two workers share it
    for thread in workers:
        thread.start()
    time.sleep(SLICE_SECONDS * 1.5)
    done_before = RescoreRun.objects.get(pk=run.pk).done
    services.scoring_model_publish(draft=draft, published_by=None)
    done_after = RescoreRun.objects.get(pk=run.pk).done
    for thread in workers:
        thread.join(timeout=30)

    assert errors == []
    run.refresh_from_db()
    assert run.status == RescoreStatus.SUPERSEDED
    # The publish waited for the slices in hand: one per worker, and one more each whose
    # progress was not counted yet when it asked; not for the rest of the run.
    assert done_after - done_before <= 2 * len(workers), (done_before, done_after)
    # Nothing after it but the progress of those slices, counted after their commit.
    assert run.done <= done_after + len(workers) < SLICES
    services.rescore_run_execute(run_id=RescoreRun.objects.get(scoring_model=draft).pk)
    assert set(ContactScore.objects.values_list("scoring_model_id", "interest")) == {(draft.pk, 9)}
