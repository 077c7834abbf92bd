"""
A rep whose user account is deactivated (they left; the admin unticked Active on the user)
receives no leads, and the manager's queue says so: the team load shows them Inactive, not
Available, and the reassign menu does not offer them.
"""

import pytest

from routing.models import Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_the_team_load_and_the_reassign_menu_agree_with_routing(team, manager_client):
    gone = make_rep(team, "Gus")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    ben = make_rep(team, "Ben")
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)

    lead = route()

    assert lead.rep == ben
    assert "skipped Gus (inactive)" in lead.decisions.get().sentence
    page = manager_client.get("/queue/").content.decode()
    card = page[page.index("Gus Rep") :].split("</li>")[0]
    assert "Inactive" in card and "Available" not in card
    menu = manager_client.get(
        f"/queue/{lead.pk}/actions/reassign/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "Gus Rep" not in menu
