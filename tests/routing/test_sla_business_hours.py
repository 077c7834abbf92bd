"""SLA clocks run in business hours, in the rep's time zone (or the team's)."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import services, sla
from routing.models import SlaClock, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
WEEKDAYS = sla.Calendar(time_zone="Europe/London")  # Mon-Fri 08:00-18:00


def at(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


def test_inside_working_hours_the_clock_runs_as_usual():
    start = at(LONDON, 2026, 3, 2, 9, 0)  # Monday
    assert sla.sla_due(start=start, minutes=240, calendar=WEEKDAYS) == at(LONDON, 2026, 3, 2, 13)


def test_friday_afternoon_runs_on_into_monday_morning():
    start = at(LONDON, 2026, 3, 6, 16, 0)  # Friday 16:00, 2 h left that day
    assert sla.sla_due(start=start, minutes=240, calendar=WEEKDAYS) == at(LONDON, 2026, 3, 9, 10)


def test_a_weekend_lead_starts_counting_on_monday_at_opening():
    start = at(LONDON, 2026, 3, 7, 23, 30)  # Saturday night
    assert sla.sla_due(start=start, minutes=60, calendar=WEEKDAYS) == at(LONDON, 2026, 3, 9, 9)


def test_the_clock_follows_daylight_saving_time():
    # London moves to BST on Sunday 29 March 2026: Monday 08:00 local is 07:00 UTC.
    start = at(UTC, 2026, 3, 27, 17, 30)  # Friday 17:30 GMT, 30 min left
    due = sla.sla_due(start=start, minutes=60, calendar=WEEKDAYS)
    assert due == at(UTC, 2026, 3, 30, 7, 30)


def test_without_a_calendar_the_clock_runs_around_the_clock():
    start = at(UTC, 2026, 3, 7, 23, 30)
    assert sla.sla_due(start=start, minutes=60, calendar=None) == start + dt.timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=1, max_value=5 * 600),
)
def test_the_deadline_is_exactly_that_many_business_minutes_later(start, minutes):
    start = start.replace(second=0, microsecond=0)
    due = sla.sla_due(start=start, minutes=minutes, calendar=WEEKDAYS)
    assert sla.business_minutes_between(start=start, end=due, calendar=WEEKDAYS) == minutes
    local = due.astimezone(LONDON)
    assert local.isoweekday() <= 5 and dt.time(8) < local.time() <= dt.time(18)


def test_routing_uses_the_reps_time_zone_and_says_so(team):
    team.sla_clock = SlaClock.BUSINESS_HOURS
    team.time_zone = "Europe/London"
    team.save()
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    make_rep(team, "Nia", time_zone="America/New_York")
    now = at(UTC, 2026, 3, 2, 21, 0)  # Monday 16:00 in New York: 2 h left there

    assignment = route(now=now)

    assert assignment.sla_due_at == at(NEW_YORK, 2026, 3, 3, 10, 0)
    assert assignment.decisions.get().sentence.endswith(
        "4 h to accept (business hours: due Tue 3 Mar 10:00 America/New_York)"
    )


def test_an_expired_business_hours_sla_reroutes_on_the_next_working_day(team):
    team.sla_clock = SlaClock.BUSINESS_HOURS
    team.save()
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    ana, ben = make_rep(team, "Ana"), make_rep(team, "Ben")
    friday = at(UTC, 2026, 3, 6, 16, 0)
    assignment = route(now=friday)
    assert assignment.rep == ana

    assert services.assignments_check_sla(now=at(UTC, 2026, 3, 8, 12, 0)) == 0  # Sunday
    assert services.assignments_check_sla(now=at(UTC, 2026, 3, 9, 10, 1)) == 1  # Monday
    assignment.refresh_from_db()
    assert assignment.rep == ben
    # The log names the rule's SLA, not the weekend it spanned.
    assert (
        assignment.decisions.order_by("occurred_at", "id")
        .last()
        .sentence.startswith("SLA of 4 h ran out with Ana")
    )


def test_a_reassigned_lead_gets_a_business_hours_sla(team, manager):
    team.sla_clock = SlaClock.BUSINESS_HOURS
    team.save()
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    make_rep(team, "Ana")
    ben = make_rep(team, "Ben")
    saturday = timezone.make_aware(dt.datetime(2026, 3, 7, 12, 0))
    assignment = route(now=saturday)

    services.assignment_reassign(
        assignment=assignment, to_rep=ben, by=manager, reason="Ben speaks Dutch", now=saturday
    )

    assignment.refresh_from_db()
    assert assignment.sla_due_at == at(UTC, 2026, 3, 9, 12, 0)
