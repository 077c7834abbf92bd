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


def test_with_the_broker_down_the_refresh_waits_in_the_outbox_and_is_delivered_later(
    outcomes, django_capture_on_commit_callbacks, monkeypatch
):
    import datetime as dt

    from kombu.exceptions import OperationalError

    from scoring import tasks
    from scoring.models import OutboxMessage
    from scoring.services import outbox_redrive

    call_command("train_predictive", stdout=open("/dev/null", "w"))  # noqa: SIM115
    contact = ContactFactory()
    ContactPrediction.objects.filter(pk=contact.pk).delete()

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tasks.deliver_outbox, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        # Two activities in one transaction: one message for the contact.
        ActivityFactory(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
        ActivityFactory(contact=contact, kind="webinar_attended", occurred_at=timezone.now())
    message = OutboxMessage.objects.get(topic="predictions_refresh")
    assert message.payload == {"contact_ids": [contact.pk]}
    assert not ContactPrediction.objects.filter(pk=contact.pk).exists()

    monkeypatch.undo()  # the broker is back; the beat re-drive delivers
    assert outbox_redrive(now=timezone.now() + dt.timedelta(minutes=1)) >= 1
    assert ContactPrediction.objects.get(pk=contact.pk).model_version == 1
    message.refresh_from_db()
    assert message.delivered_at is not None
