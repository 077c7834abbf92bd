"""
Publishing or rolling back a version of a second scoring model compares it with that model's own
live version: the confirmation page showed the default model's, listing its rules as changes
and naming its version as the one retired.
"""

import pytest

from scoring import services
from tests.factories import InterestRuleFactory

pytestmark = pytest.mark.django_db


def test_the_publish_page_compares_a_draft_with_its_own_models_live_version(
    core, enterprise, ops_client, marketing_ops
):
    draft = services.scoring_model_draft_create(source=enterprise, created_by=marketing_ops)
    InterestRuleFactory(scoring_model=draft, points=5, activity_kind="demo_request", name="Demos")

    html = ops_client.get(f"/admin/scoring/scoringmodel/{draft.pk}/publish/").content.decode()

    assert f"v{enterprise.version} is retired" in html
    assert "Demos" in html  # the one rule it adds to Enterprise's live version
    assert "Core: software" not in html and "Core: pricing_page_view" not in html
