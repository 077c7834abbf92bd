"""
Account scores are rescored off the write's path: the write stores the contact scores and one
durable outbox message naming the companies they feed; delivering it (after commit, or by the
beat re-drive when the broker was down) rescores those accounts from the committed scores.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import AccountScore, OutboxMessage
from scoring.services import outbox_message_deliver, outbox_redrive
from tests.factories import CompanyFactory, ContactFactory, score_of

pytestmark = pytest.mark.django_db


def test_one_transaction_writes_one_message_naming_every_company_it_touched(acme):
    other = CompanyFactory(industry="Software")
    with transaction.atomic():  # the test's one transaction: contacts made, then 4 activities
        people = [ContactFactory(company=acme), ContactFactory(company=other)]
        for person in people * 2:
            activity_record(contact=person, kind="pricing_page_view", occurred_at=timezone.now())

    message = OutboxMessage.objects.get(topic="accounts_score")
    assert message.payload["company_ids"] == sorted([acme.pk, other.pk])
    assert all(score_of(p).interest == 20 for p in people)  # contacts: in the write itself


def test_the_redrive_delivers_it_once_and_the_account_follows_its_contacts(acme):
    vp = ContactFactory(company=acme, job_title="VP Sales")
    activity_record(contact=vp, kind="pricing_page_view", occurred_at=timezone.now())
    assert AccountScore.objects.get(company=acme).engagement == 0  # not rescored yet

    assert outbox_redrive(now=timezone.now() + dt.timedelta(minutes=1)) >= 1

    account = AccountScore.objects.get(company=acme)
    assert (account.engagement, account.people_engaged) == (20, 1)  # 10 interest + 10 role
    message = OutboxMessage.objects.get(topic="accounts_score")
    assert outbox_message_deliver(message_id=message.pk) is False  # delivered once
