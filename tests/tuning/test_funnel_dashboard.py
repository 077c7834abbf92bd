"""The funnel dashboard's numbers against a hand-built funnel."""

import datetime as dt

import pytest
from django.utils import timezone

from reports import selectors
from scoring.models import Qualification, ScoringModel
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))  # a Monday
DAY = dt.timedelta(days=1)


def lead(name, source="event", **stages):
    """A contact who became a lead at T0 plus `lead` days, and reached the given stages."""
    dates = {f"{stage}_at": T0 + days * DAY for stage, days in stages.items()}
    return ContactFactory(first_name=name, lead_source=source, **dates)


@pytest.fixture
def funnel():
    """
    Ten event leads in March 2026, and two leads outside the cohort.

    name  lead  mql  sal  sql  opp  won   (days after T0)
    L1    0     2    3    5    8    30
    L2    0     4    5    -    9    60    (skipped SQL: still counts as one)
    L3    1     3    10
    L4    1     7
    L5    2     -                         (recycled at day 20)
    L6-L10 3    -
    """
    people = [
        lead("L1", lead=0, mql=2, sal=3, sql=5, opportunity=8, customer=30),
        lead("L2", lead=0, mql=4, sal=5, opportunity=9, customer=60),
        lead("L3", lead=1, mql=3, sal=10),
        lead("L4", lead=1, mql=7),
        lead("L5", lead=2, recycled=20),
        *[lead(f"L{i}", lead=3) for i in range(6, 11)],
    ]
    lead("Outside: other source", source="referral", lead=1, mql=2)
    lead("Outside: last year", lead=-400, mql=-390)
    return people


def _period():
    return T0 - DAY, T0 + 30 * DAY


def test_stage_counts_and_conversions(funnel):
    start, end = _period()
    stages = selectors.funnel_stages(
        selectors.funnel_cohort(start=start, end=end, lead_source="event")
    )
    assert [(s.key, s.count) for s in stages] == [
        ("lead", 10),
        ("mql", 4),
        ("sal", 3),
        ("sql", 2),
        ("opportunity", 2),
        ("customer", 2),
    ]
    assert [s.conversion for s in stages] == [None, 0.4, 0.75, pytest.approx(2 / 3), 1.0, 1.0]
    assert stages[-1].of_leads == 0.2
    every_source = selectors.funnel_cohort(start=start, end=end)
    assert selectors.funnel_stages(every_source)[0].count == 11


def test_median_times_between_stages(funnel):
    start, end = _period()
    times = selectors.stage_times(
        selectors.funnel_cohort(start=start, end=end, lead_source="event")
    )
    # lead -> MQL: 2, 4, 2, 6 days; MQL -> SAL: 1, 1, 7; MQL -> won: 28, 56.
    assert times["lead_to_mql"] == (3.0, 4)
    assert times["mql_to_sal"] == (1.0, 3)
    assert times["mql_to_won"] == (42.0, 2)


def test_mqls_per_week_and_publications(funnel):
    start, end = _period()
    weeks = selectors.mqls_per_week(start=start, end=end, lead_source="event")
    assert weeks[:3] == [
        (dt.date(2026, 2, 23), 0),
        (dt.date(2026, 3, 2), 3),
        (dt.date(2026, 3, 9), 1),
    ]
    assert sum(n for _, n in weeks) == 4
    model = ScoringModel.objects.create(name="Published", is_live=True)
    ScoringModel.objects.filter(pk=model.pk).update(published_at=T0 + 5 * DAY)
    assert [m.pk for m in selectors.publications(start=start, end=end)] == [model.pk]


def test_reject_and_disqualify_reasons_come_from_routing(funnel):
    from routing.models import Assignment

    for person, status, reason in [
        (funnel[4], "rejected", "No budget: cut this year"),
        (funnel[5], "rejected", "No budget"),
        (funnel[6], "rejected", "Bad timing"),
        (funnel[7], "disqualified", "Competitor"),
    ]:
        qualification = Qualification.objects.create(
            contact=person,
            status="released",
            qualified_at=T0,
            reason="test",
            fit=0,
            interest=0,
            closed_at=T0 + DAY,
        )
        Assignment.objects.create(
            qualification=qualification, contact=person, status=status, close_reason=reason
        )
    start, end = _period()
    reasons = selectors.closed_reasons(selectors.funnel_cohort(start=start, end=end))
    assert reasons == {
        "rejected": [("No budget", 2), ("Bad timing", 1)],
        "disqualified": [("Competitor", 1)],
    }


def test_the_dashboard_shows_the_funnel_and_marks_publications(funnel, manager_client):
    model = ScoringModel.objects.create(name="Tuned", is_live=True)
    ScoringModel.objects.filter(pk=model.pk).update(published_at=T0 + 5 * DAY)
    response = manager_client.get(
        "/reports/funnel/", {"start": "2026-03-01", "end": "2026-03-31", "source": "event"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Leads who came in from 1 Mar 2026 to 31 Mar 2026 via <strong>Event</strong>" in html
    assert '<td class="num">10</td>' in html and '<td class="num">40.0%</td>' in html
    assert "3.0 days" in html and "42.0 days" in html
    assert f"v{model.version} published" in html  # the marker on the weekly chart
    assert html.count("<svg") >= 2
    assert "1 lead of the period was recycled" in html


def test_an_empty_period_says_so_without_errors(manager_client):
    html = manager_client.get("/reports/funnel/", {"days": 30}).content.decode()
    assert "No scoring model version was published in this period." in html
    assert "No lead of the period was rejected by a rep." in html


def test_a_reversed_period_is_refused(manager_client):
    html = manager_client.get("/reports/funnel/", {"start": "2026-03-31", "end": "2026-03-01"})
    assert "The period ends before it starts." in html.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"end": "9999-12-31"},
        {"end": "0001-01-05", "days": 30},
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"start": "0001-01-01"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_refused_with_a_message(query, manager_client):
    response = manager_client.get("/reports/funnel/", query)
    assert response.status_code == 200
    assert "Pick a date from 1900-01-01 to 2199-12-31." in response.content.decode()
