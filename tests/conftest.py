from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.test import Client

from leadscore.celery import app as celery_app
from leadscore.roles import Role, user_set_role
from scoring.signals import lead_qualified
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    InterestRuleFactory,
    ScoringModelFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery_unless_worker(request) -> Iterator[None]:
    """Tasks run in-process in tests, except in tests marked `worker`, which use a real one."""
    eager = request.node.get_closest_marker("worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous
    # An eager task marks "joining a result would block" in a process-wide flag, set and reset
    # around it; eager tasks in concurrent client threads can leave it set, and a later test
    # waiting on a real worker's result would then be refused.
    _set_task_join_will_block(False)


@pytest.fixture
def announcements() -> Iterator[list[int]]:
    """Ids of contacts announced with scoring's lead_qualified signal during the test."""
    received: list[int] = []

    def receiver(sender, qualification, contact, **kwargs) -> None:
        received.append(contact.pk)

    lead_qualified.connect(receiver, dispatch_uid="test-announcements")
    yield received
    lead_qualified.disconnect(dispatch_uid="test-announcements")


@pytest.fixture
def activity_reads(monkeypatch) -> list[set[str]]:
    """The kinds asked for by each read of stored activities into Python during the test."""
    from scoring import selectors

    reads: list[set[str]] = []
    real = selectors.events_by_contact

    def spy(contact_ids, *, kinds, **kwargs):
        reads.append(set(kinds))
        return real(contact_ids, kinds=kinds, **kwargs)

    monkeypatch.setattr(selectors, "events_by_contact", spy)
    return reads


# Personas: one user per role, for permission tests.


def _persona(role: Role, username: str):
    user = UserFactory(username=username)
    user_set_role(user=user, role=role)
    return user


@pytest.fixture
def pricing_leads(django_capture_on_commit_callbacks):
    """
    A live model whose 'Pricing' rule gives 5 points a pricing-page view, and 7 contacts
    scored under it with one view each; no rescore run left over (for the rescore-run tests).
    """
    from scoring.models import RescoreRun

    with django_capture_on_commit_callbacks(execute=True):
        model = ScoringModelFactory()
        InterestRuleFactory(scoring_model=model, name="Pricing", points=5)
        for _ in range(7):
            ActivityFactory(contact=ContactFactory(), kind="pricing_page_view")
    RescoreRun.objects.all().delete()
    return model


@pytest.fixture
def rep(db):
    return _persona(Role.SALES_REP, "rita.rep")


@pytest.fixture
def manager(db):
    return _persona(Role.SALES_MANAGER, "max.manager")


@pytest.fixture
def marketing_ops(db):
    return _persona(Role.MARKETING_OPS, "mona.marketing")


@pytest.fixture
def admin_user(db):
    return _persona(Role.ADMIN, "ada.admin")


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="nora.norole")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rep_client(rep) -> Client:
    return _client_for(rep)


@pytest.fixture
def manager_client(manager) -> Client:
    return _client_for(manager)


@pytest.fixture
def ops_client(marketing_ops) -> Client:
    return _client_for(marketing_ops)


@pytest.fixture
def admin_client_persona(admin_user) -> Client:
    return _client_for(admin_user)


# A real Celery worker, for tests marked `worker`.


def _url_with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _start_worker(queue: str, name: str, log_path: Path) -> tuple[subprocess.Popen, object]:
    from django.db import connection

    env = os.environ.copy()
    env["DATABASE_URL"] = _url_with_database(
        os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
    )
    env["CELERY_TASK_DEFAULT_QUEUE"] = queue
    log = log_path.open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "leadscore",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not celery_app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=1):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("Celery worker did not start:\n" + log_path.read_text()[-3000:])
    return worker, log


def _stop_worker(worker: subprocess.Popen, log) -> None:
    worker.terminate()
    worker.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[subprocess.Popen]:
    """
    Start `celery worker` in its own process on the configured broker, pointed at the test
    database, consuming a queue private to this test session so no other worker steals tasks.
    """
    if not settings.CELERY_BROKER_URL:
        message = "needs CELERY_BROKER_URL (a real broker) for a real Celery worker"
        if os.environ.get("REQUIRE_WORKER"):
            pytest.fail(f"REQUIRE_WORKER is set but this run {message}")
        pytest.skip(message)
    queue = f"leadscore-test-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    worker, log = _start_worker(queue, queue, log_path)
    try:
        yield worker
    finally:
        _stop_worker(worker, log)


@pytest.fixture
def second_celery_worker(celery_worker_process, tmp_path) -> Iterator[subprocess.Popen]:
    """Another worker process on the same queue: two workers race for every task."""
    queue = celery_app.conf.task_default_queue
    worker, log = _start_worker(queue, f"{queue}-second", tmp_path / "second-worker.log")
    try:
        yield worker
    finally:
        _stop_worker(worker, log)
