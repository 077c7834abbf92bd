"""
Everything a model has, it has on its own: the time refresh qualifies under the model time
moved, a what-if compares a draft with its own model's live version, and a new model made
from the page scores every contact once its first draft is published.
"""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import ContactScore, Qualification, RescoreRun, ScoringLine
from scoring.services import (
    rescore_run_execute,
    scores_refresh_time,
    scoring_model_draft_create,
    scoring_model_publish,
    whatif_run_create,
    whatif_run_execute,
)
from tests.factories import ContactFactory, score_of

pytestmark = pytest.mark.django_db


def test_a_webinar_dated_tomorrow_qualifies_the_lead_under_enterprise_when_its_time_comes(
    core, enterprise
):
    contact = ContactFactory()
    now = timezone.now()
    activity_record(contact=contact, kind="webinar_attended", occurred_at=now)
    activity_record(
        contact=contact, kind="webinar_attended", occurred_at=now + dt.timedelta(days=1)
    )
    assert score_of(contact, enterprise.line).interest == 10
    assert not Qualification.objects.exists()

    scores_refresh_time(now=now + dt.timedelta(days=2))

    assert score_of(contact, enterprise.line).interest == 20
    assert [q.line for q in Qualification.objects.all()] == [enterprise.line]


def test_a_what_if_of_an_enterprise_draft_compares_it_with_the_live_enterprise_version(
    core, enterprise
):
    fans = [ContactFactory() for _ in range(2)]
    for fan in fans:
        activity_record(contact=fan, kind="webinar_attended", occurred_at=timezone.now())
    draft = scoring_model_draft_create(source=enterprise, created_by=None)
    rule = draft.rules.get(dimension="interest")
    rule.points = 20
    rule.save()

    run = whatif_run_execute(run_id=whatif_run_create(draft=draft, requested_by=None).pk)

    assert run.baseline == enterprise
    # Live Enterprise: interest 10, not MQL; the draft gives 20: both webinar fans enter.
    assert (run.result["mql"]["live"], run.result["mql"]["draft"]) == (0, 2)
    assert sorted(lead["id"] for lead in run.result["entering"]) == sorted(f.pk for f in fans)


def test_a_new_model_made_on_the_page_scores_every_contact_once_published(
    core, ops_client, django_capture_on_commit_callbacks
):
    contacts = [ContactFactory() for _ in range(3)]
    page = ops_client.get("/scoring/models/new/")
    assert page.status_code == 200 and "Start from" in page.content.decode()

    response = ops_client.post(
        "/scoring/models/new/",
        {"name": "EMEA", "description": "Europe", "source": core.pk},
    )

    line = ScoringLine.objects.get(name="EMEA")
    draft = line.versions.get()
    assert response.status_code == 302 and response["Location"] == f"/scoring/versions/{draft.pk}/"
    assert draft.is_draft and draft.rules.count() == core.rules.count()
    assert not ContactScore.objects.filter(line=line).exists()  # a draft scores nobody
    scoring_model_publish(draft=draft, published_by=None)
    rescore_run_execute(run_id=RescoreRun.objects.get(scoring_model=draft).pk)
    assert ContactScore.objects.filter(line=line).count() == len(contacts)
    overview = ops_client.get("/scoring/").content.decode()
    assert 'aria-label="Scoring models"' in overview and "EMEA" in overview


def test_a_second_model_with_a_taken_name_is_refused_with_a_clear_error(core, ops_client):
    ops_client.post("/scoring/models/new/", {"name": "EMEA", "source": core.pk})

    again = ops_client.post("/scoring/models/new/", {"name": "emea", "source": core.pk})

    assert again.status_code == 200
    assert "exists already" in again.content.decode()
    assert ScoringLine.objects.filter(name__iexact="emea").count() == 1
