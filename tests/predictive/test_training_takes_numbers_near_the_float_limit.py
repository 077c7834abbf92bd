"""
A custom property holding numbers near the float limit (1e308, imported as they came) used to
overflow the encoder's mean and deviation to NaN: every retrain then failed with scikit-learn's
"Input X contains NaN" (a 500 on the Predictive page when tasks run eagerly). Such a column is
now encoded like any other and the version trains.
"""

from __future__ import annotations

from contacts.models import Contact
from predictive.models import ContactPrediction, ModelStatus, PredictiveModel
from tests.predictive.conftest import make_outcomes


def test_retrain_succeeds_when_a_property_holds_numbers_near_the_float_limit(
    ops_client, django_capture_on_commit_callbacks
):
    contacts = make_outcomes()
    for i, contact in enumerate(contacts):
        contact.properties = {"budget": ["1e308", "1.7e308", "-1.5e308", "5"][i % 4]}
    Contact.objects.bulk_update(contacts, ["properties"])

    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post("/predictive/retrain/")

    assert response.status_code == 302
    model = PredictiveModel.objects.get()
    assert model.status == ModelStatus.ACTIVE, model.error
    assert "prop:budget" in model.features
    assert ContactPrediction.objects.count() == len(contacts)
    page = ops_client.get(response["Location"]).content.decode()
    assert "Active: scores leads" in page
