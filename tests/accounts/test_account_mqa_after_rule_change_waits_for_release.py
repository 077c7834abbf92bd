"""A rule change is side-effect free for accounts too: an account that newly meets the MQA rule
after a rescore run (its every-account pass, delivered from the outbox) is qualified but waits
for marketing; releasing it routes it once."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from routing.models import AccountAssignment
from scoring.models import AccountQualification, AccountScore, OutboxMessage
from scoring.services import outbox_message_deliver, rescore_run_execute, scoring_model_changed
from scoring.services.accounts import account_qualification_release
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_a_lower_mqa_threshold_qualifies_after_the_run_and_routes_on_release(
    acme, account_model, owner
):
    now = timezone.now()
    for title in ("VP Sales", "Sales Manager", "CTO"):  # 30 interest + 3 roles = 60 < 70
        activity_record(
            contact=ContactFactory(company=acme, job_title=title),
            kind="pricing_page_view",
            occurred_at=now - dt.timedelta(hours=1),
        )
    assert not AccountQualification.objects.exists()

    account_model.mqa_engagement_threshold = 50
    account_model.save()
    run = scoring_model_changed(model_id=account_model.pk, reason="MQA threshold lowered")
    rescore_run_execute(run_id=run.pk)
    # The run ends with the contacts' scores; every account follows from its durable message.
    (accounts_pass,) = OutboxMessage.objects.filter(topic="accounts_rescore_all")
    outbox_message_deliver(message_id=accounts_pass.pk)
    for chunk in OutboxMessage.objects.filter(topic="accounts_score", pk__gt=accounts_pass.pk):
        outbox_message_deliver(message_id=chunk.pk)  # its chunks of companies

    assert AccountScore.objects.get(company=acme).meets_threshold is True
    qualification = AccountQualification.objects.get(company=acme)
    assert qualification.status == "pending"
    assert not OutboxMessage.objects.filter(topic="account_qualified").exists()

    account_qualification_release(qualification_id=qualification.pk)
    account_qualification_release(qualification_id=qualification.pk)  # twice: still one
    (message,) = OutboxMessage.objects.filter(topic="account_qualified")
    outbox_message_deliver(message_id=message.pk)
    assert AccountAssignment.objects.get(company=acme).rep == owner
