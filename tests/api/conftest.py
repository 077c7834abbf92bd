"""Fixtures for the REST API and CSV import tests: API keys per role and scope, CSV headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from integrations.models import Scope
from integrations.services import api_key_create

ALL_SCOPES = [s.value for s in Scope]
HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> None:
    """Rate-limit counters live in the cache; every test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def _import_files_in_tmp(tmp_path, monkeypatch) -> None:
    """Uploaded CSVs and rejected rows go to a temporary folder, not the repository's var/."""
    monkeypatch.setenv("IMPORT_DIR", str(tmp_path / "imports"))


@pytest.fixture
def key_for(db) -> Callable:
    """key_for(user, scopes=[...], rate="") -> (ApiKey, raw key)."""

    def make(user, scopes=ALL_SCOPES, rate: str = ""):
        return api_key_create(
            name=f"Key of {user.username}", owner=user, scopes=scopes, throttle_rate=rate
        )

    return make


@pytest.fixture
def client_for(key_for) -> Callable:
    """client_for(user, scopes=[...]) -> an APIClient sending that user's new key."""

    def make(user, scopes=ALL_SCOPES, rate: str = "") -> APIClient:
        _, raw = key_for(user, scopes, rate)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def ops_api(marketing_ops, client_for) -> APIClient:
    return client_for(marketing_ops)


@pytest.fixture
def rep_api(rep, client_for) -> APIClient:
    return client_for(rep)


def shared_header(name: str) -> str:
    """A real export's header line: from ../shared/formats beside the repo, else our copy."""
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "formats" / name
    path = shared if shared.exists() else HERE / "data" / name
    return path.read_text(encoding="utf-8").strip("\r\n")


@pytest.fixture
def hubspot_header() -> str:
    return shared_header("hubspot_contacts_export_all_properties_header.csv")


@pytest.fixture
def salesforce_header() -> str:
    return shared_header("salesforce_lead_export_header.csv")
