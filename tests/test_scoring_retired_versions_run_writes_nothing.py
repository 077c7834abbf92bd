"""
A rescore run of a version that stopped being live writes no score: whether it was still
queued when a newer version was published (two publishes close together, the broker down) or
halfway through its slices. Every score ends under the live version, whatever order the
workers run them in.
"""

import pytest

from scoring import services
from scoring.models import ContactScore, RescoreRun, RescoreStatus
from scoring.services import rescore_run_execute, rescore_runs, scoring_model_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def v1(pricing_leads):
    return pricing_leads


def _publish_with_points(source, points: int):
    """A draft of `source` with the pricing rule at `points`, published; its run queued."""
    draft = services.scoring_model_draft_create(source=source, created_by=None)
    draft.rules.filter(name="Pricing").update(points=points)
    services.scoring_model_publish(draft=draft, published_by=None)
    return draft, RescoreRun.objects.get(scoring_model=draft)


def _scores():
    return set(ContactScore.objects.values_list("scoring_model_id", "interest"))


def test_a_queued_run_of_a_retired_version_is_superseded_whatever_runs_first(v1):
    old = scoring_model_changed(model_id=v1.pk, reason="a rule edit", enqueue=False)
    v2, new = _publish_with_points(v1, 9)

    rescore_run_execute(run_id=new.pk)
    rescore_run_execute(run_id=old.pk)  # its task arrives last

    old.refresh_from_db()
    assert old.status == RescoreStatus.SUPERSEDED and old.done == 0
    assert _scores() == {(v2.pk, 9)}


def test_a_run_halfway_through_stops_at_its_next_slice(v1, monkeypatch):
    monkeypatch.setattr(rescore_runs, "CHUNK", 3)  # slices of 3, 3 and 1 contacts
    old = scoring_model_changed(model_id=v1.pk, reason="a rule edit", enqueue=False)
    slices_left = []
    real = rescore_runs._slice_rescore

    def publish_after_the_first_slice(run, *args, **kwargs):
        did = real(run, *args, **kwargs)
        if run.pk == old.pk and not slices_left:
            slices_left.append(_publish_with_points(v1, 9))
        return did

    monkeypatch.setattr(rescore_runs, "_slice_rescore", publish_after_the_first_slice)
    rescore_run_execute(run_id=old.pk)
    old.refresh_from_db()
    assert old.status == RescoreStatus.SUPERSEDED
    assert old.done == 3  # its first slice, written while v1 was live

    v2, new = slices_left[0]
    rescore_run_execute(run_id=new.pk)
    assert _scores() == {(v2.pk, 9)}


def test_the_live_versions_run_closes_a_retired_ones_instead_of_waiting(v1, monkeypatch):
    monkeypatch.setattr(rescore_runs, "CHUNK", 3)
    old = scoring_model_changed(model_id=v1.pk, reason="a rule edit", enqueue=False)
    rescore_runs._claim(old.pk)  # its worker started it, then was lost
    v2, new = _publish_with_points(v1, 9)

    rescore_run_execute(run_id=new.pk)  # not RescoreBusy

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (RescoreStatus.SUPERSEDED, RescoreStatus.DONE)
    assert not old.slices.exists()
    assert rescore_run_execute(run_id=old.pk).status == RescoreStatus.SUPERSEDED
    assert _scores() == {(v2.pk, 9)}
