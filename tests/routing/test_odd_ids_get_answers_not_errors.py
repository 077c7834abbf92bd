"""
Ids in query strings and forms go through one parser (leadscore.ids.row_id): a superscript
digit, a 20-digit number or a NUL byte finds nobody or says what is wrong; none is a 500.
"""

from __future__ import annotations

import pytest

from leadscore.ids import row_id
from routing.models import Strategy
from tests.routing.conftest import RoutingRuleFactory, route

pytestmark = pytest.mark.django_db

ODD = ["²", "①", "¹²", "٣", "99999999999999999999", "0", "-1", " ", "1\x00"]


@pytest.mark.parametrize("value", ODD)
def test_the_parser_takes_ascii_digits_within_a_bigint_only(value):
    assert row_id(value) is None


def test_the_parser_reads_an_id_with_spaces_around_it():
    assert (row_id(" 12 "), row_id(12), row_id(2**63 - 1)) == (12, 12, 2**63 - 1)


@pytest.fixture
def lead(team, rep_profile, rep):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    return route()


@pytest.mark.parametrize("value", ODD)
def test_list_and_dry_run_pages_answer_odd_ids(value, lead, manager_client):
    assert manager_client.get("/contacts/", {"owner": value}).status_code == 200
    assert manager_client.get("/queue/dry-run/", {"contact": value}).status_code == 200


@pytest.mark.parametrize("value", ODD)
def test_reassign_forms_refuse_odd_rep_ids(value, lead, manager_client):
    queue = manager_client.post(
        f"/queue/{lead.pk}/reassign/", {"to_rep": value, "reason": "x"}, follow=True
    )
    bulk = manager_client.post(
        "/contacts/bulk/",
        {"contact": [str(lead.contact_id), value], "action": "reassign", "to_rep": value},
        follow=True,
    )
    # The lead's page comes back with its reassign form and the error (400), as any form does.
    assert queue.status_code == 400 and bulk.status_code == 200
    assert "Choose a rep of your team" in queue.content.decode()
    assert "Choose a rep of your teams." in bulk.content.decode()
    lead.refresh_from_db()
    assert lead.rep is not None
