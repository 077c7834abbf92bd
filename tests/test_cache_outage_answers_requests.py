"""
With Redis as the cache (REDIS_URL, or the broker's Redis) and Redis down, the API answers and
logged-in pages open: throttles read a miss instead of failing, sessions come from the
database, and a request does not wait on a Redis that does not answer.
"""

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from contacts.models import Activity
from integrations.models import Scope
from integrations.services import api_key_create
from leadscore import cache as tolerant
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

NOBODY_LISTENS = "redis://127.0.0.1:9/0"  # the discard port: nothing answers there


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "leadscore.cache.PrefixedRedisCache",
            "LOCATION": NOBODY_LISTENS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    # Django's setting_changed handler gives the new CACHES fresh cache objects, both ways.


def test_reads_miss_and_writes_are_dropped(redis_down):
    cache.set("k", 1)
    assert cache.get("k", "missing") == "missing"
    assert cache.add("k", 1) is False
    assert cache.incr("k") == 1
    assert cache.get_many(["k"]) == {}


def test_one_failed_connection_then_redis_is_skipped_for_a_while(redis_down, monkeypatch):
    calls = []
    real = tolerant.RedisCacheClient.get

    def counted(self, key, default):
        calls.append(key)
        return real(self, key, default)

    monkeypatch.setattr(tolerant.RedisCacheClient, "get", counted)
    start = time.monotonic()
    for _ in range(20):
        cache.get("k")
    assert len(calls) == 1
    assert time.monotonic() - start < 2


def test_the_api_and_pages_answer_while_the_cache_is_down(redis_down, marketing_ops):
    _, raw = api_key_create(name="k", owner=marketing_ops, scopes=[s.value for s in Scope])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    contact = ContactFactory()

    response = api.post(
        "/api/v1/activities/",
        {"contact_id": contact.pk, "kind": "demo_request", "occurred_at": timezone.now()},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Activity.objects.filter(contact=contact, kind="demo_request").exists()
    browser = Client()
    browser.force_login(marketing_ops)
    assert browser.get("/contacts/").status_code == 200
