"""
An 'at most' cap (a version's fit, interest and account caps, a rule's points cap) is 0 or more,
refused otherwise with a message saying so. A version's fit cap of -5 was saved and gave every
contact a fit of 5, whatever their rules said; a rule's negative cap was refused with only the
name of a database constraint.
"""

import pytest
from django.forms.models import model_to_dict

from scoring.models import ScoringModel
from tests.tuning.test_audit_trail import _rule_post

pytestmark = pytest.mark.django_db

MESSAGE = "&#x27;At most&#x27; is a size: give 0 or more points."


def _version_post(draft, **changes):
    data = {
        k: v
        for k, v in model_to_dict(draft).items()
        if v is not None and k not in {"id", "is_live"}
    }
    data["auto_release_after_rescore"] = ""
    data.update({"rules-TOTAL_FORMS": 0, "rules-INITIAL_FORMS": 0})
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "field", ["fit_cap", "interest_cap", "account_contact_cap", "account_engagement_cap"]
)
def test_a_versions_negative_cap_is_refused(field, draft, ops_client):
    before = getattr(draft, field)
    response = ops_client.post(
        f"/admin/scoring/scoringmodel/{draft.pk}/change/", _version_post(draft, **{field: -5})
    )
    assert response.status_code == 200  # the form again, with its error
    assert MESSAGE in response.content.decode()
    assert getattr(ScoringModel.objects.get(pk=draft.pk), field) == before


def test_a_cap_of_zero_is_accepted(draft, ops_client):
    response = ops_client.post(
        f"/admin/scoring/scoringmodel/{draft.pk}/change/", _version_post(draft, interest_cap=0)
    )
    assert response.status_code == 302
    assert ScoringModel.objects.get(pk=draft.pk).interest_cap == 0


def test_a_rules_negative_cap_is_refused_in_words(draft, ops_client):
    rule = draft.rules.get(name="Pricing")
    response = ops_client.post(
        f"/admin/scoring/scoringrule/{rule.pk}/change/", _rule_post(draft, max_points=-5)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert MESSAGE in page
    assert "Constraint" not in page
    rule.refresh_from_db()
    assert rule.max_points is None
