"""Outbound webhooks: signed JSON on lead.qualified and lead.assigned, retried with backoff."""

import hashlib
import hmac
import json
import time

import pytest
from celery.exceptions import Retry

from routing import services, tasks
from routing.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _receivers_on_this_machine(settings):
    """The test receiver listens on http://127.0.0.1: allowed only with the explicit setting
    (and plain http only in development)."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.DEBUG = True


@pytest.fixture
def endpoint(receiver):
    return WebhookEndpoint.objects.create(
        name="CRM sync",
        url=receiver.url,
        secret="s3cret",
        events=["lead.qualified", "lead.assigned"],
    )


def test_both_events_are_delivered_signed_with_the_endpoint_secret(
    endpoint, receiver, team, django_capture_on_commit_callbacks
):
    make_rep(team, "Ana")
    RoutingRuleFactory(name="EMEA SaaS", team=team, account_match=False)

    with django_capture_on_commit_callbacks(execute=True):
        assignment = route()

    assert [json.loads(r["body"])["event"] for r in receiver.received] == [
        "lead.qualified",
        "lead.assigned",
    ]
    for request in receiver.received:
        header = request["headers"]["X-Leadscore-Signature"]
        stamp = header.split(",")[0].removeprefix("t=")
        signed = stamp.encode() + b"." + request["body"]
        expected = hmac.new(b"s3cret", signed, hashlib.sha256).hexdigest()
        assert header == f"t={stamp},v1={expected}"
        assert abs(int(stamp) - time.time()) < 60
        assert request["headers"]["Content-Type"] == "application/json"
    assigned = json.loads(receiver.received[1]["body"])
    assert assigned["data"]["contact"]["email"] == assignment.contact.email
    assert assigned["data"]["assignment"]["rep"]["username"] == "ana"
    assert assigned["data"]["assignment"]["decision"].startswith("Matched 'EMEA SaaS'")
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_an_endpoint_gets_only_the_events_it_subscribed_to(
    endpoint, receiver, team, django_capture_on_commit_callbacks
):
    endpoint.events = ["lead.assigned"]
    endpoint.save()
    make_rep(team, "Ana")
    RoutingRuleFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        route()
    assert [json.loads(r["body"])["event"] for r in receiver.received] == ["lead.assigned"]


def test_a_failed_delivery_is_retried_with_exponential_backoff_until_it_succeeds(
    endpoint, receiver, monkeypatch
):
    receiver.statuses.extend([500, 503])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="lead.assigned", payload={"event": "lead.assigned", "data": {}}
    )
    countdowns = []

    def fake_retry(*, countdown, **kwargs):
        countdowns.append(countdown)
        return Retry(when=countdown)

    # As a worker runs it (not eagerly): a failure asks Celery to retry later.
    monkeypatch.setattr(tasks.deliver_webhook, "retry", fake_retry)
    tasks.deliver_webhook.push_request(is_eager=False, retries=0)
    try:
        for _ in range(2):
            with pytest.raises(Retry):
                tasks.deliver_webhook(delivery.pk)
        assert tasks.deliver_webhook(delivery.pk) == DeliveryStatus.DELIVERED
    finally:
        tasks.deliver_webhook.pop_request()

    assert countdowns == [30, 60]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 3
    assert len(receiver.received) == 3
    # Every attempt carries the same body and a valid, freshly timestamped signature.
    bodies = {r["body"] for r in receiver.received}
    assert len(bodies) == 1
    body = bodies.pop()
    for request in receiver.received:
        assert services.webhook_signature_verify(
            secret="s3cret",
            header=request["headers"]["X-Leadscore-Signature"],
            body=body,
            now=time.time(),
        )


def test_a_delivery_that_keeps_failing_gives_up_after_the_last_attempt(endpoint, receiver):
    receiver.statuses.extend([500] * services.WEBHOOK_MAX_ATTEMPTS)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="lead.assigned", payload={})
    for _ in range(services.WEBHOOK_MAX_ATTEMPTS):
        delivery = services.webhook_delivery_attempt(delivery_id=delivery.pk)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == services.WEBHOOK_MAX_ATTEMPTS
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at is None


def test_an_unreachable_endpoint_is_recorded_as_a_retry(endpoint, receiver):
    endpoint.url = "http://127.0.0.1:9/nothing-listens-here"
    endpoint.save()
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="lead.assigned", payload={})
    delivery = services.webhook_delivery_attempt(delivery_id=delivery.pk)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_status_code is None
    # Generic text: the log does not tell a closed port from any other network failure.
    assert delivery.last_error == "Could not deliver: no HTTP response from the endpoint."


def test_the_backoff_doubles():
    assert [services.webhook_retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_the_delivery_log_is_in_the_admin(endpoint, admin_client_persona):
    WebhookDelivery.objects.create(endpoint=endpoint, event="lead.assigned", payload={})
    page = admin_client_persona.get("/admin/routing/webhookdelivery/").content.decode()
    assert "CRM sync" in page and "lead.assigned" in page
