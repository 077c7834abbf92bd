"""
A version's settings that contradict each other or make no sense are refused in words beside
the field, never by the name of a database constraint: a negative half-life showed only
'Constraint "scoring_half_life_not_negative" is violated.', and grade or band cut-offs out of
order showed the message twice, once in words and once as the constraint's name.
"""

import pytest

from scoring.models import ScoringModel
from tests.tuning.test_caps_are_never_negative import _version_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"decay_half_life_days": -3}, "Give 0 days (no decay) or more."),
        (
            {"grade_a_min": 10, "grade_b_min": 50, "grade_c_min": 30},
            "Grade cut-offs must run A &gt;= B &gt;= C.",
        ),
        ({"band_hot_min": 5, "band_warm_min": 50}, "The hot band must start at or above"),
    ],
)
def test_a_version_setting_is_refused_in_words_once(changes, message, draft, ops_client):
    before = ScoringModel.objects.values().get(pk=draft.pk)
    response = ops_client.post(
        f"/admin/scoring/scoringmodel/{draft.pk}/change/", _version_post(draft, **changes)
    )
    page = response.content.decode()
    assert response.status_code == 200  # the form again, with its error
    assert page.count(message) == 1
    assert "Constraint" not in page
    assert ScoringModel.objects.values().get(pk=draft.pk) == before
