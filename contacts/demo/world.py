"""
The generated demo world as plain data (no database): its size and mix, companies, contacts
with their activities and outcomes, and the hidden propensity, a pure function of a contact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from contacts.demo.company_data import INDUSTRY_BY_NAME
from contacts.demo.people_data import FUNCTION_FIT, SENIORITY_FIT
from contacts.models import LifecycleStage

DEFAULT_SEED = 42

# Share of contacts by kind of email address; the rest write from their company's domain.
FREE_MAIL_SHARE = 0.15
COMPETITOR_SHARE = 0.02
CONTACTS_PER_COMPANY = 4.5
# How far back the activity stream goes.
HISTORY_DAYS = 365


@dataclass(slots=True)
class DemoCompany:
    name: str
    domain: str
    industry: str
    employee_count: int
    annual_revenue: Decimal
    country: str
    region: str
    city: str
    technologies: list[str]
    is_competitor: bool = False
    owner_username: str | None = None
    contact_count: int = 0


@dataclass(slots=True)
class DemoActivity:
    kind: str
    occurred_at: datetime
    properties: dict[str, Any]
    source: str = ""
    external_id: str = ""


@dataclass(slots=True)
class DemoOutcome:
    result: str
    decided_at: datetime
    lost_reason: str = ""
    amount: Decimal | None = None
    recorded_by_username: str | None = None


@dataclass(slots=True)
class DemoContact:
    email: str
    first_name: str
    last_name: str
    job_title: str
    seniority: str
    function: str
    email_kind: str  # "company", "free" or "competitor"
    company: DemoCompany | None
    lead_source: str
    phone: str
    properties: dict[str, Any]
    # The random part of the propensity, drawn once so contact_propensity() stays pure.
    noise: float
    propensity: float = 0.0
    lifecycle_stage: str = LifecycleStage.LEAD
    stage_dates: dict[str, datetime] = field(default_factory=dict)
    unsubscribed: bool = False
    do_not_contact: bool = False
    # Downloads every gated report (students, researchers, vendors): looks engaged, rarely buys.
    collects_reports: bool = False
    activities: list[DemoActivity] = field(default_factory=list)
    outcome: DemoOutcome | None = None


@dataclass(slots=True)
class DemoWorld:
    seed: int
    now: datetime
    companies: list[DemoCompany]
    contacts: list[DemoContact]
    # Outcomes recorded on a whole account rather than on one of its contacts.
    account_outcomes: list[tuple[DemoCompany, DemoOutcome]]

    @property
    def activity_count(self) -> int:
        return sum(len(contact.activities) for contact in self.contacts)


# --- Propensity: pure functions of a generated contact -----------------------------------------


def _size_fit(employee_count: int | None) -> float:
    """Mid-market buys fastest; micro companies rarely need scoring, enterprises buy slowly."""
    if employee_count is None:
        return 0.3
    if employee_count <= 10:
        return 0.15
    if employee_count <= 50:
        return 0.45
    if employee_count <= 200:
        return 0.8
    if employee_count <= 1000:
        return 1.0
    if employee_count <= 5000:
        return 0.9
    return 0.7


def contact_fit(
    *,
    seniority: str,
    function: str,
    employee_count: int | None,
    industry: str,
    email_kind: str,
) -> float:
    """
    How well a person matches the buyer of a lead-scoring product, 0..1, from facts a scoring
    model can see: title seniority and function, company size and industry, kind of address.
    """
    industry_fit = INDUSTRY_BY_NAME[industry].fit if industry in INDUSTRY_BY_NAME else 0.4
    mail_fit = 1.0 if email_kind == "company" else 0.35
    fit = (
        0.30 * SENIORITY_FIT[seniority]
        + 0.20 * FUNCTION_FIT[function]
        + 0.20 * _size_fit(employee_count)
        + 0.15 * industry_fit
        + 0.15 * mail_fit
    )
    # Students and competitors may be very engaged readers, but they do not buy.
    if seniority == "student":
        fit *= 0.25
    if email_kind == "competitor":
        fit *= 0.1
    return fit


def propensity_from_fit(fit: float, noise: float) -> float:
    """
    The hidden chance-to-buy, 0..1: a logistic curve of fit plus noise, so fit explains most but
    not all of it, as in real funnels. Centred above the typical fit, so the average contact's
    propensity is about 0.4 and only good fits are likely buyers.
    """
    return 1.0 / (1.0 + math.exp(-(6.0 * (fit - 0.75) + noise)))


def contact_propensity(contact: DemoContact) -> float:
    """The hidden propensity of a generated contact (pure: same contact, same value)."""
    company = contact.company
    fit = contact_fit(
        seniority=contact.seniority,
        function=contact.function,
        employee_count=company.employee_count if company else None,
        industry=company.industry if company else "",
        email_kind=contact.email_kind,
    )
    return propensity_from_fit(fit, contact.noise)
