"""One busy contact cannot make an account hot: each contact's share of the account's
engagement is capped, and one person covers one role of the buying group."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import AccountQualification, AccountScore
from tests.factories import ContactFactory, deliver_outbox, score_of

pytestmark = pytest.mark.django_db


def test_forty_pricing_views_by_one_intern_leave_the_account_cold_enough(acme):
    intern = ContactFactory(company=acme, job_title="Marketing Intern")
    now = timezone.now()
    for i in range(40):
        activity_record(
            contact=intern, kind="pricing_page_view", occurred_at=now - dt.timedelta(minutes=i)
        )
    assert score_of(intern).interest == 100  # the contact's score: in the write transaction
    # The account's after the write's commit (it was scored when the company was created).
    assert AccountScore.objects.get(company=acme).engagement == 0
    deliver_outbox("accounts_score")  # the worker rescores the accounts after commit
    assert score_of(intern).interest == 100  # the contact itself is as hot as it gets
    account = AccountScore.objects.get(company=acme)
    assert account.engagement == 25  # its share is capped; an intern widens no buying group
    assert account.band == 2
    assert account.people_engaged == 1
    assert (
        account.explanation == "1 person engaged this month: Marketing Intern; Viewed pricing 40x"
    )
    assert not AccountQualification.objects.exists()


def test_the_same_activity_spread_over_three_roles_makes_it_hot(acme):
    now = timezone.now()
    for title in ("VP Sales", "Sales Manager", "CTO"):
        contact = ContactFactory(company=acme, job_title=title)
        for i in range(3):
            activity_record(
                contact=contact, kind="pricing_page_view", occurred_at=now - dt.timedelta(hours=i)
            )
    deliver_outbox("accounts_score")  # the worker rescores the accounts after commit
    account = AccountScore.objects.get(company=acme)
    assert account.engagement == 100  # 3 x 25 capped + 3 roles x 10, capped at 100
    assert account.band == 1
