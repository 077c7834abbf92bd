"""
On PostgreSQL: six writers recording activity for six contacts of one account at the same time
(each its own transaction, different contact locks) end with the account scored from every
contact, qualified once and one routing message: the account row lock serialises them.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import AccountQualification, AccountScore, OutboxMessage
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between processes need PostgreSQL; runs in CI's PostgreSQL pass",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLES = ["CEO", "VP Sales", "Director of IT", "Sales Manager", "Engineer", "Head of Data"]


def test_six_concurrent_writers_qualify_the_account_once():
    model = ScoringModelFactory(
        account_contact_cap=25,
        account_role_points=10,
        mqa_fit_threshold=30,
        mqa_engagement_threshold=70,
        mqa_min_people=3,
    )
    InterestRuleFactory(scoring_model=model, activity_kind="pricing_page_view", points=10)
    FitRuleFactory(scoring_model=model, dimension="account", value="Software", points=40)
    company = CompanyFactory(industry="Software")
    contacts = [ContactFactory(company=company, job_title=t) for t in TITLES]
    errors: list = []
    start = threading.Barrier(len(contacts))

    def writer(contact):
        try:
            start.wait()
            with transaction.atomic():
                activity_record(
                    contact=contact, kind="pricing_page_view", occurred_at=timezone.now()
                )
                # Hold the transaction open: another writer that read the account without
                # waiting for this one would miss this contact's score.
                time.sleep(0.3)
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(c,)) for c in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    score = AccountScore.objects.get(company=company)
    assert score.people_engaged == 6  # every writer's contact counted: none overwrote another
    assert score.engagement == 100
    assert AccountQualification.objects.filter(company=company).count() == 1
    assert OutboxMessage.objects.filter(topic="account_qualified").count() == 1
