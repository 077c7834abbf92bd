"""`manage.py backtest` prints the what-if page's backtest figures, from the same code path."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import ActivityFactory, ContactFactory, OutcomeFactory


@pytest.fixture
def outcomes(live):
    now = timezone.now()
    for i in range(30):
        contact = ContactFactory()
        for _ in range(i % 4):
            ActivityFactory(
                contact=contact,
                kind="pricing_page_view",
                occurred_at=now - timedelta(days=40 - i, hours=1),
            )
        OutcomeFactory(
            contact=contact,
            result="won" if i % 4 >= 2 or i % 7 == 0 else "lost",
            decided_at=now - timedelta(days=40 - i),
        )


@pytest.mark.django_db
def test_the_command_prints_the_figures_of_the_page(outcomes, draft, ops_client, tmp_path):
    ops_client.post(f"/scoring/versions/{draft.pk}/whatif/", {"level": "either"})
    response = ops_client.get(f"/scoring/versions/{draft.pk}/whatif/")
    bt = response.context["bt"]
    out = StringIO()
    path = tmp_path / "bt.json"
    call_command("backtest", "--draft", "--json", str(path), stdout=out)
    data = json.loads(path.read_text())
    assert data["split"]["kind"] == bt["split"].kind == "time"
    assert data["split"]["n_train"] == bt["live"]["train"]["n"] == 21
    assert data["split"]["at"] == bt["split_at"].isoformat()
    figures = data["versions"][f"draft v{draft.version}"]["test"]
    for key in ("auc", "precision", "recall", "lift", "mqls", "n"):
        assert figures[key] == bt["draft"]["test"][key], key
    live = data["versions"]["live v1"]["test"]
    assert live["auc"] == bt["live"]["test"]["auc"]
    assert f"ROC AUC {bt['draft']['test']['auc']:.3f}" in out.getvalue()
    assert "what-if run" in data["source"]  # the page's run, reused: nothing changed since


@pytest.mark.django_db
def test_a_published_version_is_replayed_with_the_same_engine_figures(outcomes, draft, ops_client):
    ops_client.post(f"/scoring/versions/{draft.pk}/whatif/", {"level": "either"})
    bt = ops_client.get(f"/scoring/versions/{draft.pk}/whatif/").context["bt"]
    out = StringIO()
    call_command("backtest", "--version", "1", stdout=out)
    assert f"ROC AUC {bt['live']['test']['auc']:.3f}" in out.getvalue()
    assert "Split: By time" in out.getvalue()


@pytest.mark.django_db
def test_a_missing_version_is_a_clear_error(live):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no version 9"):
        call_command("backtest", "--version", "9")
