"""Small generated CRM data with won and lost leads, for the predictive tests."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from contacts.models import Activity, Company, Contact, Outcome

BASE = timezone.now() - dt.timedelta(days=400)


def make_outcomes(n: int = 240, *, won_share: float = 0.5, seed: int = 3) -> list[Contact]:
    """
    n contacts with an outcome each, decided one day apart. Won leads come more often by
    referral, from fintech companies, and viewed pricing and submitted 'contact-sales' before
    their outcome; lost leads read the blog. Written in bulk (no signals).
    """
    rng = random.Random(seed)
    companies = Company.objects.bulk_create(
        [
            Company(name=f"Co {i}", domain=f"co{i}.example", industry=ind, employee_count=size)
            for i, (ind, size) in enumerate(
                [("Fintech", 800), ("Retail", 40), ("Unknown", None), ("Software", 250)] * 3
            )
        ]
    )
    contacts, outcomes, activities = [], [], []
    for i in range(n):
        won = rng.random() < won_share
        company = rng.choice(companies[:1] * 2 + companies if won else companies)
        contacts.append(
            Contact(
                email=f"lead{i}@co.example",
                company=company,
                lead_source="referral"
                if (won and rng.random() < 0.6)
                else rng.choice(["organic_search", "paid_search", "referral", "social"]),
                job_title=rng.choice(["VP Sales", "Engineer", "Select", ""]),
            )
        )
    contacts = Contact.objects.bulk_create(contacts)
    for i, contact in enumerate(contacts):
        decided = BASE + dt.timedelta(days=i)
        won = contact.lead_source == "referral" or rng.random() < 0.3
        outcomes.append(
            Outcome(contact=contact, result="won" if won else "lost", decided_at=decided)
        )
        for _ in range(rng.randint(1, 4)):
            activities.append(
                Activity(
                    contact=contact,
                    kind="page_view",
                    occurred_at=decided - dt.timedelta(days=rng.randint(1, 60)),
                    properties={"url": rng.choice(["/blog/a", "/blog/b", "/docs"])},
                )
            )
        if won and rng.random() < 0.7:
            activities.append(
                Activity(
                    contact=contact,
                    kind="pricing_page_view",
                    occurred_at=decided - dt.timedelta(days=rng.randint(1, 20)),
                )
            )
            activities.append(
                Activity(
                    contact=contact,
                    kind="form_submission",
                    occurred_at=decided - dt.timedelta(days=rng.randint(1, 20)),
                    properties={"form_name": "contact-sales"},
                )
            )
    Outcome.objects.bulk_create(outcomes)
    Activity.objects.bulk_create(activities)
    return contacts


@pytest.fixture
def outcomes(db) -> list[Contact]:
    return make_outcomes()
