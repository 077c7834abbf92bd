"""
With a real broker: an activity is scored in the request's own transaction (no worker needed),
and the worker delivers the outbox message that routes the qualified lead.
"""

import time

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.defaults import default_model_create
from scoring.models import ContactScore, OutboxMessage
from tests.factories import ContactFactory
from tests.routing.test_routing_on_qualification import _wait_until_worker_idle

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_activity_is_scored_at_once_and_its_outbox_message_delivered_by_the_worker(
    celery_worker_process,
):
    default_model_create()
    contact = ContactFactory(job_title="VP Sales", company__industry="Software")
    activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())

    # Scored before any worker could run: in the write transaction.
    score = ContactScore.objects.get(contact=contact)
    assert score.hand_raise_rule == "Requested a demo"
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "mql"

    deadline = time.monotonic() + 30
    while OutboxMessage.objects.filter(delivered_at__isnull=True).exists():
        if time.monotonic() > deadline:
            pytest.fail("the worker did not deliver the outbox message within 30 s")
        time.sleep(0.2)
    # The worker still emails the rep after routing; let it finish before the test's flush.
    _wait_until_worker_idle()
