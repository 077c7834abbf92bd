"""The rep's queue: ranked rows with reasons and SLA, filters, the htmx fragment, and a constant
number of queries whatever the number of rows."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from routing.models import Strategy
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory
from tests.routing.conftest import RoutingRuleFactory, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(team, rep_profile):
    return RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)


def lead(name: str, **kwargs):
    first, last = name.split()
    return route(ContactFactory(first_name=first, last_name=last), **kwargs)


def names_in_order(html: str) -> list[str]:
    return re.findall(r'class="row-link">([^<]+)</a>', html)


def test_rows_are_ranked_by_grade_and_band_then_score_then_latest_activity(rule, rep_client):
    lead("Cold Ace", fit=70, interest=5)  # A3
    lead("Warm Bee", fit=45, interest=30)  # B2
    lead("Hot Ace", fit=65, interest=55)  # A1
    lead("Hotter Ace", fit=80, interest=60)  # A1, higher score
    older = lead("Twin Old", fit=45, interest=25)  # B2 like Twin New, same score
    newer = lead("Twin New", fit=45, interest=25)
    now = timezone.now()
    ActivityFactory(contact=older.contact, occurred_at=now - dt.timedelta(days=3))
    ActivityFactory(contact=newer.contact, occurred_at=now - dt.timedelta(hours=1))

    html = rep_client.get("/queue/").content.decode()

    assert names_in_order(html) == [
        "Hotter Ace",
        "Hot Ace",
        "Cold Ace",
        "Warm Bee",
        "Twin New",
        "Twin Old",
    ]


def test_a_row_shows_who_why_and_how_long_is_left(rule, rep_client):
    company = CompanyFactory(name="Acme Robotics", industry="Manufacturing", employee_count=5000)
    contact = ContactFactory(
        first_name="Ada", last_name="Lovelace", job_title="VP of Sales", company=company
    )
    # The activity first: recording it scores the contact for real, and this test shows the
    # score route() stores.
    ActivityFactory(contact=contact, occurred_at=timezone.now() - dt.timedelta(hours=2))
    route(contact, fit=65, interest=55, fit_reason="VP title", interest_reason="Pricing page")

    html = rep_client.get("/queue/").content.decode()

    for text in (
        "Ada Lovelace",
        "VP of Sales",
        "Acme Robotics",
        "Manufacturing · 5,000 emp.",
        '<span class="grade grade-A">A</span><span class="q-num">65</span>',
        '<span class="band-dot band-1">1</span><span class="q-num">55</span>',
        "VP title: +65",
        "Pricing page 3x",  # the period words are scoring's ("today", "this week"...)
        ": +55</li>",
        "2\xa0hours ago",
        "3 h 59 min left",
        "Accept",
        "Reject",
    ):
        assert text in html, text


def test_the_page_runs_the_same_number_of_queries_for_3_or_30_rows(
    rule, rep_client, django_assert_max_num_queries
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert rep_client.get("/queue/").status_code == 200
        return len(captured)

    for i in range(3):
        lead(f"Few Lead{i}")
    queries()  # warm: the live model's rules are read once per process and version
    few = queries()
    for i in range(27):
        lead(f"Many Lead{i}")
        ActivityFactory(contact=ContactFactory(), occurred_at=timezone.now())
    many = queries()

    assert few == many
    with django_assert_max_num_queries(15):
        rep_client.get("/queue/")
    with django_assert_max_num_queries(15):
        rep_client.get("/queue/?tab=open&grade=B", headers={"HX-Request": "true"})


def test_the_manager_page_runs_a_constant_number_of_queries(
    rule, team, manager_client, django_assert_max_num_queries
):
    from tests.routing.conftest import make_rep

    for name in ("Ana", "Ben", "Cy"):
        make_rep(team, name)
    for i in range(12):
        lead(f"Team Lead{i}")
    with django_assert_max_num_queries(17):
        assert manager_client.get("/queue/").status_code == 200
    with django_assert_max_num_queries(17):
        assert manager_client.get("/queue/?tab=unassigned").status_code == 200


def test_filters_narrow_the_queue(rule, rep_client):
    lead("Alpha One", fit=65, interest=55)
    route(
        ContactFactory(
            first_name="Beta",
            last_name="Two",
            lead_source="referral",
            company=CompanyFactory(country="France"),
        ),
        fit=45,
        interest=10,
    )

    assert names_in_order(rep_client.get("/queue/?grade=A").content.decode()) == ["Alpha One"]
    assert names_in_order(rep_client.get("/queue/?band=3").content.decode()) == ["Beta Two"]
    assert names_in_order(rep_client.get("/queue/?source=referral").content.decode()) == [
        "Beta Two"
    ]
    assert names_in_order(rep_client.get("/queue/?country=france").content.decode()) == ["Beta Two"]
    empty = rep_client.get("/queue/?grade=D").content.decode()
    assert "No leads match these filters" in empty


def test_htmx_requests_get_only_the_queue_fragment_with_a_refresh_keeping_the_filters(
    rule, rep_client
):
    lead("Alpha One", fit=65, interest=55)
    response = rep_client.get("/queue/?grade=A&tab=open", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue"')
    assert "<html" not in html
    assert 'hx-trigger="every 20s' in html
    assert 'hx-get="/queue/?grade=A&amp;tab=open"' in html
    assert "HX-Request" in response["Vary"]


def test_an_empty_queue_says_the_rep_is_caught_up(rule, rep_client):
    assert "You're all caught up" in rep_client.get("/queue/").content.decode()


def test_the_expanded_row_shows_the_routing_log_and_loads_the_score_panel(rule, rep_client):
    assignment = lead("Ada Lovelace")
    ActivityFactory(contact=assignment.contact, properties={"url": "/pricing"})
    ActivityFactory(contact=assignment.contact, kind="demo_request", properties={})
    html = rep_client.get(
        f"/queue/{assignment.pk}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in html
    assert escape(assignment.decisions.get().sentence) in html
    assert f'hx-get="/scoring/contacts/{assignment.contact_id}/"' in html
    assert "/pricing" in html and "Demo request" in html  # latest activity
    # Without JavaScript the same URL is a full page with the actions.
    page = rep_client.get(f"/queue/{assignment.pk}/").content.decode()
    assert "<html" in page and "Accept" in page and "Ada Lovelace" in page
