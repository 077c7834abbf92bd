"""Each API key has its own rate limit; going over it answers 429 with Retry-After."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_key_over_its_rate_gets_a_clear_429(marketing_ops, client_for):
    api = client_for(marketing_ops, rate="3/min")
    assert [api.get("/api/v1/contacts/").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/v1/contacts/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "throttled" and body["retry_after"] > 0
    assert "limited to 3/min" in body["detail"] and "retry in" in body["detail"]


def test_keys_are_throttled_separately(marketing_ops, client_for):
    busy, other = client_for(marketing_ops, rate="1/min"), client_for(marketing_ops, rate="1/min")
    assert busy.get("/api/v1/contacts/").status_code == 200
    assert busy.get("/api/v1/contacts/").status_code == 429
    assert other.get("/api/v1/contacts/").status_code == 200


def test_bulk_requests_have_their_own_limit(marketing_ops, client_for, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key_bulk": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.settings import api_settings

    api_settings.reload()
    try:
        from integrations.throttling import ApiKeyBulkRateThrottle

        ApiKeyBulkRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        api = client_for(marketing_ops)
        body = {"items": [{"email": "a@example.com"}]}
        codes = [
            api.post("/api/v1/contacts/bulk/", body, format="json").status_code for _ in range(3)
        ]
        assert codes == [200, 200, 429]
        assert api.get("/api/v1/contacts/").status_code == 200
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
        api_settings.reload()
        ApiKeyBulkRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
