"""
Side effects go through the outbox: a qualification's routing is written in the scoring
transaction and delivered afterwards, exactly once, even when the broker refused the task.
"""

import datetime as dt

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from contacts.services import activity_record
from scoring import tasks
from scoring.models import OutboxMessage, Qualification
from scoring.services import outbox, outbox_message_deliver, outbox_redrive
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory, score_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    model = ScoringModelFactory()
    InterestRuleFactory(
        scoring_model=model,
        name="Requested a demo",
        activity_kind="demo_request",
        is_hand_raise=True,
    )
    return model


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_outbox, "delay", refuse)


def test_a_release_writes_one_outbox_message_with_the_qualification(model):
    contact = ContactFactory(company=None)  # no account to rescore: one message, the lead's
    activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())
    qualification = Qualification.objects.get(contact=contact)
    message = OutboxMessage.objects.get(topic="lead_qualified")
    assert message.topic == "lead_qualified"
    assert message.payload == {"qualification_id": qualification.pk, "contact_id": contact.pk}
    assert message.delivered_at is None  # on commit, not before


def test_delivering_a_message_twice_announces_the_lead_once(model, announcements):
    contact = ContactFactory(company=None)  # no account to rescore: one message, the lead's
    activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())
    message = OutboxMessage.objects.get(topic="lead_qualified")
    assert outbox_message_deliver(message_id=message.pk) is True
    assert outbox_message_deliver(message_id=message.pk) is False
    assert outbox_redrive(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assert announcements == [contact.pk]


def test_with_the_broker_down_the_api_answers_and_the_redrive_routes_later(
    model, broker_down, ops_client, announcements, django_capture_on_commit_callbacks
):
    contact = ContactFactory(company=None)  # no account to rescore: one message, the lead's
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(
            "/api/v1/activities/",
            {
                "contact_id": contact.pk,
                "kind": "demo_request",
                "occurred_at": timezone.now().isoformat(),
            },
            content_type="application/json",
        )
    assert response.status_code == 201
    assert score_of(contact).hand_raise_rule == "Requested a demo"  # scored, broker or not
    assert OutboxMessage.objects.get(topic="lead_qualified").delivered_at is None
    assert announcements == []

    assert outbox_redrive(now=timezone.now() + dt.timedelta(minutes=1)) == 1
    assert OutboxMessage.objects.get(topic="lead_qualified").delivered_at is not None
    assert announcements == [contact.pk]


def test_a_failing_handler_is_retried_with_backoff(model, monkeypatch, announcements):
    contact = ContactFactory(company=None)  # no account to rescore: one message, the lead's
    activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())
    message = OutboxMessage.objects.get(topic="lead_qualified")

    def broken(payload):
        raise RuntimeError("routing is broken")

    monkeypatch.setitem(outbox.HANDLERS, "lead_qualified", broken)
    assert outbox_message_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.attempts, message.delivered_at) == (1, None)
    assert "routing is broken" in message.last_error
    assert message.available_at > timezone.now()

    monkeypatch.undo()
    assert outbox_redrive(now=timezone.now()) == 0  # not due yet
    assert outbox_redrive(now=message.available_at + dt.timedelta(seconds=1)) == 1
    assert announcements == [contact.pk]
