"""Slack: a rep's and a team's incoming webhooks hear about leads, durably, with retries."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from routing import services, slack, tasks
from routing.models import DeliveryStatus, SlackMessage, Strategy, WebhookDelivery, WebhookEndpoint
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    """Slack and webhook test receivers listen on http://127.0.0.1 (development settings)."""
    settings.OUTBOUND_ALLOW_LOCAL = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.DEBUG = True


@pytest.fixture
def rule(team):
    return RoutingRuleFactory(
        name="EMEA", team=team, strategy=Strategy.ROUND_ROBIN, account_match=False
    )


def test_the_rep_and_the_team_channel_get_an_incoming_webhook_message(
    rule,
    team,
    receiver,
    django_capture_on_commit_callbacks,
):
    make_rep(team, "Ana", slack_webhook_url=receiver.url + "/ana")
    team.slack_webhook_url = receiver.url + "/team"
    team.save()

    with django_capture_on_commit_callbacks(execute=True):
        assignment = route()

    assert len(receiver.received) == 2
    bodies = [json.loads(r["body"]) for r in receiver.received]
    for body in bodies:
        assert body["text"].startswith(f":inbox_tray: New lead: {assignment.contact}")
        assert f"/queue/{assignment.pk}/" in body["text"]
        assert body["blocks"][0]["type"] == "section"
        assert "*Rep* Ana" in body["blocks"][1]["elements"][0]["text"]
    messages = SlackMessage.objects.order_by("audience")
    assert [m.audience for m in messages] == ["ana", "team EMEA"]
    assert {m.status for m in messages} == {DeliveryStatus.DELIVERED}


def test_no_webhook_no_message(rule, team, django_capture_on_commit_callbacks):
    make_rep(team, "Ana")
    with django_capture_on_commit_callbacks(execute=True):
        route()
    assert not SlackMessage.objects.exists()


def test_a_failed_post_is_kept_retried_with_backoff_then_given_up(
    rule,
    team,
    receiver,
    django_capture_on_commit_callbacks,
):
    make_rep(team, "Ana", slack_webhook_url=receiver.url)
    receiver.statuses.extend([500] * 10)
    with django_capture_on_commit_callbacks(execute=True):
        route()
    message = SlackMessage.objects.get()
    assert message.status == DeliveryStatus.RETRYING
    assert message.attempts == 1 and message.last_status_code == 500
    assert message.next_attempt_at is not None

    for _ in range(slack.MAX_ATTEMPTS - 1):
        slack.slack_message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == DeliveryStatus.FAILED
    assert message.attempts == slack.MAX_ATTEMPTS


def test_overdue_retries_are_sent_again_by_the_beat_sweep(
    rule,
    team,
    receiver,
    django_capture_on_commit_callbacks,
):
    make_rep(team, "Ana", slack_webhook_url=receiver.url)
    endpoint = WebhookEndpoint.objects.create(
        name="CRM", url=receiver.url, events=["lead.assigned"]
    )
    receiver.statuses.extend([500, 500])  # the webhook and the Slack post both fail once
    with django_capture_on_commit_callbacks(execute=True):
        route()
    assert WebhookDelivery.objects.get(endpoint=endpoint).status == DeliveryStatus.RETRYING
    assert SlackMessage.objects.get().status == DeliveryStatus.RETRYING

    assert services.deliveries_retry_due(now=timezone.now()) == 0  # not due yet
    later = timezone.now() + dt.timedelta(minutes=10)
    assert tasks.retry_due_deliveries.apply().get() == 0  # beat's task, at the real time
    assert services.deliveries_retry_due(now=later) == 2

    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert SlackMessage.objects.get().status == DeliveryStatus.DELIVERED


def test_slack_urls_must_be_https_to_a_public_host_in_production(settings):
    settings.OUTBOUND_ALLOW_LOCAL = False
    assert slack.slack_url_problem("http://hooks.slack.com/services/T/B/x") == (
        "Slack webhooks must use https://."
    )
    assert "private network" in slack.slack_url_problem("https://127.0.0.1/hook")
    assert "private network" in slack.slack_url_problem("https://10.1.2.3/hook")
    assert slack.slack_url_problem("hooks.slack.com/x") == (
        "Give the full https:// URL of the incoming webhook."
    )


def test_the_admin_form_rejects_a_bad_slack_url(team, settings):
    settings.OUTBOUND_ALLOW_LOCAL = False
    team.slack_webhook_url = "http://example.com/hook"
    with pytest.raises(ValidationError) as caught:
        team.full_clean()
    assert "slack_webhook_url" in caught.value.message_dict
