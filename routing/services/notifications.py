"""
Notifications: the in-app one (the queue's unread badge), its email, sent once after commit,
and the Slack posts queued with it (routing.slack).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from leadscore.on_commit import enqueue_safely
from routing import engine, selectors, slack
from routing.models import Assignment, Notification, NotificationKind, RepProfile


def _notify(assignment: Assignment, *, kind: NotificationKind, recipient_id: int) -> Notification:
    """
    An unread in-app notification, emailed once the transaction commits, and posted to the
    rep's and the team's Slack webhooks when they have one (routing.slack).
    """
    contact = assignment.contact
    company = f" at {contact.company.name}" if contact.company_id else ""
    messages = {
        NotificationKind.ASSIGNED: f"New lead: {contact}{company}",
        NotificationKind.REASSIGNED: f"Lead reassigned to you: {contact}{company}",
        NotificationKind.ESCALATED: f"Escalated: nobody accepted {contact}{company} in time",
        NotificationKind.UNASSIGNED: f"Nobody could take {contact}{company}",
    }
    notification = Notification.objects.create(
        recipient_id=recipient_id,
        kind=kind,
        assignment=assignment,
        message=messages[kind][:255],
        created_at=timezone.now(),
    )
    from routing import tasks

    notification_id = notification.pk
    transaction.on_commit(lambda: enqueue_safely(tasks.send_notification_email, notification_id))
    slack.slack_messages_queue(notification=notification)
    return notification


def notifications_mark_read(*, user: AbstractBaseUser, now: datetime | None = None) -> int:
    """The user has seen their queue: clear the unread badge."""
    return selectors.unread_notifications(user=user).update(read_at=now or timezone.now())


def _absolute(path: str) -> str:
    # Emails need absolute links; LEADSCORE_BASE_URL (e.g. https://leads.example.com) sets the
    # host, otherwise the first allowed host over http is the best guess (development).
    base = getattr(settings, "LEADSCORE_BASE_URL", "")
    if not base:
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
        base = f"http://{hosts[0]}:8000" if hosts else ""
    return base.rstrip("/") + path


@transaction.atomic
def notification_email_send(*, notification_id: int) -> bool:
    """
    Email one notification to its recipient (unless they opted out), once: the row is locked
    and marked, so a re-driven task and a late one do not both send it. Returns whether sent.
    """
    claimed = Notification.objects.select_for_update().filter(
        pk=notification_id, emailed_at__isnull=True
    )
    if not claimed.update(emailed_at=timezone.now()):
        return False  # sent already, or the notification is gone
    notification = (
        Notification.objects.select_related(
            "recipient",
            "assignment__contact__company",
            "assignment__rule",
            "assignment__team",
        )
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not notification.recipient.email:
        return False
    profile = RepProfile.objects.filter(user_id=notification.recipient_id).first()
    if profile is not None and not profile.notify_by_email:
        return False
    assignment = notification.assignment
    last = assignment.decisions.order_by("-occurred_at", "-id").first()
    context = {
        "notification": notification,
        "assignment": assignment,
        "contact": assignment.contact,
        "score": selectors.lead_score(assignment),
        "decision": last,
        "queue_url": _absolute(reverse("routing:queue")),
        "lead_url": _absolute(reverse("routing:assignment", args=[assignment.pk])),
        "sla_words": (
            engine.duration_words(
                max(int((assignment.sla_due_at - timezone.now()).total_seconds() // 60), 1)
            )
            if assignment.sla_due_at
            else ""
        ),
    }
    subject = render_to_string("routing/email/notification_subject.txt", context).strip()
    body = render_to_string("routing/email/notification.txt", context)
    send_mail(
        subject.splitlines()[0][:200],
        body,
        None,
        [notification.recipient.email],
        fail_silently=False,
    )
    return True
