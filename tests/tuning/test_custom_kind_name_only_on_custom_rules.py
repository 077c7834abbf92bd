"""
A custom kind's name on a rule of another activity kind (page view named 'foo') is refused: only
custom activities carry a name, so the rule matched nothing, and the advice said no page view
had ever been recorded when thousands had.
"""

import pytest

from scoring.models import ScoringRule
from tests.factories import ActivityFactory, ContactFactory
from tests.tuning.test_audit_trail import _rule_post

pytestmark = pytest.mark.django_db


def test_a_name_on_a_page_view_rule_is_refused(draft, ops_client):
    ActivityFactory(contact=ContactFactory(), kind="page_view")
    response = ops_client.post(
        "/admin/scoring/scoringrule/add/",
        _rule_post(draft, name="Blog reader", activity_kind="page_view", custom_kind="blog"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Only the &#x27;Custom&#x27; activity kind has a name" in page
    assert "has ever been recorded" not in page
    assert not ScoringRule.objects.filter(name="Blog reader").exists()


def test_a_custom_rule_keeps_its_name(draft, ops_client):
    response = ops_client.post(
        "/admin/scoring/scoringrule/add/",
        _rule_post(draft, name="Used the calculator", activity_kind="custom", custom_kind="calc"),
    )
    assert response.status_code == 302
    assert ScoringRule.objects.get(name="Used the calculator").custom_kind == "calc"
