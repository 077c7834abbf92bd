from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from contacts.identity import DATE_MAX, DATE_MIN
from contacts.models import LeadSource

PRESETS = [(30, "30 days"), (90, "90 days"), (180, "6 months"), (365, "12 months")]
DEFAULT_DAYS = 365


class FunnelFilterForm(forms.Form):
    """The dashboard's period (start included, end included) and lead source."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(required=False, min_value=1, max_value=3660)
    source = forms.ChoiceField(
        required=False, choices=[("", "All lead sources"), *LeadSource.choices]
    )

    def clean(self):
        data = super().clean()
        # The accepted range of every date in Leadscore: beyond it the period's arithmetic
        # (a day before the start, the day after the end) leaves Python's calendar.
        first, last = DATE_MIN.date(), DATE_MAX.date() - dt.timedelta(days=1)
        for name in ("start", "end"):
            value = data.get(name)
            if value is not None and not first <= value <= last:
                self.add_error(name, f"Pick a date from {first:%Y-%m-%d} to {last:%Y-%m-%d}.")
        if self.errors:
            return data
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=(data.get("days") or DEFAULT_DAYS) - 1)
        if start > end:
            self.add_error("end", "The period ends before it starts.")
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """[start of the first day, start of the day after the last) in the current time zone."""
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        return (
            timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
            timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)),
        )
