"""API keys authenticate as their owner, are stored hashed, and stop working once revoked."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiKey

pytestmark = pytest.mark.django_db


def test_no_credentials_is_401_with_a_bearer_challenge():
    response = APIClient().get("/api/v1/contacts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "API key" in response.json()["detail"]


def test_the_key_is_stored_only_as_its_sha256_with_a_short_prefix(marketing_ops, key_for):
    key, raw = key_for(marketing_ops)
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(stored.prefix + "_")
    assert len(raw) > 40
    assert not ApiKey.objects.filter(hashed_key=raw).exists()


def test_a_valid_key_acts_as_its_owner_and_records_its_use(marketing_ops, key_for):
    key, raw = key_for(marketing_ops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/contacts/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_the_x_api_key_header_works_too(marketing_ops, key_for):
    _, raw = key_for(marketing_ops)
    assert APIClient().get("/api/v1/contacts/", HTTP_X_API_KEY=raw).status_code == 200


@pytest.mark.parametrize("header", ["Bearer lsk_nope_nope", "Bearer something-else"])
def test_an_unknown_key_is_401(db, header):
    response = APIClient().get("/api/v1/contacts/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_revoked_key_is_refused(marketing_ops, key_for):
    key, raw = key_for(marketing_ops)
    key.revoke()
    response = APIClient().get("/api/v1/contacts/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_deactivated_owner_disables_the_key(marketing_ops, key_for):
    _, raw = key_for(marketing_ops)
    marketing_ops.is_active = False
    marketing_ops.save()
    response = APIClient().get("/api/v1/contacts/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_session_login_works_for_the_browsable_api(ops_client):
    response = ops_client.get("/api/v1/contacts/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Contact" in response.content


def test_session_writes_need_the_csrf_token(marketing_ops):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(marketing_ops)
    response = client.post(
        "/api/v1/contacts/", {"email": "a@example.com"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_keys_are_created_in_the_admin_and_shown_once(admin_client_persona, marketing_ops):
    response = admin_client_persona.post(
        "/admin/integrations/apikey/add/",
        {"name": "Website tracker", "owner": marketing_ops.pk, "scopes": ["read", "write"]},
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Website tracker")
    raw = response.context["raw_key"]
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    assert key.scopes == ["read", "write"]
    # Listed afterwards with its prefix, never the key.
    listing = admin_client_persona.get("/admin/integrations/apikey/")
    assert key.prefix.encode() in listing.content
    assert raw.encode() not in listing.content


def test_the_admin_refuses_scopes_the_owners_role_cannot_use(admin_client_persona, rep):
    response = admin_client_persona.post(
        "/admin/integrations/apikey/add/",
        {"name": "Rep sync", "owner": rep.pk, "scopes": ["import"]},
    )
    assert response.status_code == 200
    assert "cannot use: import" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_marketing_ops_create_keys_only_for_themselves(ops_client, marketing_ops, admin_user):
    response = ops_client.post(
        "/admin/integrations/apikey/add/",
        {"name": "Sneaky", "owner": admin_user.pk, "scopes": ["read"]},
    )
    assert not ApiKey.objects.filter(owner=admin_user).exists()
    response = ops_client.post(
        "/admin/integrations/apikey/add/",
        {"name": "Mine", "owner": marketing_ops.pk, "scopes": ["read"]},
    )
    assert response.status_code == 200
    assert ApiKey.objects.get(name="Mine").owner == marketing_ops


def test_the_admin_action_revokes_keys(admin_client_persona, marketing_ops, key_for):
    key, _ = key_for(marketing_ops)
    admin_client_persona.post(
        "/admin/integrations/apikey/",
        {"action": "revoke_keys", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_at <= timezone.now()
