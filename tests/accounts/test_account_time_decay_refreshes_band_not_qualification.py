"""Time alone: the beat refresh decays an MQA's engagement and moves its band, records the fall
below the rule, but de-qualifies nothing and routes nothing again."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import AccountQualification, AccountScore, AccountScoreChange, OutboxMessage
from scoring.services import accounts_refresh_time
from tests.factories import ContactFactory, deliver_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def mqa(acme, account_model):
    account_model.decay_half_life_days = 7
    account_model.save()
    now = timezone.now()
    for title in ("VP Sales", "Sales Manager", "CTO"):
        contact = ContactFactory(company=acme, job_title=title)
        for i in range(2):
            activity_record(
                contact=contact, kind="pricing_page_view", occurred_at=now - dt.timedelta(hours=i)
            )
    deliver_outbox("accounts_score")  # the worker rescores the accounts after commit
    return AccountScore.objects.get(company=acme)


def test_decay_moves_the_band_and_keeps_the_mqa(acme, mqa):
    assert (mqa.band, mqa.meets_threshold) == (1, True)
    later = timezone.now() + dt.timedelta(days=20)

    accounts_refresh_time(now=later)

    mqa.refresh_from_db()
    assert mqa.band == 2  # 3 x ~2.8 decayed interest + 3 roles x 10
    assert 35 < mqa.engagement < 45
    assert mqa.meets_threshold is False
    qualification = AccountQualification.objects.get(company=acme)
    assert qualification.closed_at is None  # still an MQA: sales keeps the account
    assert qualification.fell_below_at == later
    assert OutboxMessage.objects.filter(topic="account_qualified").count() == 1
    change = AccountScoreChange.objects.filter(company=acme).first()
    assert (change.reason, change.cell_before, change.cell_after) == ("decay", "B1", "B2")
    assert change.detail.startswith("Engagement decayed from 90 to")


def test_a_refresh_with_nothing_moved_writes_nothing(acme, mqa):
    version = mqa.version
    changes = AccountScoreChange.objects.count()
    accounts_refresh_time(now=timezone.now() + dt.timedelta(minutes=5))
    mqa.refresh_from_db()
    assert mqa.version == version
    assert AccountScoreChange.objects.count() == changes
