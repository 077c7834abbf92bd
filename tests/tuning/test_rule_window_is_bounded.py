"""
A rule's window ("only the last N days") and the buying-group window are at most 36,500 days:
the admin and the API refuse more with a message. A window of 2,000,000,000 days was saved and
then overflowed the date arithmetic of the what-if (a 500 and a failed run) and of rescoring.
"""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from integrations.models import Scope
from integrations.services import api_key_create
from scoring.rule_models import WINDOW_DAYS_LIMIT
from tests.tuning.test_audit_trail import _rule_post

pytestmark = pytest.mark.django_db

MESSAGE = "Give a window of at most 36,500 days (100 years)"


@pytest.mark.parametrize("days", [WINDOW_DAYS_LIMIT + 1, 2_000_000_000])
def test_the_admin_refuses_a_window_beyond_a_century(days, draft, ops_client):
    rule = draft.rules.get(name="Pricing")
    response = ops_client.post(
        f"/admin/scoring/scoringrule/{rule.pk}/change/", _rule_post(draft, window_days=days)
    )
    assert response.status_code == 200  # the form again, with its error
    assert MESSAGE in response.content.decode()
    rule.refresh_from_db()
    assert rule.window_days is None


def test_a_century_itself_is_accepted(draft, ops_client):
    rule = draft.rules.get(name="Pricing")
    ops_client.post(
        f"/admin/scoring/scoringrule/{rule.pk}/change/",
        _rule_post(draft, window_days=WINDOW_DAYS_LIMIT),
    )
    rule.refresh_from_db()
    assert rule.window_days == WINDOW_DAYS_LIMIT


def test_the_api_refuses_a_window_beyond_a_century(draft, marketing_ops):
    _, raw = api_key_create(name="Tuning", owner=marketing_ops, scopes=[s.value for s in Scope])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    rule = draft.rules.get(name="Pricing")
    response = api.patch(
        f"/api/v1/scoring-rules/{rule.pk}/", {"window_days": 2_000_000_000}, format="json"
    )
    assert response.status_code == 400
    assert "window_days" in response.json()["errors"]
    rule.refresh_from_db()
    assert rule.window_days is None


def test_the_buying_group_window_is_bounded_too(draft):
    draft.account_window_days = 2_000_000_000
    with pytest.raises(ValidationError) as refused:
        draft.full_clean()
    assert "account_window_days" in refused.value.message_dict
