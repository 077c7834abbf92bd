"""With a real broker, a new activity is scored by a Celery worker process, not in-process."""

import time

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.defaults import default_model_create
from scoring.models import ContactScore
from tests.factories import ContactFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_activity_is_rescored_by_the_worker_after_commit(celery_worker_process):
    default_model_create()
    contact = ContactFactory(job_title="VP Sales", company__industry="Software")
    activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        score = ContactScore.objects.filter(pk=contact.pk).first()
        if score is not None and score.hand_raise_rule:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not score the contact within 30 s")
    assert score.hand_raise_rule == "Requested a demo"
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "mql"
