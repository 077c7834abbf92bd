"""
An account crosses the MQA rule through three contacts' activity: it is qualified once, its
routing is written to the outbox in the same transaction, and delivering it (even twice, even
after more activity) routes the account exactly once, to its owner.
"""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from routing.models import AccountAssignment
from scoring.models import AccountQualification, AccountScore, OutboxMessage
from scoring.services import outbox_message_deliver, outbox_redrive
from tests.factories import ContactFactory, deliver_outbox

pytestmark = pytest.mark.django_db


def _views(contact, n, now):
    for i in range(n):
        activity_record(
            contact=contact, kind="pricing_page_view", occurred_at=now - dt.timedelta(hours=i + 1)
        )
    deliver_outbox("accounts_score")  # the worker rescores the accounts after commit


def _account_messages():
    return OutboxMessage.objects.filter(topic="account_qualified")


def test_three_engaged_people_make_an_mqa_routed_once_to_the_owner(acme, owner):
    now = timezone.now()
    vp = ContactFactory(company=acme, job_title="VP Sales")
    manager = ContactFactory(company=acme, job_title="Sales Manager")
    director = ContactFactory(company=acme, job_title="Director of IT")

    _views(vp, 2, now)  # 20 interest + 10 for the VP role = 30
    _views(manager, 2, now)  # + 20 + 10 = 60
    score = AccountScore.objects.get(company=acme)
    assert (score.fit, score.engagement, score.people_engaged) == (40, 60, 2)
    assert not AccountQualification.objects.exists()
    assert not _account_messages().exists()

    _views(director, 2, now)  # + 20 + 10 = 90, three people: the MQA rule is met
    score.refresh_from_db()
    assert (score.engagement, score.people_engaged, score.meets_threshold) == (90, 3, True)
    assert score.explanation.startswith("3 people engaged this month: VP Sales, Director of IT")
    qualification = AccountQualification.objects.get(company=acme)
    assert qualification.status == "released"
    message = _account_messages().get()
    assert message.payload["account_qualification_id"] == qualification.pk

    _views(vp, 3, now)  # more activity: still one qualification, one message
    assert AccountQualification.objects.filter(company=acme).count() == 1
    assert _account_messages().count() == 1

    assert outbox_message_deliver(message_id=message.pk) is True
    assert outbox_message_deliver(message_id=message.pk) is False
    assert outbox_redrive(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assignment = AccountAssignment.objects.get(company=acme)
    assert assignment.rep == owner
    assert assignment.sentence.endswith("routed to its owner Riley")
    assert AccountAssignment.objects.count() == 1


def test_an_account_without_owner_left_unassigned_says_why(acme):
    acme.account_owner = None
    acme.save()
    now = timezone.now()
    for title in ("VP Sales", "Sales Manager", "CTO"):
        _views(ContactFactory(company=acme, job_title=title), 2, now)
    message = _account_messages().get()
    assert outbox_message_deliver(message_id=message.pk) is True
    assignment = AccountAssignment.objects.get(company=acme)
    assert assignment.rep is None
    assert assignment.sentence.startswith("Marketing-qualified account left unassigned")
