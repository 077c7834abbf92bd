"""A fresh install gets its scoring model from one command and scores from its first lead."""

import pytest
from django.core.management import call_command

from contacts.models import ActivityKind
from contacts.services import activity_record
from scoring.models import ContactScore, ScoringModel
from tests.factories import CompanyFactory, ContactFactory

# Transactional (scoring runs on commit); serialized_rollback puts back the role groups the
# flush removes, for the transactional tests that run after this one.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_setup_scoring_makes_the_default_model_live_and_the_first_lead_scores(capsys):
    assert not ScoringModel.objects.exists()
    call_command("setup_scoring")
    model = ScoringModel.objects.get(is_live=True)
    assert model.rules.count() >= 10
    assert "No contacts yet" in capsys.readouterr().out

    from django.utils import timezone

    lead = ContactFactory(company=CompanyFactory(industry="Software", employee_count=800))
    activity_record(contact=lead, kind=ActivityKind.PRICING_PAGE_VIEW, occurred_at=timezone.now())
    stored = ContactScore.objects.get(contact=lead)
    assert stored.fit > 0 and stored.interest > 0


def test_setup_scoring_scores_contacts_already_there_and_runs_only_once(capsys):
    ContactFactory.create_batch(3)
    call_command("setup_scoring")
    assert ContactScore.objects.count() == 3
    assert "Scored 3 existing contacts" in capsys.readouterr().out
    call_command("setup_scoring")
    assert ScoringModel.objects.count() == 1
    assert "Nothing to do" in capsys.readouterr().out


def test_manage_py_rescore_runs_the_rescore_itself_and_queues_no_task_for_it(capsys, monkeypatch):
    from scoring.defaults import default_model_create
    from scoring.models import RescoreRun
    from scoring.services import rescore_runs

    default_model_create()
    ContactFactory.create_batch(2)
    queued = []
    monkeypatch.setattr(rescore_runs, "enqueue_safely", lambda task, *args: queued.append(args))
    call_command("rescore")
    run = RescoreRun.objects.get(reason="manage.py rescore")
    assert (run.status, run.done) == ("done", 2)
    assert (run.pk,) not in queued
    assert "Rescored 2 contacts" in capsys.readouterr().out
