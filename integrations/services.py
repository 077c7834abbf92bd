"""Writes for API keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from integrations.models import ApiKey, Scope, key_generate, key_hash

# last_used_at is a hint for whoever reviews keys, not an audit log: written at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def api_key_create(
    *,
    name: str,
    owner: AbstractBaseUser,
    scopes: Iterable[Scope | str],
    throttle_rate: str = "",
    created_by: AbstractBaseUser | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns it with the raw key, which is never stored and shown only once."""
    raw, prefix = key_generate()
    key = ApiKey.objects.create(
        name=name,
        owner=owner,
        prefix=prefix,
        hashed_key=key_hash(raw),
        scopes=sorted({Scope(s).value for s in scopes}),
        throttle_rate=throttle_rate,
        created_by=created_by,
    )
    return key, raw


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record that the key was just used (at most once a minute, without a save() signal)."""
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key for good: it is refused from the next request on."""
    api_key.revoke()
    return api_key
