"""
Teams and reps: who receives leads, their capacity, availability and business hours, and the
validators of the settings they carry (time zones, workdays, Slack URLs). Imported into
routing.models.
"""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from routing.engine import SEGMENT_BOUNDS, split_values


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as Europe/London (empty: inherit)."""
    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f"Unknown time zone '{value}'; use a name like Europe/London."
        ) from exc


def validate_workdays(value: str) -> None:
    """ISO weekdays, comma-separated: 1 (Monday) to 7 (Sunday)."""
    days = [d.strip() for d in (value or "").split(",") if d.strip()]
    if not days or any(d not in {"1", "2", "3", "4", "5", "6", "7"} for d in days):
        raise ValidationError("Give ISO weekdays, e.g. '1,2,3,4,5' for Monday to Friday.")


def validate_slack_url(value: str) -> None:
    """A Slack incoming-webhook URL (see routing.slack.slack_url_problem)."""
    from routing.slack import slack_url_problem

    problem = slack_url_problem(value)
    if problem:
        raise ValidationError(problem)


class SizeSegment(models.TextChoices):
    SMB = "smb", "SMB (under 200 employees)"
    MID_MARKET = "mid_market", "Mid-market (200-999)"
    ENTERPRISE = "enterprise", "Enterprise (1,000+)"


assert set(SizeSegment.values) == set(SEGMENT_BOUNDS), "keep engine.SEGMENT_BOUNDS in step"


class SlaClock(models.TextChoices):
    BUSINESS_HOURS = "business_hours", "Business hours only"
    ALWAYS = "always", "Around the clock"


class Team(models.Model):
    """A sales team: the reps leads are routed to, and the manager who sees their queue."""

    name = models.CharField(max_length=100, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    escalate_after_reroutes = models.PositiveSmallIntegerField(
        "escalate after (re-routes)",
        default=2,
        help_text="A lead whose SLA ran out this many times goes to the manager instead of "
        "another rep.",
    )
    reject_cool_off_days = models.PositiveSmallIntegerField(
        "cool-off after a rejection (days)",
        default=30,
        help_text="A rep who rejected a lead is not given it again for this many days.",
    )
    # SLA clocks run in business hours (routing.sla): a lead that arrives on Saturday is due on
    # Monday morning, not while nobody works.
    sla_clock = models.CharField(
        "SLA clock",
        max_length=20,
        choices=SlaClock.choices,
        default=SlaClock.BUSINESS_HOURS,
        help_text="Business hours: the SLA only counts working hours on working days, in the "
        "rep's time zone (or the team's).",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/London; a rep may have their own.",
    )
    workday_start = models.TimeField(default=time(8, 0))
    workday_end = models.TimeField(default=time(18, 0))
    workdays = models.CharField(
        max_length=20,
        default="1,2,3,4,5",
        validators=[validate_workdays],
        help_text="ISO weekdays the SLA clock runs: 1 = Monday ... 7 = Sunday.",
    )
    slack_webhook_url = models.URLField(
        "Slack webhook",
        max_length=500,
        blank=True,
        validators=[validate_slack_url],
        help_text="A Slack incoming webhook: the team channel hears about leads nobody could "
        "take and escalations.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(workday_start__lt=F("workday_end")),
                name="team_workday_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RepProfile(models.Model):
    """A user who receives leads: their team, availability, capacity and territory."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep_profile"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="reps")
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive reps receive no new leads."
    )
    out_of_office_until = models.DateField(
        null=True, blank=True, help_text="No new leads up to and including this day."
    )
    capacity = models.PositiveIntegerField(
        default=25, help_text="Most open leads (awaiting acceptance or being worked) at once."
    )
    weight = models.PositiveSmallIntegerField(
        default=1, help_text="Weighted round robin: a rep of weight 2 gets two slots per turn."
    )
    countries = models.TextField(
        blank=True, help_text="Territory: countries, comma-separated. Empty: any country."
    )
    regions = models.TextField(
        blank=True, help_text="Territory: regions or states, comma-separated. Empty: any region."
    )
    industries = models.TextField(
        blank=True, help_text="Territory: industries, comma-separated. Empty: any industry."
    )
    segments = models.CharField(
        "company-size segments",
        max_length=100,
        blank=True,
        help_text="Comma-separated: smb (under 200 employees), mid_market (200-999), "
        "enterprise (1,000+). Empty: any size.",
    )
    notify_by_email = models.BooleanField(
        "email me new leads", default=True, help_text="Email the rep on each new assignment."
    )
    slack_webhook_url = models.URLField(
        "Slack webhook",
        max_length=500,
        blank=True,
        validators=[validate_slack_url],
        help_text="A Slack incoming webhook (e.g. to the rep's DM channel): new leads are "
        "posted there too.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Where the rep works, for their SLA clock. Empty: the team's time zone.",
    )
    # Least-recently-assigned breaks ties fairly (least loaded), instead of always favouring
    # the rep with the lowest id.
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "user__first_name", "user__username"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="rep_weight_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def receives_leads(self) -> bool:
        """Active as a rep, and their user account too (a deactivated user cannot log in)."""
        return self.is_active and self.user.is_active

    def clean(self) -> None:
        unknown = set(split_values(self.segments)) - set(SizeSegment.values)
        if unknown:
            raise ValidationError({"segments": f"Unknown segment(s): {', '.join(sorted(unknown))}"})
