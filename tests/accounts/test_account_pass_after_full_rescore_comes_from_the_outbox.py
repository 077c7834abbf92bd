"""A full rescore run ends when the contacts' scores are current: every account follows from one
durable outbox message the run wrote with its end, delivered by a worker (or the re-drive)."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import AccountScore, OutboxMessage, RescoreStatus, ScoringRule
from scoring.services import outbox_message_deliver, rescore_run_execute, scoring_model_changed
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _pricing_views(company, count):
    now = timezone.now()
    for n in range(count):
        activity_record(
            contact=ContactFactory(company=company, job_title=f"Engineer {n}"),
            kind="pricing_page_view",
            occurred_at=now - dt.timedelta(hours=1),
        )


def test_the_run_publishes_one_account_pass_and_its_delivery_rescores_the_account(
    acme, account_model
):
    _pricing_views(acme, 2)
    before = AccountScore.objects.get(company=acme).engagement
    rule = ScoringRule.objects.get(scoring_model=account_model, name="Viewed pricing")
    rule.points = 20
    rule.save()

    run = scoring_model_changed(model_id=account_model.pk, reason="pricing worth more")
    run = rescore_run_execute(run_id=run.pk)

    assert run.status == RescoreStatus.DONE
    (message,) = OutboxMessage.objects.filter(topic="accounts_rescore_all")
    assert message.delivered_at is None
    assert message.payload == {"run_id": run.pk, "release": run.release_new_mqls}
    # Not rescored by the run itself: the account waits for the message.
    assert AccountScore.objects.get(company=acme).engagement == before

    assert outbox_message_deliver(message_id=message.pk) is True
    assert AccountScore.objects.get(company=acme).engagement > before
    assert outbox_message_deliver(message_id=message.pk) is False  # once


def test_a_run_that_fails_publishes_no_account_pass(acme, account_model, monkeypatch):
    _pricing_views(acme, 1)
    run = scoring_model_changed(model_id=account_model.pk, reason="will fail")

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("scoring.services.rescore_runs.score_batch", broken)
    with pytest.raises(RuntimeError):
        rescore_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RescoreStatus.FAILED
    assert not OutboxMessage.objects.filter(topic="accounts_rescore_all").exists()
