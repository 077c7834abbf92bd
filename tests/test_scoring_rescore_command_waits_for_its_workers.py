"""
`manage.py rescore` reports the run once it is done, even when workers that joined it (a
broker and workers running) finish its last slices and close it: it waits for them.
"""

import pytest
from django.core.management import call_command

from scoring import services
from scoring.management.commands import rescore
from scoring.models import RescoreRun, RescoreStatus
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


def test_the_command_waits_for_the_workers_closing_its_run(monkeypatch, capsys):
    model = ScoringModelFactory(name="Main")
    InterestRuleFactory(scoring_model=model)
    ContactFactory()
    run = RescoreRun.objects.create(scoring_model=model, status=RescoreStatus.RUNNING, total=1)
    monkeypatch.setattr(services, "scoring_model_rescore", lambda **kwargs: run)
    waits = []

    def a_worker_closes_it(seconds):
        waits.append(seconds)
        RescoreRun.objects.filter(pk=run.pk).update(status=RescoreStatus.DONE, done=1)

    monkeypatch.setattr(rescore.time, "sleep", a_worker_closes_it)
    call_command("rescore")

    assert waits == [rescore.WAIT_SECONDS]
    assert "Rescored 1 contacts under 'Main'" in capsys.readouterr().out
