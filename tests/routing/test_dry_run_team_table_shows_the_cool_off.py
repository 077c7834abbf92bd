"""
The dry run's team table agrees with its verdict: a rep within their cool-off for this lead
(they rejected it) is shown as not able to take it, with the same reason the log gives.
"""

import pytest
from django.utils import timezone

from routing import services
from routing.models import Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_a_rep_who_rejected_the_lead_is_not_shown_as_eligible(team, manager_client):
    ana = make_rep(team, "Ana")
    make_rep(team, "Ben")
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    first = route()
    assert first.rep == ana
    services.assignment_reject(assignment=first, user=ana, reason="bad_timing")
    today = timezone.localdate()
    until = today + timezone.timedelta(days=30)
    cool_off = f"rejected it {today.day} {today:%b}; cool-off until {until.day} {until:%b}"

    html = manager_client.get("/queue/dry-run/", {"contact": first.contact.pk}).content.decode()

    # Ben is next in the rotation, so the verdict names him; Ana's row must not say "Eligible".
    assert "assigned to Ben" in html
    table = html[html.index('<table class="q-table dry-table">') :]
    ana_row = next(row for row in table.split("</tr>") if 'data-label="Rep"><span>Ana Rep' in row)
    assert "Eligible" not in ana_row
    assert cool_off[0].upper() + cool_off[1:] in ana_row
