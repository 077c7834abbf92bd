"""
A reject that cannot go through for what the rep entered (Other without a note, no reason) brings
the form back with the error and the reason and note they entered; the lead stays as it was.
"""

import pytest

from routing.models import AssignmentStatus, Strategy
from tests.routing.conftest import RoutingRuleFactory, route

pytestmark = pytest.mark.django_db

OTHER_CHOSEN = '<option value="other" selected>Other</option>'
NOTE_NEEDED = "Say why in a few words when the reason is &#x27;Other&#x27;."


@pytest.fixture
def assignment(team, rep_profile):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    return route()


def test_in_the_queue_other_without_a_note_comes_back_in_its_popover_still_chosen(
    assignment, rep_client
):
    response = rep_client.post(
        f"/queue/{assignment.pk}/reject/",
        {"reason": "other", "note": "  ", "next": "/queue/?tab=open", "tab": "open"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    # Only the popover's form is swapped, so the rep goes on where they were.
    assert response["HX-Retarget"] == f"#reject-form-{assignment.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith(f'<form method="post" action="/queue/{assignment.pk}/reject/"')
    assert f'id="reject-form-{assignment.pk}"' in html
    assert OTHER_CHOSEN in html
    assert NOTE_NEEDED in html
    assert 'name="next" value="/queue/?tab=open"' in html
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING


def test_in_the_queue_a_note_without_a_reason_keeps_the_note(assignment, rep_client):
    response = rep_client.post(
        f"/queue/{assignment.pk}/reject/",
        {"reason": "", "note": "Budget opens in Q3"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert "Choose why you are rejecting this lead." in html
    assert 'value="Budget opens in Q3"' in html
    assert '<option value="">Choose a reason…</option>' in html  # nothing chosen, as sent
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING


def test_without_javascript_the_lead_page_comes_back_with_the_form_open_and_filled(
    assignment, rep_client
):
    response = rep_client.post(
        f"/queue/{assignment.pk}/reject/",
        {"reason": "other", "note": "", "next": f"/queue/{assignment.pk}/"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert str(assignment.contact) in html  # the lead's page
    assert '<details class="popover" open>' in html  # its reject popover, open
    assert OTHER_CHOSEN in html
    assert NOTE_NEEDED in html
    # Once the note is written, the rep returns where they came from.
    assert f'name="next" value="/queue/{assignment.pk}/"' in html
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING
