"""Training reports its progress on the version; the page polls it with htmx, with a plain link."""

from __future__ import annotations

import re

from predictive import services
from predictive.models import ModelStatus, PredictiveModel


def test_the_task_records_each_step_on_the_version(outcomes):
    model = PredictiveModel.objects.create()
    seen: list[tuple[int, str]] = []
    services.predictive_model_train(
        model_id=model.pk, progress=lambda percent, note: seen.append((percent, note))
    )
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100
    assert any("validation" in note for _, note in seen)
    assert any("Suggesting a scoring model" in note for _, note in seen)
    model.refresh_from_db()
    assert (model.progress, model.status) == (100, ModelStatus.ACTIVE)


def test_a_running_training_is_polled_and_every_poll_has_a_link(db, ops_client):
    model = PredictiveModel.objects.create(
        status=ModelStatus.TRAINING, progress=55, progress_note="Fitting and calibrating"
    )
    html = ops_client.get("/predictive/").content.decode()
    assert "55% · Training · Fitting and calibrating" in html
    polls = re.findall(r'hx-get="([^"]+)"', html)
    assert polls == [f"/predictive/versions/{model.pk}/progress/"]
    assert re.search(r'<a href="/predictive/">Refresh</a>', html)
    fragment = ops_client.get(polls[0], headers={"HX-Request": "true"})
    assert 'id="training-progress"' in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    model.status, model.progress = ModelStatus.ACTIVE, 100
    model.save()
    assert ops_client.get(polls[0], headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    assert ops_client.get(polls[0]).status_code == 302  # without htmx: the page itself
