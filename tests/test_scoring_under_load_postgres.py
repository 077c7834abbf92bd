"""
On PostgreSQL, as in production: eight clients posting to one contact while a full rescore and
the time refresh run end at a fresh evaluation's score (no writer overwrites a newer score);
with the broker down, posts still answer at once and every qualification is routed by the
worker once the broker is back.
"""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from kombu import pools

from contacts.models import Activity
from contacts.services import activity_record
from leadscore.celery import app as celery_app
from routing.models import Assignment
from scoring import engine, score_reads, selectors, services, tasks
from scoring.defaults import default_model_create
from scoring.models import ContactScore, OutboxMessage
from scoring.services import rescore_runs
from tests.factories import ContactFactory
from tests.routing.conftest import RoutingRuleFactory, make_rep
from tests.routing.conftest import team as team

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between processes need PostgreSQL; runs in CI's PostgreSQL pass",
    ),
    # serialized_rollback puts back the role groups (a data migration) the flush removes; every
    # transactional test uses it, so their flushes never re-create content types under new ids.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

KINDS = ["pricing_page_view", "page_view", "email_click", "content_download", "webinar_attended"]


def _in_thread(target, errors: list) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_eight_writers_a_rescore_and_the_time_refresh_end_at_a_fresh_evaluation(monkeypatch):
    model = default_model_create()
    contact = ContactFactory(job_title="VP Sales", company__industry="Software")
    for _ in range(30):
        ContactFactory()
    monkeypatch.setattr(rescore_runs, "enqueue_safely", lambda *args: False)  # run it ourselves
    run = services.scoring_model_changed(model_id=model.pk, reason="load", refold_all=True)
    monkeypatch.setattr(rescore_runs, "CHUNK", 4)  # many small chunks interleave with the writers
    errors: list = []

    def writer(number: int):
        for i in range(5):
            activity_record(
                contact=contact,
                kind=KINDS[(number + i) % len(KINDS)],
                occurred_at=timezone.now(),
                source="load",
                external_id=f"{number}-{i}",
            )

    def refresher():
        for _ in range(3):
            services.scores_refresh_time()

    threads = [_in_thread(lambda n=n: writer(n), errors) for n in range(8)]
    threads.append(_in_thread(lambda: services.rescore_run_execute(run_id=run.pk), errors))
    threads.append(_in_thread(refresher, errors))
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert Activity.objects.filter(contact=contact, source="load").count() == 40

    stored = ContactScore.objects.get(contact=contact)
    spec = selectors.model_spec(model)
    now = timezone.now()
    history = selectors.events_by_contact([contact.pk], kinds=set(KINDS) | {"demo_request"})
    fresh = engine.evaluate(spec, selectors.profile_of(contact), history[contact.pk], now)
    carried = score_reads.score_now(stored, now=now, spec=spec)
    assert carried.interest == pytest.approx(fresh.interest, abs=1e-6)
    assert (carried.fit, carried.cell) == (fresh.fit, fresh.cell)
    assert stored.version >= 41  # every write bumped it: none was lost or overwritten


@contextmanager
def broker_at(url: str):
    """This process publishes to `url` (the worker keeps its own broker connection)."""
    saved = celery_app.conf.broker_url, celery_app.conf.broker_write_url

    def use(read: str, write: str) -> None:
        celery_app.conf.broker_url, celery_app.conf.broker_write_url = read, write
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        pools.reset()

    use(url, url)
    try:
        yield
    finally:
        use(*saved)


@pytest.mark.worker
def test_with_the_broker_down_posts_answer_fast_and_the_redrive_routes_every_lead(
    celery_worker_process, team, admin_user
):
    make_rep(team, "Ana", capacity=100)
    RoutingRuleFactory(team=team)
    default_model_create()
    contacts = [ContactFactory() for _ in range(5)]
    client = Client()
    client.force_login(admin_user)

    timings = []
    with broker_at("redis://127.0.0.1:1/0"):  # nothing listens there: the broker is down
        for contact in contacts:
            start = time.monotonic()
            response = client.post(
                "/api/v1/activities/",
                {
                    "contact_id": contact.pk,
                    "kind": "demo_request",
                    "occurred_at": timezone.now().isoformat(),
                },
                content_type="application/json",
            )
            timings.append(time.monotonic() - start)
            assert response.status_code == 201, response.content
    assert max(timings) < 1.0, timings
    waiting = OutboxMessage.objects.filter(delivered_at__isnull=True)
    assert waiting.filter(topic="lead_qualified").count() == 5
    assert not Assignment.objects.exists()

    # The broker is back: beat's re-drive (every minute; every few seconds here) delivers what
    # is pending, once it is older than a task would have taken.
    deadline, next_beat = time.monotonic() + 60, 0.0
    while Assignment.objects.count() < 5:
        if time.monotonic() > deadline:
            pytest.fail("the leads were not routed within 60 s of the broker's return")
        if time.monotonic() >= next_beat:
            tasks.redrive_outbox.delay()
            next_beat = time.monotonic() + 5
        time.sleep(0.3)
    # The same re-drive delivers the accounts' messages too (its batch may still be running).
    while OutboxMessage.objects.filter(delivered_at__isnull=True).exists():
        if time.monotonic() > deadline:
            pytest.fail("messages were still pending 60 s after the broker's return")
        time.sleep(0.3)
    assert sorted(Assignment.objects.values_list("contact_id", flat=True)) == sorted(
        c.pk for c in contacts
    )
    from tests.routing.test_routing_on_qualification import _wait_until_worker_idle

    _wait_until_worker_idle()


@pytest.mark.worker
def test_two_workers_delivering_every_message_twice_route_each_lead_once(
    second_celery_worker, team
):
    make_rep(team, "Ana", capacity=100)
    make_rep(team, "Ben", capacity=100)
    RoutingRuleFactory(team=team)
    default_model_create()
    # Without a company: no account to rescore, so the outbox holds the leads' messages alone.
    contacts = [ContactFactory(company=None) for _ in range(10)]
    # Recorded while the broker was down: ten messages wait in the outbox.
    with broker_at("redis://127.0.0.1:1/0"):
        for contact in contacts:
            activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())
    pending = list(OutboxMessage.objects.values_list("pk", flat=True))
    assert len(pending) == 10
    for message_id in pending:  # each message sent twice: two workers race to deliver it
        tasks.deliver_outbox.delay(message_id)
        tasks.deliver_outbox.delay(message_id)
    deadline = time.monotonic() + 60
    while OutboxMessage.objects.filter(delivered_at__isnull=True).exists():
        if time.monotonic() > deadline:
            pytest.fail("the two workers did not deliver every message within 60 s")
        time.sleep(0.3)
    from tests.routing.test_routing_on_qualification import _wait_until_worker_idle

    _wait_until_worker_idle()
    assert Assignment.objects.count() == 10
    assert sorted(Assignment.objects.values_list("contact_id", flat=True)) == sorted(
        c.pk for c in contacts
    )
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_two_workers_share_one_rescore_run_slice_by_slice(monkeypatch):
    """Every slice is taken by one worker (SKIP LOCKED), each contact rescored once."""
    from django.db.models import F

    from scoring.models import ChangeReason, OutboxTopic, RescoreSlice, RescoreStatus, ScoreChange

    model = default_model_create()
    contacts = [ContactFactory() for _ in range(24)]
    for contact in contacts:
        activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
    # Points changed without the signal's own (eager) run: this test runs the run itself.
    model.rules.filter(activity_kind="pricing_page_view").update(points=F("points") + 3)
    run = services.scoring_model_changed(model_id=model.pk, reason="points", enqueue=False)
    monkeypatch.setattr(rescore_runs, "CHUNK", 2)  # twelve slices
    real, taken = rescore_runs._slice_scores, {}

    def slow_slice(*args, **kwargs):  # long enough for the other worker to take the next slice
        taken[threading.get_ident()] = taken.get(threading.get_ident(), 0) + 1
        time.sleep(0.05)
        return real(*args, **kwargs)

    monkeypatch.setattr(rescore_runs, "_slice_scores", slow_slice)
    errors: list = []
    workers = [
        _in_thread(lambda: services.rescore_run_execute(run_id=run.pk), errors) for _ in range(2)
    ]
    for worker in workers:
        worker.join(60)
    assert errors == []
    run.refresh_from_db()
    assert run.status == RescoreStatus.DONE
    assert (run.done, run.total, run.changed) == (24, 24, 24)
    assert len(taken) == 2 and sum(taken.values()) == 12  # both worked, no slice twice
    assert not RescoreSlice.objects.filter(run=run, done_at__isnull=True).exists()
    rescored = ScoreChange.objects.filter(reason=ChangeReason.RULE_CHANGE)
    assert sorted(rescored.values_list("contact_id", flat=True)) == sorted(c.pk for c in contacts)
    model.refresh_from_db()
    spec = selectors.model_spec(model)
    assert set(ContactScore.objects.values_list("priced_key", flat=True)) == {spec.price_key}
    assert OutboxMessage.objects.filter(topic=OutboxTopic.ACCOUNTS_RESCORE_ALL).count() == 1
