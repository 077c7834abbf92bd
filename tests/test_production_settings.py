"""Production settings come from the environment; `check --deploy` is clean with README's."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_env() -> dict[str, str]:
    """The `export ...` of README's "Production" section, with a throwaway secret key."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index("export DEBUG=0")
    block = readme[start : readme.index("\n.venv/bin/python", start)]
    env = dict(token.split("=", 1) for token in shlex.split(block.replace("\\\n", " "))[1:])
    env["SECRET_KEY"] = "k7Hk2-pQ9vR4mN8sT1wY6zB3cD5fG0jL-aE7uI2oP4qS9rV1tX3yZ6-test-only"
    return env


README_ENV = _readme_env()
NAMES = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_ENGINE",
    "CACHES",
]


def _env(**overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in README_ENV and k != "REDIS_URL"}
    env.update(README_ENV)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _settings(**overrides: str | None) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {NAMES!r}}}))"
    )
    env = _env(**overrides)
    env["DJANGO_SETTINGS_MODULE"] = "leadscore.settings"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_the_readme_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_on_hsts_ssl_redirect_secure_cookies_and_the_proxy_header():
    values = _settings()
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True


def test_each_production_setting_can_be_changed_from_the_environment():
    values = _settings(
        SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="600", SECURE_PROXY_SSL_HEADER=None
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_development_has_no_https_requirements():
    values = _settings(DEBUG="1", CELERY_BROKER_URL=None, SECURE_PROXY_SSL_HEADER=None)
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize(
    "overrides, location",
    [
        ({}, "redis://127.0.0.1:6379/0"),  # the broker, being Redis
        ({"REDIS_URL": "redis://cache.internal:6379/3"}, "redis://cache.internal:6379/3"),
    ],
)
def test_throttles_and_sessions_use_redis_when_there_is_one(overrides, location):
    values = _settings(**overrides)
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "leadscore.cache.PrefixedRedisCache"
    assert cache["LOCATION"] == location
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_a_non_redis_broker_gives_no_redis_cache():
    values = _settings(CELERY_BROKER_URL="amqp://guest@127.0.0.1//")
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


def test_clearing_the_cache_leaves_the_brokers_keys_alone():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/" + os.environ.get("CELERY_BROKER_URL", "/12").rsplit("/", 1)[1]
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from leadscore.cache import PrefixedRedisCache

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    cache = PrefixedRedisCache(url, {"KEY_PREFIX": prefix})
    queue_key = f"broker-queue-{prefix}"
    client.set(queue_key, "a queued task")
    try:
        cache.set("throttle", 3)
        assert cache.get("throttle") == 3
        cache.clear()
        assert cache.get("throttle") is None
        assert client.get(queue_key) == b"a queued task"
    finally:
        client.delete(queue_key)


def test_workers_retry_a_lost_broker_without_a_limit():
    # Celery's default (100 tries) ends a worker after about 47 minutes without its broker;
    # the outbox's re-drive then reaches nobody until the worker is restarted.
    from leadscore.celery import app

    assert app.conf.broker_connection_max_retries is None
