"""
With the broker down when a lead is routed, the rep's email, the Slack message and the webhook
are not lost and the routing still commits: the beat re-drive sends each of them once the
broker is back, and only once.
"""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from routing import services, tasks
from routing.models import (
    DeliveryStatus,
    Notification,
    SlackMessage,
    Strategy,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    settings.OUTBOUND_ALLOW_LOCAL = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.DEBUG = True


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    for task in (tasks.send_notification_email, tasks.deliver_webhook, tasks.send_slack_message):
        monkeypatch.setattr(task, "delay", refuse)
    return monkeypatch


def test_routing_commits_and_the_redrive_sends_everything_once(
    team, receiver, broker_down, django_capture_on_commit_callbacks
):
    RoutingRuleFactory(name="EMEA", team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    make_rep(team, "Ana", slack_webhook_url=receiver.url + "/ana")
    WebhookEndpoint.objects.create(name="CRM", url=receiver.url, events=["lead.assigned"])

    with django_capture_on_commit_callbacks(execute=True):
        assignment = route()  # the broker refuses every task: no error reaches the caller

    assert assignment.pk is not None
    assert mail.outbox == [] and receiver.received == []
    notification = Notification.objects.get(assignment=assignment)
    assert notification.emailed_at is None
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING

    broker_down.undo()  # the broker is back
    assert services.deliveries_retry_due(now=timezone.now()) == 0  # maybe only slow, not lost
    later = timezone.now() + dt.timedelta(minutes=10)
    assert services.deliveries_retry_due(now=later) == 3

    assert len(mail.outbox) == 1 and mail.outbox[0].to == [notification.recipient.email]
    assert len(receiver.received) == 2
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert SlackMessage.objects.get().status == DeliveryStatus.DELIVERED
    assert services.deliveries_retry_due(now=later) == 0
    # A late task for the same notification sends nothing more.
    assert services.notification_email_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1
