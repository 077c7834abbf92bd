"""A full rescore run ends when the contacts' scores are current: every account follows from one
durable outbox message the run wrote with its end, delivered by a worker (or the re-drive)."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import AccountScore, OutboxMessage, RescoreStatus, ScoringRule
from scoring.services import outbox_message_deliver, rescore_run_execute, scoring_model_changed
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _pricing_views(company, count):
    now = timezone.now()
    for n in range(count):
        activity_record(
            contact=ContactFactory(company=company, job_title=f"Engineer {n}"),
            kind="pricing_page_view",
            occurred_at=now - dt.timedelta(hours=1),
        )


def _chunks_of(accounts_pass: OutboxMessage) -> list[OutboxMessage]:
    """The accounts messages the pass wrote (later than it: the activities' own come before)."""
    return list(OutboxMessage.objects.filter(topic="accounts_score", pk__gt=accounts_pass.pk))


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
    # It fans out into one accounts message per chunk of companies, each its own delivery.
    assert AccountScore.objects.get(company=acme).engagement == before
    (chunk,) = _chunks_of(message)
    assert chunk.payload == {"company_ids": [acme.pk], "reason": "rule_change", "release": False}
    assert outbox_message_deliver(message_id=chunk.pk) is True
    assert AccountScore.objects.get(company=acme).engagement > before
    assert outbox_message_deliver(message_id=message.pk) is False  # once
    assert len(_chunks_of(message)) == 1


def test_the_account_pass_covers_every_company_once_a_chunk_per_message(
    acme, account_model, monkeypatch
):
    from scoring.services import accounts

    others = [CompanyFactory() for _ in range(4)]
    monkeypatch.setattr(accounts, "REFRESH_CHUNK", 2)
    run = rescore_run_execute(
        run_id=scoring_model_changed(model_id=account_model.pk, reason="pass").pk
    )
    (message,) = OutboxMessage.objects.filter(topic="accounts_rescore_all")
    outbox_message_deliver(message_id=message.pk)
    chunks = _chunks_of(message)
    ids = [i for chunk in chunks for i in chunk.payload["company_ids"]]
    assert sorted(ids) == sorted([acme.pk, *(c.pk for c in others)])
    assert len(chunks) == 3
    assert {chunk.payload["release"] for chunk in chunks} == {run.release_new_mqls}
    assert all(outbox_message_deliver(message_id=chunk.pk) for chunk in chunks)
    scored = set(AccountScore.objects.values_list("company_id", flat=True))
    assert scored >= set(ids)


def test_a_run_that_fails_publishes_no_account_pass(acme, account_model, monkeypatch):
    _pricing_views(acme, 1)
    run = scoring_model_changed(model_id=account_model.pk, reason="will fail")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    # A slice's work, whichever path (SQL or Python) re-prices its scores.
    monkeypatch.setattr("scoring.services.rescore_runs._slice_scores", broken)
    with pytest.raises(RuntimeError):
        rescore_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RescoreStatus.FAILED
    assert not OutboxMessage.objects.filter(topic="accounts_rescore_all").exists()
