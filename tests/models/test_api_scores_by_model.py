"""GET /api/v1/scores/?model=<id> answers one model's scores; the default model's without it."""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from tests.factories import ContactFactory, ScoringModelFactory
from tests.models.conftest import ScoringLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(core, enterprise):
    contact = ContactFactory()
    for _ in range(2):
        activity_record(contact=contact, kind="webinar_attended", occurred_at=timezone.now())
    return contact


def test_the_scoring_models_are_listed_with_their_live_version(core, enterprise, ops_api):
    rows = sorted(ops_api.get("/api/v1/scoring-models/").json()["results"], key=lambda r: r["id"])
    assert [(r["name"], r["is_default"], r["live_version"]) for r in rows] == [
        ("Default", True, core.pk),
        ("Enterprise", False, enterprise.pk),
    ]


def test_without_a_model_the_list_has_one_row_per_contact_under_the_default_model(
    contact, core, ops_api
):
    rows = ops_api.get("/api/v1/scores/").json()["results"]
    assert [(r["contact_id"], r["model_id"], r["interest"]) for r in rows] == [
        (contact.pk, core.line_id, 0)
    ]


def test_a_model_filter_answers_that_models_scores_and_mql_state(contact, enterprise, ops_api):
    url = f"/api/v1/scores/?model={enterprise.line_id}"
    rows = ops_api.get(url).json()["results"]
    assert [(r["contact_id"], r["model_id"], r["interest"], r["mql"]) for r in rows] == [
        (contact.pk, enterprise.line_id, 20, True)
    ]
    one = ops_api.get(f"/api/v1/scores/{contact.pk}/?model={enterprise.line_id}").json()
    assert (one["interest"], one["model"]) == (20, "Enterprise")
    assert ops_api.get(f"/api/v1/scores/{contact.pk}/").json()["mql"] is False


def test_filters_combine_with_the_model(contact, enterprise, ops_api):
    hot = ops_api.get(f"/api/v1/scores/?model={enterprise.line_id}&interest_min=15").json()
    cold = ops_api.get("/api/v1/scores/?interest_min=15").json()
    assert [r["contact_id"] for r in hot["results"]] == [contact.pk]
    assert cold["results"] == []


def test_a_model_that_names_no_live_scoring_model_is_a_clear_error(contact, ops_api):
    # Not an empty list: that would read as "nobody is scored under this model".
    draft_only = ScoringLineFactory(name="Draft only")
    ScoringModelFactory(line=draft_only, is_live=False)
    for model_id in (999999, draft_only.pk):
        for url in ("/api/v1/scores/", f"/api/v1/scores/{contact.pk}/"):
            response = ops_api.get(url, {"model": model_id})
            assert response.status_code == 400, (url, model_id)
            assert response.json()["errors"]["model"] == [
                f"No live scoring model has id {model_id}: GET /api/v1/scoring-models/ lists them."
            ]
    response = ops_api.get("/api/v1/scores/?model=abc")
    assert response.status_code == 400
    assert "model" in response.content.decode()
