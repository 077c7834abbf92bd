"""
Account scores: a company's fit from the account fit rules, its engagement from its contacts'
interest, and buying-group coverage (how many distinct seniorities engaged recently).

Pure Python like scoring.engine (no ORM, no clock: every function takes `now`), so the write
path, the time refresh and tests share one semantics. The contacts' interest comes in already
computed at `now` (scoring.engine finishes it from their rule states).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scoring import engine

ACCOUNT = "account"
# What an account fit rule may test: the company's own fields (engine.Profile's names).
COMPANY_ATTRIBUTES = frozenset(
    {
        "industry",
        "employee_count",
        "annual_revenue",
        "country",
        "region",
        "city",
        "technologies",
        "property",
    }
)
# Interest below this is decay dust, not engagement.
MIN_INTEREST = 0.5
# Students and interns are counted as people but do not widen the buying group.
NOT_BUYERS = frozenset({"student"})
_PLURALS = {
    "c_level": "C-level execs",
    "vp": "VPs",
    "head": "department heads",
    "director": "directors",
    "manager": "managers",
    "individual": "individual contributors",
    "student": "students",
    None: "people without a title",
}
_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@dataclass(frozen=True)
class AccountSpec:
    """The live model's account settings and its account fit rules."""

    fit_rules: tuple[engine.Rule, ...] = ()
    fit_cap: float | None = None
    contact_cap: float = 25.0
    engagement_cap: float | None = 100.0
    window_days: int = 30
    role_points: float = 10.0
    grade_a: float = 60.0
    grade_b: float = 40.0
    grade_c: float = 20.0
    band_hot: float = 50.0
    band_warm: float = 20.0
    mqa_fit: float = 30.0
    mqa_engagement: float = 50.0
    mqa_people: int = 2


@dataclass(frozen=True)
class Member:
    """One contact of the account as the account score sees it, at `now`."""

    contact_id: int
    name: str
    job_title: str
    interest: float  # the contact's interest at `now` (decayed)
    last_engaged_at: datetime | None  # the newest activity its interest counts
    signals: tuple[tuple[str, int], ...] = ()  # (interest rule name, activities counted)

    @functools.cached_property
    def seniority(self) -> str | None:
        # Read many times per account score (and a what-if scores each account twice).
        return engine.seniority_of(self.job_title)


@dataclass(frozen=True)
class Contribution:
    contact_id: int
    name: str
    role: str
    interest: float
    counted: float  # after the per-contact cap
    engaged_recently: bool


@dataclass(frozen=True)
class AccountScore:
    """An account's score at one moment, with what explains it."""

    fit: float
    engagement: float
    interest_points: float  # from contacts' capped interest
    coverage_points: float  # from distinct roles engaged
    grade: str
    band: int
    meets_threshold: bool
    people_engaged: int
    roles: tuple[str, ...]  # distinct seniorities engaged in the window (buyers only)
    fit_breakdown: tuple[engine.RuleScore, ...]
    contributions: tuple[Contribution, ...]
    signals: tuple[tuple[str, int], ...]
    explanation: str
    fit_cap_applied: bool = False
    engagement_cap_applied: bool = False

    @property
    def cell(self) -> str:
        return f"{self.grade}{self.band}"

    def breakdown_json(self) -> dict[str, Any]:
        return {
            "fit": [r.to_json() for r in self.fit_breakdown],
            "interest_points": self.interest_points,
            "coverage_points": self.coverage_points,
            "roles": list(self.roles),
            "contacts": [c.__dict__ for c in self.contributions],
            "signals": [list(s) for s in self.signals],
            "fit_cap_applied": self.fit_cap_applied,
            "engagement_cap_applied": self.engagement_cap_applied,
        }


def account_fit_parts(spec: AccountSpec, company: engine.Profile) -> list[engine.RuleScore]:
    """The account fit rules the company matches (scoring.engine's comparisons)."""
    model = engine.ModelSpec(rules=())
    parts = (engine.evaluate_fit_rule(rule, company, model) for rule in spec.fit_rules)
    return [part for part in parts if part is not None]


def is_engaged(member: Member, spec: AccountSpec, now: datetime) -> bool:
    """Interest left, earned within the buying-group window."""
    if member.interest < MIN_INTEREST or member.last_engaged_at is None:
        return False
    return member.last_engaged_at >= now - timedelta(days=spec.window_days)


def _count_words(n: int) -> str:
    return _NUMBERS[n] if n < len(_NUMBERS) else str(n)


def _period_words(days: int) -> str:
    if days <= 7:
        return "this week"
    if days <= 31:
        return "this month"
    return f"in the last {days} days"


def _roles_words(engaged: Sequence[Member]) -> str:
    """'VP Sales, two managers': a lone person by title, groups counted by seniority."""
    by_level: dict[str | None, list[Member]] = {}
    for member in sorted(engaged, key=lambda m: -m.interest):
        by_level.setdefault(member.seniority, []).append(member)
    order = ["c_level", "vp", "head", "director", "manager", "individual", "student", None]
    words = []
    for level in order:
        members = by_level.get(level, [])
        if len(members) == 1:
            title = members[0].job_title.strip()
            words.append(title[:40] if title else "someone without a title")
        elif members:
            words.append(f"{_count_words(len(members))} {_PLURALS[level]}")
    return ", ".join(words)


def explain(
    spec: AccountSpec, engaged: Sequence[Member], signals: Sequence[tuple[str, int]]
) -> str:
    """'3 people engaged this month: VP Sales, two managers; Viewed pricing 5x'."""
    period = _period_words(spec.window_days)
    if not engaged:
        return f"Nobody engaged {period}"
    people = "1 person" if len(engaged) == 1 else f"{len(engaged)} people"
    text = f"{people} engaged {period}: {_roles_words(engaged)}"
    shown = [f"{name} {count}x" for name, count in signals[:3]]
    return text + ("; " + ", ".join(shown) if shown else "")


def score_account(
    spec: AccountSpec, company: engine.Profile, members: Sequence[Member], now: datetime
) -> AccountScore:
    """
    An account's score at `now`. Engagement adds each contact's interest up to
    `contact_cap` (so one busy contact cannot make an account hot) and `role_points` per
    distinct seniority engaged in the window (buying-group coverage), capped at
    `engagement_cap`. Fit is the sum of the account fit rules, capped at `fit_cap`.
    """
    fit_parts = account_fit_parts(spec, company)
    fit, fit_capped = engine.cap_total(sum(p.points for p in fit_parts), spec.fit_cap)
    contributions = []
    for member in sorted(members, key=lambda m: (-m.interest, m.contact_id)):
        counted = max(0.0, min(member.interest, spec.contact_cap))
        level = member.seniority
        contributions.append(
            Contribution(
                contact_id=member.contact_id,
                name=member.name,
                role=engine.SENIORITY_LABELS.get(level, "No title") if level else "No title",
                interest=round(member.interest, 4),
                counted=round(counted, 4),
                engaged_recently=is_engaged(member, spec, now),
            )
        )
    engaged = [m for m in members if is_engaged(m, spec, now)]
    roles = tuple(
        sorted({m.seniority for m in engaged if m.seniority and m.seniority not in NOT_BUYERS})
    )
    interest_points = sum(c.counted for c in contributions)
    coverage_points = spec.role_points * len(roles)
    engagement, engagement_capped = engine.cap_total(
        interest_points + coverage_points, spec.engagement_cap
    )
    fit, engagement = round(fit, 4), round(engagement, 4)
    totals: Counter[str] = Counter()
    for member in engaged:
        for name, count in member.signals:
            totals[name] += count
    signals = tuple(sorted(totals.items(), key=lambda item: (-item[1], item[0])))
    return AccountScore(
        fit=fit,
        engagement=engagement,
        interest_points=round(interest_points, 4),
        coverage_points=coverage_points,
        grade=_grade(fit, spec),
        band=_band(engagement, spec),
        meets_threshold=meets_mqa(fit, engagement, len(engaged), spec),
        people_engaged=len(engaged),
        roles=roles,
        fit_breakdown=tuple(fit_parts),
        contributions=tuple(contributions),
        signals=signals,
        explanation=explain(spec, engaged, signals),
        fit_cap_applied=fit_capped,
        engagement_cap_applied=engagement_capped,
    )


def meets_mqa(fit: float, engagement: float, people: int, spec: AccountSpec) -> bool:
    """The MQA rule: fit, engagement and people engaged each reach their threshold."""
    return fit >= spec.mqa_fit and engagement >= spec.mqa_engagement and people >= spec.mqa_people


def mqa_reason(score: AccountScore, spec: AccountSpec) -> str:
    return (
        f"Account fit {score.fit:.0f} >= {spec.mqa_fit:g}, engagement {score.engagement:.0f} >= "
        f"{spec.mqa_engagement:g}, {score.people_engaged} people engaged "
        f"(>= {spec.mqa_people})"
    )


def _cutoffs(spec: AccountSpec) -> engine.ModelSpec:
    """The account's cut-offs in the engine's terms: grades and bands work as for contacts."""
    return engine.ModelSpec(
        rules=(),
        grade_a=spec.grade_a,
        grade_b=spec.grade_b,
        grade_c=spec.grade_c,
        band_hot=spec.band_hot,
        band_warm=spec.band_warm,
    )


def _grade(fit: float, spec: AccountSpec) -> str:
    return engine.grade_for(fit, _cutoffs(spec))


def _band(engagement: float, spec: AccountSpec) -> int:
    return engine.band_for(engagement, _cutoffs(spec))


def member_signals(interest: Sequence[engine.RuleScore]) -> tuple[tuple[str, int], ...]:
    """What a contact did that counts, from its interest breakdown: (rule name, count)."""
    return tuple((p.name, p.count) for p in interest if p.points >= MIN_INTEREST and p.count)


def last_engaged(interest: Sequence[engine.RuleScore]) -> datetime | None:
    """The newest activity among the contact's interest lines that still give points."""
    moments = [
        datetime.fromisoformat(p.last_at)
        for p in interest
        if p.points >= MIN_INTEREST and p.last_at
    ]
    return max(moments) if moments else None
