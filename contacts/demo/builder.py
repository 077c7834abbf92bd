"""
Builds the demo world in memory: companies (names, domains, sizes, technologies, owners),
contacts (names, titles, addresses, phones, custom fields) and the whole world, drawing every
choice from one random generator; what contacts do comes from journeys.JourneyBuilder.
"""

from __future__ import annotations

import math
import random
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.utils import timezone

from contacts.demo.company_data import (
    COMPETITOR_DOMAINS,
    COMPETITOR_NAMES,
    COUNTRIES,
    CRMS,
    FREE_MAIL_DOMAINS,
    INDUSTRIES,
    MARKETING_AUTOMATION,
    NAME_CORES,
    NAME_PREFIXES,
    OTHER_TECH,
    Country,
    Industry,
)
from contacts.demo.journeys import JourneyBuilder
from contacts.demo.people_data import LEAD_SOURCE_WEIGHTS, NAMES, SENIORITY_WEIGHTS, TITLES
from contacts.demo.users import REP_USERNAMES
from contacts.demo.world import (
    COMPETITOR_SHARE,
    CONTACTS_PER_COMPANY,
    DEFAULT_SEED,
    FREE_MAIL_SHARE,
    HISTORY_DAYS,
    DemoCompany,
    DemoContact,
    DemoWorld,
    contact_propensity,
)
from contacts.models import LeadSource, normalize_domain


def _weighted(rng: random.Random, weights: dict[str, float] | dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _ascii_slug(text: str) -> str:
    """'Chloé O'Brien' -> 'chloeobrien', for email local parts and domains."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class _WorldBuilder(JourneyBuilder):
    """Builds a DemoWorld; holds the one random generator and what must stay unique."""

    def __init__(self, *, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = now
        self.used_domains: set[str] = set(COMPETITOR_DOMAINS) | set(FREE_MAIL_DOMAINS)
        self.used_emails: set[str] = set()  # lower-cased: emails are unique whatever their case
        self.next_event_number = 1
        self.country_weights = [country.weight for country in COUNTRIES]
        self.industry_weights = [industry.weight for industry in INDUSTRIES]

    # Companies

    def company(self) -> DemoCompany:
        rng = self.rng
        industry = rng.choices(INDUSTRIES, weights=self.industry_weights)[0]
        country = rng.choices(COUNTRIES, weights=self.country_weights)[0]
        region, cities = rng.choice(country.regions)
        # Log-triangular size: most prospects are small, a long tail reaches 50k employees.
        employee_count = min(50_000, max(1, round(10 ** rng.triangular(0, 4.7, 1.2))))
        revenue = employee_count * industry.revenue_per_employee * rng.lognormvariate(0, 0.35)
        # Revenue as enrichment tools report it: rounded to thousands; unknown for some.
        annual_revenue = (
            Decimal(round(revenue, -3)).quantize(Decimal("0.01")) if rng.random() < 0.9 else None
        )
        base = rng.choice(NAME_PREFIXES) + rng.choice(NAME_CORES)
        word = rng.choice(industry.name_words)
        name = f"{base} {word}"
        return DemoCompany(
            name=name,
            domain=self.domain(base, word, industry, country),
            industry=industry.name,
            employee_count=employee_count,
            annual_revenue=annual_revenue,
            country=country.name,
            region=region,
            city=rng.choice(cities),
            technologies=self.technologies(employee_count),
        )

    def domain(self, base: str, word: str, industry: Industry, country: Country) -> str:
        rng = self.rng
        if industry.name == "Government":
            tld = {"United States": "gov", "United Kingdom": "gov.uk"}.get(
                country.name, country.tld
            )
        elif industry.name == "Education":
            tld = {"United States": "edu", "United Kingdom": "ac.uk"}.get(country.name, country.tld)
        elif industry.name == "Nonprofit":
            tld = "org"
        elif industry.name == "Software" and rng.random() < 0.3:
            tld = "io"
        else:
            # Outside the US many companies still use .com.
            tld = country.tld if rng.random() < 0.6 else "com"
        stems = [_ascii_slug(base), _ascii_slug(base + word), _ascii_slug(base) + "hq"]
        for stem in stems:
            candidate = normalize_domain(f"{stem}.{tld}")
            if candidate not in self.used_domains:
                self.used_domains.add(candidate)
                return candidate
        number = 2
        while f"{stems[0]}{number}.{tld}" in self.used_domains:
            number += 1
        candidate = normalize_domain(f"{stems[0]}{number}.{tld}")
        self.used_domains.add(candidate)
        return candidate

    def technologies(self, employee_count: int) -> list[str]:
        rng = self.rng
        tech: list[str] = []
        # Bigger companies have more tools; most have one CRM and maybe marketing automation.
        if rng.random() < 0.35 + 0.1 * math.log10(employee_count):
            crm = rng.choices(CRMS, weights=(40, 30, 12, 10, 8))[0]
            tech.append(crm)
        if rng.random() < 0.2 + 0.1 * math.log10(employee_count):
            tech.append(rng.choices(MARKETING_AUTOMATION, weights=(30, 25, 20, 15, 10))[0])
        extra = min(len(OTHER_TECH), int(rng.uniform(0, 2 + 2 * math.log10(employee_count))))
        tech.extend(rng.sample(OTHER_TECH, extra))
        return tech

    def competitor_companies(self) -> list[DemoCompany]:
        rng = self.rng
        companies = []
        for domain in COMPETITOR_DOMAINS:
            employee_count = rng.randint(15, 600)
            companies.append(
                DemoCompany(
                    name=COMPETITOR_NAMES[domain],
                    domain=domain,
                    industry="Software",
                    employee_count=employee_count,
                    annual_revenue=Decimal(employee_count * 180_000),
                    country="United States",
                    region="California",
                    city="San Francisco",
                    technologies=["Salesforce", "Segment", "AWS", "Snowflake"],
                    is_competitor=True,
                )
            )
        return companies

    def assign_owners(self, companies: list[DemoCompany]) -> None:
        """Reps own the bigger accounts (named accounts); most small ones have no owner yet."""
        rng = self.rng
        for company in companies:
            if company.is_competitor:
                continue
            if company.employee_count >= 1000:
                chance = 0.85
            elif company.employee_count >= 200:
                chance = 0.5
            else:
                chance = 0.12
            if rng.random() < chance:
                company.owner_username = rng.choice(REP_USERNAMES)

    # Contacts

    def contact(
        self, *, company: DemoCompany | None, email_kind: str, country: Country
    ) -> DemoContact:
        rng = self.rng
        # Mostly local names, with an international mix.
        culture = (
            country.cultures[0]
            if rng.random() < 0.6
            else rng.choice(country.cultures + tuple(NAMES))
        )
        first_names, last_names = NAMES[culture]
        first_name, last_name = rng.choice(first_names), rng.choice(last_names)
        seniority, job_title, function = self.title(company)
        email = self.email(first_name, last_name, company, email_kind)
        # Messy CRM data: some names typed lower-case, some without a last name.
        roll = rng.random()
        if roll < 0.03:
            first_name, last_name = first_name.lower(), last_name.lower()
        elif roll < 0.05:
            last_name = ""
        lead_source = _weighted(rng, LEAD_SOURCE_WEIGHTS)
        return DemoContact(
            email=email,
            first_name=first_name,
            last_name=last_name,
            job_title=job_title,
            seniority=seniority,
            function=function,
            email_kind=email_kind,
            company=company,
            lead_source=lead_source,
            phone=self.phone(country),
            properties=self.custom_properties(country, lead_source),
            noise=rng.gauss(0.0, 0.8),
        )

    def title(self, company: DemoCompany | None) -> tuple[str, str, str]:
        """(seniority, job title, function)."""
        rng = self.rng
        if rng.random() < 0.03:
            return "unknown", "", "unknown"  # plenty of real contacts have no title
        size = company.employee_count if company else 50
        band = "tiny" if size <= 10 else "small" if size <= 200 else "large"
        seniority = _weighted(rng, SENIORITY_WEIGHTS[band])
        job_title, function = rng.choice(TITLES[seniority])
        if rng.random() < 0.04:
            job_title = job_title.lower()  # typed by hand into a form
        return seniority, job_title, function

    def email(
        self, first_name: str, last_name: str, company: DemoCompany | None, email_kind: str
    ) -> str:
        rng = self.rng
        first, last = _ascii_slug(first_name), _ascii_slug(last_name)
        if email_kind == "free":
            domain = _weighted(rng, FREE_MAIL_DOMAINS)
            local = rng.choice(
                (
                    f"{first}.{last}",
                    f"{first}{last}{rng.randint(1, 99)}",
                    f"{first[0]}{last}{rng.randint(60, 99)}",
                    f"{first}_{last}",
                )
            )
        else:
            assert company is not None
            domain = company.domain
            patterns = [f"{first}.{last}", f"{first[0]}{last}", f"{first}{last[0]}"]
            weights = [60, 25, 7]
            if company.employee_count <= 200:  # small companies hand out first-name addresses
                patterns.append(first)
                weights.append(8)
            local = rng.choices(patterns, weights=weights)[0]
        if rng.random() < 0.04:
            # Addresses typed with capitals; the unique constraint ignores case, and so must we.
            local = ".".join(part.capitalize() for part in local.split("."))
        candidate, number = local, 2
        while f"{candidate}@{domain}".lower() in self.used_emails:
            candidate = f"{local}{number}"
            number += 1
        email = f"{candidate}@{domain}"
        self.used_emails.add(email.lower())
        return email

    def phone(self, country: Country) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return ""
        if country.phone_code == "+1":
            # 555-01xx is reserved for fiction in North America.
            number = f"{rng.randint(201, 989)}-555-01{rng.randint(0, 99):02d}"
            return number if rng.random() < 0.3 else f"+1 {number}"
        if country.name == "United Kingdom":
            return f"+44 20 7946 0{rng.randint(0, 999):03d}"  # Ofcom's drama range
        digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
        return f"{country.phone_code} {digits[:3]} {digits[3:6]} {digits[6:]}"

    def custom_properties(self, country: Country, lead_source: str) -> dict[str, Any]:
        """Free-form CRM fields, with the placeholders ("Select", "") real CRMs are full of."""
        rng = self.rng
        properties: dict[str, Any] = {}
        if rng.random() < 0.8:
            properties["preferred_language"] = rng.choices(
                (country.language, "English", "", "Select"), weights=(70, 15, 10, 5)
            )[0]
        if rng.random() < 0.7:
            properties["newsletter"] = rng.random() < 0.4
        if rng.random() < 0.6:
            properties["company_type"] = rng.choices(
                ("Prospect", "Partner", "Reseller", "Vendor", "Other", "Select", ""),
                weights=(60, 8, 5, 4, 5, 10, 8),
            )[0]
        if lead_source in (LeadSource.PAID_SEARCH, LeadSource.SOCIAL):
            properties["utm_campaign"] = rng.choice(
                ("brand-search", "lead-scoring-generic", "retargeting", "linkedin-revops")
            )
        return properties

    # The whole world

    def build(self, contact_count: int) -> DemoWorld:
        rng = self.rng
        company_count = max(1, round(contact_count / CONTACTS_PER_COMPANY))
        companies = [self.company() for _ in range(company_count)]
        competitors = self.competitor_companies()
        self.assign_owners(companies)
        # Bigger companies have more people in the CRM, sub-linearly.
        cum_weights = list(accumulate(company.employee_count**0.5 for company in companies))
        country_by_name = {country.name: country for country in COUNTRIES}

        contacts: list[DemoContact] = []
        for _ in range(contact_count):
            roll = rng.random()
            email_kind = (
                "competitor"
                if roll < COMPETITOR_SHARE
                else "free"
                if roll < COMPETITOR_SHARE + FREE_MAIL_SHARE
                else "company"
            )
            company: DemoCompany | None
            if email_kind == "competitor":
                company = rng.choice(competitors)
            elif email_kind == "free" and rng.random() < 0.6:
                company = None  # a gmail address and no company given
            else:
                company = self.pick_company(companies, cum_weights)
            if company is not None:
                company.contact_count += 1
                country = country_by_name[company.country]
            else:
                country = rng.choices(COUNTRIES, weights=self.country_weights)[0]
            contacts.append(self.contact(company=company, email_kind=email_kind, country=country))

        for contact in contacts:
            self.life(contact)
        account_outcomes = self.account_outcomes(companies, contacts)
        return DemoWorld(
            seed=self.seed,
            now=self.now,
            companies=companies + competitors,
            contacts=contacts,
            account_outcomes=account_outcomes,
        )

    def pick_company(self, companies: list[DemoCompany], cum_weights: list[float]) -> DemoCompany:
        """A company by size, avoiding more contacts than a company has employees."""
        for _ in range(10):
            company = self.rng.choices(companies, cum_weights=cum_weights)[0]
            if company.contact_count < company.employee_count:
                return company
        return company

    def life(self, contact: DemoContact) -> None:
        """Propensity, then what the contact did, how it ended and where they are now."""
        rng = self.rng
        p = contact.propensity = contact_propensity(contact)
        contact.unsubscribed = rng.random() < 0.05 - 0.04 * p
        contact.do_not_contact = rng.random() < 0.01
        first_seen = self.now - timedelta(seconds=int(rng.uniform(14, HISTORY_DAYS) * 86400))
        contact.activities = self.activities(contact, first_seen)
        # Engaged contacts reach sales more often, so more of them end won or lost; so do report
        # collectors, whose download points made them MQLs (and sales then lost them); vendors
        # researching us never become deals.
        reach_sales = 0.14 + 0.5 * p + (0.3 if contact.collects_reports else 0.0)
        if contact.email_kind != "competitor" and rng.random() < reach_sales:
            times = [a.occurred_at for a in contact.activities]
            contact.outcome = self.outcome(
                p=p, company=contact.company, times=times, earliest=first_seen
            )
        self.lifecycle(contact, first_seen)


def generate_world(*, contacts: int, seed: int = DEFAULT_SEED, now: datetime) -> DemoWorld:
    """The demo world for this seed and `now`, in memory. Pure: no database, no clock."""
    if contacts < 0:
        raise ValueError("contacts must be zero or more")
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    return _WorldBuilder(seed=seed, now=now).build(contacts)
