"""
What the demo's contacts do and how it ends: each contact's activity stream (more, more recent
and more high-intent the higher the propensity), won and lost outcomes, and the lifecycle
stage and stage dates that agree with them. A part of the world builder (builder.py).
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from contacts.demo.activity_data import (
    ASSETS,
    BLOG_POSTS,
    CAMPAIGNS,
    CHANNEL_KIND,
    CHANNEL_SOURCE,
    CHANNELS,
    CHAT_TOPICS,
    FALLBACK_CHANNEL,
    LOST_REASONS,
    MEETING_TYPES,
    PAGES,
    PRODUCT_PAGES,
    TRIAL_PLANS,
    WEBINARS,
    WEBSITE_SOURCE,
)
from contacts.demo.people_data import FORM_SOURCES
from contacts.demo.users import MANAGER_USERNAME, REP_USERNAMES
from contacts.demo.world import DemoActivity, DemoCompany, DemoContact, DemoOutcome
from contacts.models import (
    STAGE_DATE_FIELDS,
    ActivityKind,
    LeadSource,
    LifecycleStage,
    OutcomeResult,
)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class JourneyBuilder:
    """The world builder's activities, outcomes and lifecycle; the builder holds the state."""

    rng: random.Random
    now: datetime
    next_event_number: int

    # Activities

    def activities(self, contact: DemoContact, first_seen: datetime) -> list[DemoActivity]:
        """
        The contact's activity stream from first_seen to now: more activities, more recent and
        more high-intent the higher the propensity.
        """
        rng, p = self.rng, contact.propensity
        # Gamma-distributed count: mean grows with propensity, with a long tail of heavy users.
        mean = 4.0 + 40.0 * p
        count = int(rng.gammavariate(1.5, mean / 1.5))
        window = (self.now - first_seen).total_seconds()
        # Ages as a power of a uniform: exponent > 1 bunches activity near now (engaged buyers),
        # < 1 spreads it towards first_seen (readers who drifted away).
        exponent = 0.7 + 2.3 * p
        times = sorted(
            self.now - timedelta(seconds=int(window * rng.random() ** exponent))
            for _ in range(count)
        )
        # Contacts who converted on a website form did so when they became known.
        if contact.lead_source in FORM_SOURCES:
            times.insert(0, first_seen)

        early = self.channel_weights(p, intent_factor=0.4)
        late = self.channel_weights(p, intent_factor=1.6)
        used: dict[str, int] = {}
        activities = []
        for index, occurred_at in enumerate(times):
            if index == 0 and contact.lead_source in FORM_SOURCES:
                name = "form"
            else:
                # High-intent actions come later in a journey: a demo after reading, not before.
                channel = rng.choices(
                    CHANNELS, cum_weights=early if index < len(times) / 2 else late
                )[0]
                name = channel.name
                if channel.max_per_contact is not None:
                    if used.get(name, 0) >= channel.max_per_contact:
                        name = FALLBACK_CHANNEL
                    else:
                        used[name] = used.get(name, 0) + 1
            activities.append(self.activity(name, occurred_at, p))
        activities.extend(self.collected_reports(contact, first_seen))
        activities.sort(key=lambda a: a.occurred_at)
        if contact.unsubscribed:
            self.add_unsubscribe(activities, first_seen)
        return activities

    def collected_reports(self, contact: DemoContact, first_seen: datetime) -> list[DemoActivity]:
        """
        Report collectors: students writing theses, consultants and researchers on free mail,
        vendors watching the market, and some non-buyers anywhere download every gated report
        and e-book, a few a year. They convert worse than the average lead, so a rule that gives
        points for downloads disagrees with outcomes in the backtest (the demo shows it).
        """
        rng = self.rng
        if contact.seniority == "student" or contact.email_kind == "competitor":
            chance = 0.6
        elif contact.email_kind == "free":
            chance = 0.35
        else:
            chance = 0.4 * (1 - contact.propensity) ** 2
        contact.collects_reports = rng.random() < chance
        if not contact.collects_reports:
            return []
        window = (self.now - first_seen).total_seconds()
        return [
            self.activity(
                "content_download",
                self.now - timedelta(seconds=int(window * rng.random())),
                contact.propensity,
            )
            for _ in range(rng.randint(1, 4))
        ]

    @staticmethod
    def channel_weights(p: float, *, intent_factor: float) -> list[float]:
        weights = []
        for channel in CHANNELS:
            weight = channel.weight_low + (channel.weight_high - channel.weight_low) * p
            weights.append(weight * intent_factor if channel.high_intent else weight)
        return list(accumulate(weights))

    def activity(self, channel: str, occurred_at: datetime, p: float) -> DemoActivity:
        rng = self.rng
        properties: dict[str, Any]
        if channel in PAGES:
            url, title = rng.choice(PAGES[channel])
            # Buyers read product and pricing pages more carefully.
            median = 45 * (1 + p) if channel in ("product", "pricing") else 40
            duration = min(1800, max(3, int(rng.lognormvariate(math.log(median), 0.9))))
            properties = {"url": url, "title": title, "duration_seconds": duration}
        elif channel in ("email_open", "email_click"):
            properties = {"campaign": rng.choice(CAMPAIGNS)}
            if channel == "email_click":
                properties["url"] = rng.choice(BLOG_POSTS + PRODUCT_PAGES)[0]
        elif channel == "content_download":
            properties = {"asset": rng.choice(ASSETS)}
        elif channel == "webinar":
            properties = {
                "webinar": rng.choice(WEBINARS),
                # Engaged attendees stay to the end.
                "percent_watched": min(100, max(5, int(rng.gauss(35 + 55 * p, 20)))),
            }
        elif channel == "form":
            form_name = rng.choices(
                ("newsletter", "ebook", "webinar-registration", "contact-sales"),
                weights=(3 - 2 * p, 2, 1.5, 0.1 + 1.5 * p),
            )[0]
            properties = {"form_name": form_name}
        elif channel == "demo_request":
            properties = {"form_name": "demo-request"}
        elif channel == "contact_sales":
            properties = {"form_name": "contact-sales", "topic": rng.choice(CHAT_TOPICS[:3])}
        elif channel == "free_trial":
            properties = {"plan": rng.choices(TRIAL_PLANS, weights=(5, 4, 1))[0]}
        elif channel == "chat":
            properties = {"topic": rng.choice(CHAT_TOPICS), "messages": rng.randint(2, 20)}
        elif channel == "meeting":
            properties = {"meeting_type": rng.choice(MEETING_TYPES)}
        else:
            raise ValueError(f"Unknown channel {channel!r}")
        source, prefix, share = CHANNEL_SOURCE.get(channel, WEBSITE_SOURCE)
        external_id = ""
        if prefix and rng.random() < share:
            external_id = f"{prefix}-{self.next_event_number}"
            self.next_event_number += 1
        elif rng.random() < 0.5:
            source = ""  # imported or logged by hand: no known source
        return DemoActivity(
            kind=CHANNEL_KIND[channel],
            occurred_at=occurred_at,
            properties=properties,
            source=source,
            external_id=external_id,
        )

    def add_unsubscribe(self, activities: list[DemoActivity], first_seen: datetime) -> None:
        """An unsubscribe somewhere in the stream; no email is opened or clicked after it."""
        rng = self.rng
        if activities:
            at = activities[rng.randrange(len(activities))].occurred_at + timedelta(minutes=5)
        else:
            at = first_seen + (self.now - first_seen) * rng.random()
        at = min(at, self.now)
        email_kinds = (ActivityKind.EMAIL_OPEN, ActivityKind.EMAIL_CLICK)
        activities[:] = [a for a in activities if a.occurred_at < at or a.kind not in email_kinds]
        unsubscribe = DemoActivity(
            kind=ActivityKind.UNSUBSCRIBE,
            occurred_at=at,
            properties={"campaign": rng.choice(CAMPAIGNS)},
        )
        activities.insert(bisect([a.occurred_at for a in activities], at), unsubscribe)

    # Outcomes and lifecycle

    def decided_at(self, times: list[datetime], earliest: datetime) -> datetime:
        """A decision after most of the activity (the last part may be a customer using us)."""
        rng = self.rng
        if times:
            anchor = times[int(0.85 * (len(times) - 1))]
            decided = anchor + timedelta(days=rng.uniform(1, 21))
        else:
            anchor = earliest
            decided = earliest + timedelta(days=rng.uniform(7, 90))
        if decided > self.now:
            # Recent journeys were decided recently, not all at the same instant.
            decided = anchor + (self.now - anchor) * rng.uniform(0.2, 0.95)
        return max(decided, earliest + timedelta(minutes=1))

    def outcome(
        self, *, p: float, company: DemoCompany | None, times: list[datetime], earliest: datetime
    ) -> DemoOutcome:
        rng = self.rng
        won = rng.random() < _sigmoid(7.0 * (p - 0.5))
        decided_at = self.decided_at(times, earliest)
        size = company.employee_count if company else 50
        # Annual contract value grows sub-linearly with company size.
        amount = 3000 * size**0.45 * rng.lognormvariate(0, 0.35)
        amount = Decimal(max(1200, round(amount, -2))).quantize(Decimal("0.01"))
        owner = company.owner_username if company else None
        if owner is None or rng.random() < 0.15:
            owner = MANAGER_USERNAME if rng.random() < 0.3 else rng.choice(REP_USERNAMES)
        if won:
            return DemoOutcome(OutcomeResult.WON, decided_at, "", amount, owner)
        # Poor fits are lost on budget and fit; good fits to competitors and timing.
        reason = rng.choices(
            LOST_REASONS, weights=(3 - 2 * p, 1 + 2 * p, 2, 1 + 1.5 * p, 3 - 2.8 * p, 2)
        )[0]
        return DemoOutcome(
            OutcomeResult.LOST, decided_at, reason, amount if rng.random() < 0.5 else None, owner
        )

    def funnel_dates(
        self, stages: list[str], start: datetime, end: datetime
    ) -> dict[str, datetime]:
        """Dates for consecutive stages, in order, between start and end."""
        span = (end - start).total_seconds()
        offsets = sorted(self.rng.random() for _ in stages)
        return {
            STAGE_DATE_FIELDS[stage]: start + timedelta(seconds=int(span * offset))
            for stage, offset in zip(stages, offsets, strict=True)
        }

    def lifecycle(self, contact: DemoContact, first_seen: datetime) -> None:
        """Set the lifecycle stage and stage dates consistently with activities and outcome."""
        rng = self.rng
        dates: dict[str, datetime] = {}
        outcome = contact.outcome
        if outcome is not None:
            dates["lead_at"] = first_seen
            funnel = ["mql", "sal", "sql"] + (["opportunity"] if rng.random() < 0.8 else [])
            dates.update(self.funnel_dates(funnel, first_seen, outcome.decided_at))
            if outcome.result == OutcomeResult.WON:
                stage = LifecycleStage.CUSTOMER
            elif outcome.lost_reason == "Not a fit":
                stage = LifecycleStage.DISQUALIFIED
            else:
                stage = LifecycleStage.RECYCLED  # back to nurture
            dates[STAGE_DATE_FIELDS[stage]] = outcome.decided_at
        else:
            stage, dates = self.open_stage(contact, first_seen)
        contact.lifecycle_stage = stage
        contact.stage_dates = dates

    def open_stage(self, contact: DemoContact, first_seen: datetime) -> tuple[str, dict]:
        """Stage of a contact with no outcome yet, from the buying signals in their activity."""
        rng = self.rng
        kinds = [a.kind for a in contact.activities]
        first_intent = next(
            (
                a.occurred_at
                for a in contact.activities
                if a.kind
                in (
                    ActivityKind.DEMO_REQUEST,
                    ActivityKind.CONTACT_SALES,
                    ActivityKind.FREE_TRIAL_SIGNUP,
                    ActivityKind.MEETING_BOOKED,
                )
            ),
            None,
        )
        if ActivityKind.MEETING_BOOKED in kinds:
            funnel = ["mql", "sal", "sql"] + (["opportunity"] if rng.random() < 0.5 else [])
        elif ActivityKind.DEMO_REQUEST in kinds or ActivityKind.CONTACT_SALES in kinds:
            funnel = ["mql", "sal"][: rng.randint(1, 2)]
        elif ActivityKind.FREE_TRIAL_SIGNUP in kinds and rng.random() < 0.6:
            funnel = ["mql"]
        else:
            funnel = []
        if funnel and first_intent is not None:
            dates = {"lead_at": first_seen}
            dates.update(self.funnel_dates(funnel, first_intent, self.now))
            return funnel[-1], dates
        # Newsletter readers who never gave more than an email address stay subscribers.
        if contact.lead_source in (LeadSource.EMAIL, LeadSource.SOCIAL, LeadSource.ORGANIC_SEARCH):
            subscriber_chance = 0.55 - 0.4 * contact.propensity
        else:
            subscriber_chance = 0.2 - 0.15 * contact.propensity
        if rng.random() < subscriber_chance:
            return LifecycleStage.SUBSCRIBER, {"subscriber_at": first_seen}
        dates = {"lead_at": first_seen}
        if rng.random() < 0.2 and len(contact.activities) > 2:
            # Subscribed first, became a lead later (a content download, a form).
            dates = {
                "subscriber_at": first_seen,
                "lead_at": contact.activities[len(contact.activities) // 2].occurred_at,
            }
        return LifecycleStage.LEAD, dates

    def account_outcomes(
        self, companies: list[DemoCompany], contacts: list[DemoContact]
    ) -> list[tuple[DemoCompany, DemoOutcome]]:
        """A few accounts decided as a whole, won more often when their people fit better."""
        rng = self.rng
        by_company: dict[int, list[DemoContact]] = {}
        for contact in contacts:
            if contact.company is not None:
                by_company.setdefault(id(contact.company), []).append(contact)
        results = []
        for company in companies:
            people = by_company.get(id(company))
            if company.is_competitor or not people or rng.random() >= 0.06:
                continue
            p = sum(person.propensity for person in people) / len(people)
            times = sorted(a.occurred_at for person in people for a in person.activities)
            earliest = min(min(person.stage_dates.values(), default=self.now) for person in people)
            results.append(
                (company, self.outcome(p=p, company=company, times=times, earliest=earliest))
            )
        return results
