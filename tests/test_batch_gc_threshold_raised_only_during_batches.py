"""
Batch work raises the cyclic collector's first threshold while it runs and restores it after,
even when it fails, and nested or overlapping batches restore it once, when the last ends.
"""

import gc

import pytest

from leadscore.batch_gc import BATCH_THRESHOLD, fewer_collections


@pytest.fixture
def default_threshold():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_a_batch_raises_the_threshold_and_restores_it(default_threshold):
    with fewer_collections():
        assert gc.get_threshold() == (BATCH_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_failing_batch_restores_it(default_threshold):
    @fewer_collections()
    def batch():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        batch()
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_batches_restore_it_when_the_outer_one_ends(default_threshold):
    outer = fewer_collections()
    outer.__enter__()
    with fewer_collections():
        pass
    assert gc.get_threshold() == (BATCH_THRESHOLD, 10, 10)  # the outer batch still runs
    outer.__exit__(None, None, None)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_full_rescore_runs_with_the_raised_threshold(default_threshold, db, monkeypatch):
    from scoring.services import rescore_runs
    from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, name="Pricing", points=5)
    ContactFactory()
    seen = []
    real = rescore_runs._slice_scores  # each slice's work, in SQL or in Python
    monkeypatch.setattr(
        rescore_runs,
        "_slice_scores",
        lambda *args, **kw: seen.append(gc.get_threshold()) or real(*args, **kw),
    )
    run = rescore_runs.scoring_model_changed(model_id=model.pk, reason="x", enqueue=False)
    rescore_runs.rescore_run_execute(run_id=run.pk)

    assert seen and set(seen) == {(BATCH_THRESHOLD, 10, 10)}
    assert gc.get_threshold() == (700, 10, 10)
