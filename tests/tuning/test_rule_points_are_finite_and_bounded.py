"""
A rule's points (and a version's caps and thresholds) are finite, within 1,000,000 either way: the
backtest's apply-suggestion form, the admin, the API and the database itself refuse the rest.
NaN points broke every page showing a score they reached; 1e308 overflowed the rescore.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from integrations.models import Scope
from integrations.services import api_key_create
from scoring.models import AuditEntry, ScoringRule
from scoring.rule_models import POINTS_LIMIT
from tests.tuning.test_audit_trail import _rule_post

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = ["nan", "NaN", "inf", "-inf", "1e400", "1e308", str(POINTS_LIMIT + 1)]


@pytest.mark.parametrize("points", OUT_OF_RANGE)
def test_a_suggestion_out_of_range_is_refused_with_a_message(points, draft, ops_client):
    rule = draft.rules.get(name="Software")
    response = ops_client.post(
        f"/scoring/versions/{draft.pk}/rules/{rule.pk}/apply-suggestion/",
        {"points": points},
        follow=True,
    )
    rule.refresh_from_db()
    assert rule.points == 20
    assert not AuditEntry.objects.filter(field="Points").exists()
    assert "Give a number of points between -1,000,000 and 1,000,000." in response.content.decode()


def test_the_limit_itself_is_accepted(draft, ops_client):
    rule = draft.rules.get(name="Software")
    ops_client.post(
        f"/scoring/versions/{draft.pk}/rules/{rule.pk}/apply-suggestion/",
        {"points": str(-POINTS_LIMIT)},
    )
    rule.refresh_from_db()
    assert rule.points == -POINTS_LIMIT


@pytest.mark.parametrize("field", ["points", "max_points"])
def test_the_admin_refuses_points_out_of_range(field, draft, ops_client):
    rule = draft.rules.get(name="Pricing")
    response = ops_client.post(
        f"/admin/scoring/scoringrule/{rule.pk}/change/", _rule_post(draft, **{field: "1e308"})
    )
    assert response.status_code == 200  # the form again, with its error
    assert "Give a number of points between" in response.content.decode()
    rule.refresh_from_db()
    assert rule.points == 10 and rule.max_points is None


def test_the_api_refuses_points_out_of_range(draft, marketing_ops):
    _, raw = api_key_create(name="Tuning", owner=marketing_ops, scopes=[s.value for s in Scope])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    rule = draft.rules.get(name="Pricing")
    response = api.patch(f"/api/v1/scoring-rules/{rule.pk}/", {"points": 1e308}, format="json")
    assert response.status_code == 400
    assert "points" in response.json()["errors"]
    rule.refresh_from_db()
    assert rule.points == 10


@pytest.mark.parametrize("values", [{"points": 2e6}, {"points": -2e6}, {"max_points": 2e6}])
def test_the_database_refuses_what_skips_validation(values, draft):
    rule = draft.rules.get(name="Pricing")
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoringRule.objects.filter(pk=rule.pk).update(**values)


@pytest.mark.parametrize(
    "field", ["interest_cap", "mql_combined_threshold", "account_role_points", "band_hot_min"]
)
def test_a_versions_points_settings_are_bounded_too(field, draft):
    setattr(draft, field, 1e308)
    with pytest.raises(ValidationError) as refused:
        draft.full_clean()
    assert field in refused.value.message_dict
