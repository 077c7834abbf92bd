"""
"MQL" names two things, so neither page says it bare: the what-if counts scores that meet the
MQL rule (what the model says), the contact list filters on an open qualification (a lead
qualified and not closed since).
"""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ActivityFactory, ContactFactory, OutcomeFactory
from tests.routing.conftest import qualify

pytestmark = pytest.mark.django_db


def test_the_what_if_counts_who_meets_the_mql_rule(live, draft, ops_client):
    now = timezone.now()
    for i in range(12):  # outcomes, so the backtest shows its figures too
        contact = ContactFactory()
        for _ in range(i % 3):
            ActivityFactory(contact=contact, kind="pricing_page_view")
        result = "won" if i % 3 else "lost"
        OutcomeFactory(contact=contact, result=result, decided_at=now - dt.timedelta(days=i))
    ops_client.post(f"/scoring/versions/{draft.pk}/whatif/", {"level": "either"})
    html = ops_client.get(f"/scoring/versions/{draft.pk}/whatif/").content.decode()
    for label in (
        "Meet the MQL rule (live)",
        "Meet the MQL rule with the draft",
        "Newly meet the MQL rule",
        "No longer meet the MQL rule",
        "Not who has an open qualification with sales.",
        "Meeting the MQL rule",
        "MQL rule precision (won rate of those meeting it)",
        "MQL rule recall (share of won that met it)",
    ):
        assert label in html, label
    assert "MQL list" not in html and "MQLs" not in html


def test_the_contact_list_filters_on_an_open_qualification(manager_client):
    lead = ContactFactory(first_name="Bob", lifecycle_stage="lead")
    qualify(lead)
    html = manager_client.get("/contacts/?mql=true").content.decode()
    assert '<label for="id_mql" title="Qualified as an MQL and not closed since' in html
    assert ">Open qualification</label>" in html
    assert '<option value="true" selected>Open</option>' in html
    assert '<option value="false">None open</option>' in html
    row = html[html.index("Bob") : html.index("</tr>", html.index("Bob"))]
    assert 'title="Qualified as an MQL and not closed since' in row
    assert ">Qualified</span>" in row and ">MQL</span>" not in row
