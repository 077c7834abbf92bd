"""A new activity rescores the contact's prediction once its transaction commits."""

from __future__ import annotations

from django.core.management import call_command
from django.utils import timezone

from predictive.models import ContactPrediction
from tests.factories import ActivityFactory, ContactFactory


def test_an_activity_rescores_the_prediction_on_commit(
    outcomes, django_capture_on_commit_callbacks
):
    call_command("train_predictive", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with django_capture_on_commit_callbacks(execute=True):
        contact = ContactFactory()
    assert ContactPrediction.objects.filter(pk=contact.pk).exists()  # scored when created
    ContactPrediction.objects.filter(pk=contact.pk).delete()
    with django_capture_on_commit_callbacks(execute=True):
        ActivityFactory(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
    prediction = ContactPrediction.objects.get(pk=contact.pk)
    assert prediction.model_version == 1


def test_no_model_no_prediction(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ActivityFactory()
    assert not ContactPrediction.objects.exists()
