"""
A row action that cannot go through for what was entered (a rep who is away, an amount that is
no number, a loss without a reason, a disqualification without one) brings its form back with
the message and what the user entered, in its popover; nothing about the lead changes. Going
ahead after the away warning is then one tick, not a second filling of the form.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contacts.models import Outcome
from routing import services
from routing.models import AssignmentStatus, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def lead(team, rep_profile, rep):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    assignment = route()
    assert assignment.rep == rep
    return assignment


@pytest.fixture
def accepted(lead, rep):
    return services.assignment_accept(assignment=lead, user=rep)


def test_reassigning_to_an_away_rep_brings_the_filled_form_back_with_the_warning(
    lead, team, manager_client
):
    away = make_rep(team, "Ola", out_of_office_until=timezone.localdate() + dt.timedelta(days=1))

    response = manager_client.post(
        f"/queue/{lead.pk}/reassign/",
        {"to_rep": str(away.pk), "reason": "Knows the account"},
        headers=HTMX,
    )

    assert response["HX-Retarget"] == f"#reassign-form-{lead.pk}"
    html = response.content.decode()
    assert f'<option value="{away.pk}" selected>' in html
    assert 'value="Knows the account"' in html
    assert "Ola is out of office until" in html and "Tick &#x27;Go ahead" in html
    lead.refresh_from_db()
    assert lead.rep.first_name == "Rita"

    # The manager ticks "Go ahead" on the form as it came back.
    manager_client.post(
        f"/queue/{lead.pk}/reassign/",
        {"to_rep": str(away.pk), "reason": "Knows the account", "force": "1"},
        headers=HTMX,
    )
    lead.refresh_from_db()
    assert lead.rep == away


def test_an_amount_that_is_no_number_keeps_the_win_form_filled(accepted, rep_client):
    response = rep_client.post(
        f"/queue/{accepted.pk}/outcome/", {"result": "won", "amount": "24k"}, headers=HTMX
    )

    assert response["HX-Retarget"] == f"#won-form-{accepted.pk}"
    html = response.content.decode()
    assert 'value="24k"' in html and "is not an amount" in html
    assert not Outcome.objects.exists()
    accepted.refresh_from_db()
    assert accepted.status == AssignmentStatus.ACCEPTED


def test_an_amount_written_as_money_is_read(accepted, rep_client):
    rep_client.post(
        f"/queue/{accepted.pk}/outcome/", {"result": "won", "amount": "$24,000.50"}, headers=HTMX
    )

    assert Outcome.objects.get().amount == Decimal("24000.50")


def test_a_loss_without_a_reason_keeps_the_loss_form_open(accepted, rep_client):
    response = rep_client.post(
        f"/queue/{accepted.pk}/outcome/", {"result": "lost", "lost_reason": "   "}
    )

    assert response.status_code == 400  # the lead's page, without JavaScript
    html = response.content.decode()
    assert f'id="lost-form-{accepted.pk}"' in html
    assert '<details class="popover" open>' in html
    assert "Say why the deal was lost." in html
    assert not Outcome.objects.exists()


def test_a_disqualification_without_a_reason_keeps_the_note(lead, manager_client):
    response = manager_client.post(
        f"/queue/{lead.pk}/disqualify/",
        {"reason": "", "note": "Student project"},
        headers=HTMX,
    )

    assert response["HX-Retarget"] == f"#disqualify-form-{lead.pk}"
    html = response.content.decode()
    assert 'value="Student project"' in html
    assert "Choose why this lead is disqualified." in html
    lead.refresh_from_db()
    assert lead.is_open
