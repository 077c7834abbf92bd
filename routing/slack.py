"""
Slack notifications, beside email: a rep's own incoming webhook hears about their new leads, a
team's webhook hears about every lead of the team (new, reassigned, escalated, unassigned).

Each post is a SlackMessage row written in the routing transaction, sent by a Celery task after
commit and retried with backoff; routing.tasks.retry_due_messages picks up any retry a broker
lost (and, in the embedded default without a worker, is the only retry there is).
Messages use Slack's incoming-webhook format ({"text", "blocks"}), which Mattermost and
Rocket.Chat accept too.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from leadscore.on_commit import enqueue_safely
from routing import selectors
from routing.models import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    RepProfile,
    SlackMessage,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30

_EMOJI = {
    NotificationKind.ASSIGNED: ":inbox_tray:",
    NotificationKind.REASSIGNED: ":arrows_counterclockwise:",
    NotificationKind.ESCALATED: ":rotating_light:",
    NotificationKind.UNASSIGNED: ":warning:",
}


def slack_url_problem(url: str) -> str | None:
    """
    Why this URL cannot receive Slack posts, or None. HTTPS only, and never this machine or a
    private network: the server must not be turned into a probe of its own network (SSRF).
    settings.OUTBOUND_ALLOW_LOCAL (on with DEBUG) allows http and local receivers for
    development and tests.
    """
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Give the full https:// URL of the incoming webhook."
    if getattr(settings, "OUTBOUND_ALLOW_LOCAL", settings.DEBUG):
        return None
    if parts.scheme != "https":
        return "Slack webhooks must use https://."
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, None)}
    except OSError:
        # Unresolvable now (DNS hiccup): the post will fail and be retried; not an SSRF risk.
        return None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            return "That address is on a private network; use the webhook's public URL."
    return None


def _absolute(path: str) -> str:
    return settings.LEADSCORE_BASE_URL.rstrip("/") + path


def slack_payload(notification: Notification) -> dict:
    """The incoming-webhook body: a one-line text (the push notification) plus blocks."""
    assignment = notification.assignment
    link = _absolute(reverse("routing:assignment", args=[assignment.pk]))
    text = f"{_EMOJI.get(notification.kind, '')} {notification.message}".strip()
    facts = []
    score = selectors.lead_score(assignment)
    if score is not None:
        facts.append(
            f"*Score* {score.grade}{score.band} (fit {score.fit:.0f}, "
            f"interest {score.interest:.0f})"
        )
    if assignment.rep_id:
        facts.append(f"*Rep* {assignment.rep.get_full_name() or assignment.rep.get_username()}")
    if assignment.sla_due_at:
        local = timezone.localtime(assignment.sla_due_at)
        facts.append(f"*Accept by* {local:%a %d %b %H:%M} {local.tzname()}")
    if assignment.hand_raise:
        facts.append("*Hand-raise*")
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{text}\n<{link}|Open the lead>"}},
    ]
    if facts:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(facts)}]}
        )
    return {"text": f"{text} {link}", "blocks": blocks}


def slack_messages_queue(*, notification: Notification) -> list[SlackMessage]:
    """
    Write the Slack posts this notification calls for (the recipient's webhook, the team's
    webhook) in the caller's transaction, and send them after commit.
    """
    assignment = notification.assignment
    targets: list[tuple[str, str]] = []
    profile = (
        RepProfile.objects.filter(user_id=notification.recipient_id)
        .exclude(slack_webhook_url="")
        .values_list("slack_webhook_url", flat=True)
        .first()
    )
    if profile:
        targets.append((profile, str(notification.recipient)))
    team = assignment.team if assignment.team_id else None
    if team is not None and team.slack_webhook_url:
        targets.append((team.slack_webhook_url, f"team {team.name}"))
    if not targets:
        return []
    payload = json.loads(json.dumps(slack_payload(notification)))
    messages = SlackMessage.objects.bulk_create(
        SlackMessage(url=url, audience=audience[:120], notification=notification, payload=payload)
        for url, audience in targets
    )
    from routing import tasks

    ids = [m.pk for m in messages]
    transaction.on_commit(lambda: [enqueue_safely(tasks.send_slack_message, pk) for pk in ids])
    return messages


def slack_retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failures: 30, 60, 120, 240..."""
    return RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def slack_message_send(*, message_id: int, now: datetime | None = None) -> SlackMessage:
    """
    POST one message to its webhook and record the attempt: delivered on a 2xx, otherwise
    retrying (with the next attempt's time) until the last attempt, then failed. The HTTP call
    happens outside any transaction; a URL that became unsafe is failed without a request.
    """
    from routing.webhook_http import webhook_post

    message = SlackMessage.objects.filter(pk=message_id).first()
    if message is None or message.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return message
    problem = slack_url_problem(message.url)
    body = json.dumps(message.payload).encode()
    allow_local = getattr(settings, "OUTBOUND_ALLOW_LOCAL", settings.DEBUG)
    headers = {"Content-Type": "application/json"}
    # The same pinned, redirect-free POST as webhooks (routing.webhook_http).
    response = (
        None if problem else webhook_post(message.url, body, headers, allow_local=allow_local)
    )
    now = now or timezone.now()
    message.attempts += 1
    if response is None:
        message.status, message.last_error = DeliveryStatus.FAILED, problem or ""
    elif response.status is not None and 200 <= response.status < 300:
        message.status, message.delivered_at = DeliveryStatus.DELIVERED, now
        message.last_status_code, message.last_error = response.status, ""
        message.next_attempt_at = None
    else:
        message.last_status_code, message.last_error = response.status, response.error[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status, message.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            message.status = DeliveryStatus.RETRYING
            message.next_attempt_at = now + timedelta(seconds=slack_retry_delay(message.attempts))
    message.save()
    if message.status != DeliveryStatus.DELIVERED:
        logger.warning(
            "Slack to %s: attempt %s failed (%s)",
            message.audience,
            message.attempts,
            message.last_error,
        )
    return message
