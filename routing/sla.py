"""
The SLA clock, in one place: how long a rep has to accept, counted in business hours.

Pure functions (no ORM, no clock): a calendar (time zone, working hours, working days) and a
start in, a deadline out. routing.services builds the calendar from the rep and the team and
calls sla_due() for every new, re-routed or reassigned lead.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

# Guard against a calendar with no working time at all (all days off): give up after a year.
_MAX_DAYS = 366


@dataclass(frozen=True)
class Calendar:
    """When the SLA clock runs: working hours on working days, in one time zone."""

    time_zone: str = "UTC"
    start: time = time(8, 0)
    end: time = time(18, 0)
    # ISO weekdays: 1 = Monday ... 7 = Sunday.
    workdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            # A stored bad name must never break routing; the admin validates new ones.
            return zoneinfo.ZoneInfo("UTC")

    def describe(self) -> str:
        """'Mon-Fri 08:00-18:00 Europe/London' for the decision log."""
        return f"{_days_words(self.workdays)} {self.start:%H:%M}-{self.end:%H:%M} {self.time_zone}"


_DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _days_words(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{_DAY_NAMES[ordered[0] - 1]}-{_DAY_NAMES[ordered[-1] - 1]}"
    return ",".join(_DAY_NAMES[d - 1] for d in ordered)


def parse_workdays(text: str) -> frozenset[int]:
    """'1,2,3,4,5' -> {1..5}; anything unreadable is ignored (the admin validates input)."""
    days = set()
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit() and 1 <= int(part) <= 7:
            days.add(int(part))
    return frozenset(days)


def _windows(calendar: Calendar, moment: datetime):
    """Working windows (start, end) in aware local time, from the day of `moment` on."""
    zone = calendar.zone
    day = moment.astimezone(zone).date()
    for offset in range(_MAX_DAYS):
        current = day + timedelta(days=offset)
        if current.isoweekday() not in calendar.workdays:
            continue
        opens = datetime.combine(current, calendar.start, tzinfo=zone)
        closes = datetime.combine(current, calendar.end, tzinfo=zone)
        if closes > opens:
            yield opens, closes


def sla_due(*, start: datetime, minutes: int, calendar: Calendar | None) -> datetime:
    """
    When an SLA of `minutes` business minutes that starts at `start` runs out. Time outside
    working hours does not count: a 4 h SLA starting Friday 16:00 on an 08:00-18:00 Mon-Fri
    calendar is due Monday 10:00. Without a calendar the clock runs around the clock.
    """
    if calendar is None or not calendar.workdays:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    for opens, closes in _windows(calendar, start):
        begin = max(opens, start)
        if begin >= closes:
            continue
        available = closes - begin
        if remaining <= available:
            return (begin + remaining).astimezone(UTC)
        remaining -= available
    return start + timedelta(minutes=minutes)


def business_minutes_between(*, start: datetime, end: datetime, calendar: Calendar | None) -> int:
    """Business minutes from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0
    if calendar is None or not calendar.workdays:
        return int((end - start).total_seconds() // 60)
    total = timedelta()
    for opens, closes in _windows(calendar, start):
        if opens >= end:
            break
        begin, finish = max(opens, start), min(closes, end)
        if finish > begin:
            total += finish - begin
    return int(total.total_seconds() // 60)
