"""factory_boy factories shared by the tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from contacts.models import Activity, ActivityKind, Company, Contact, Outcome, OutcomeResult


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = "Software"
    employee_count = 250
    annual_revenue = 25_000_000
    country = "United States"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"person{n}@company.example")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Person"
    job_title = "Engineering Manager"
    company = factory.SubFactory(CompanyFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    contact = factory.SubFactory(ContactFactory)
    kind = ActivityKind.PAGE_VIEW
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    properties = factory.LazyFunction(lambda: {"url": "/blog/lead-scoring"})


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    contact = factory.SubFactory(ContactFactory)
    result = OutcomeResult.WON
    decided_at = factory.LazyFunction(timezone.now)


# Scoring


class ScoringModelFactory(factory.django.DjangoModelFactory):
    """A live model with no rules; thresholds small and round so tests can reason about them."""

    class Meta:
        model = "scoring.ScoringModel"

    name = factory.Sequence(lambda n: f"Model {n}")
    is_live = True
    decay_half_life_days = 0
    fit_cap = 100
    interest_cap = 100
    mql_mode = "both"
    mql_fit_threshold = 20
    mql_interest_threshold = 20
    mql_combined_threshold = 50
    grade_a_min = 60
    grade_b_min = 40
    grade_c_min = 20
    band_hot_min = 50
    band_warm_min = 20


class FitRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scoring.ScoringRule"

    scoring_model = factory.SubFactory(ScoringModelFactory)
    name = factory.Sequence(lambda n: f"Fit rule {n}")
    dimension = "fit"
    points = 10
    attribute = "industry"
    operator = "equals"
    value = "Software"


class InterestRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scoring.ScoringRule"

    scoring_model = factory.SubFactory(ScoringModelFactory)
    name = factory.Sequence(lambda n: f"Interest rule {n}")
    dimension = "interest"
    points = 5
    activity_kind = "pricing_page_view"


def fit_test_contacts() -> list[Contact]:
    """
    Contacts the property tests' fit rules tell apart: a VP at a mid-size software company, a
    manager at a large retailer on free mail, one with no company or title, and a CTO.
    """
    a = Company.objects.create(
        name="A", domain="a.example", industry="Software", employee_count=250
    )
    b = Company.objects.create(name="B", domain="b.example", industry="Retail", employee_count=9000)
    return [
        Contact.objects.create(email="vp@a.example", job_title="VP Sales", company=a),
        Contact.objects.create(email="x@gmail.com", job_title="Manager", company=b),
        Contact.objects.create(email="none@c.example"),
        Contact.objects.create(email="cto@a.example", job_title="CTO", company=a),
    ]


def score_of(contact: Contact, line=None):
    """The contact's stored score under a scoring model (the default one unless given)."""
    from scoring.models import ContactScore

    scores = ContactScore.objects.filter(contact=contact)
    if line is None:
        return scores.get(line__is_default=True)
    return scores.get(line=line)


def deliver_outbox(topic: str) -> int:
    """Deliver the pending outbox messages of a topic, as the worker does after commit."""
    from scoring.models import OutboxMessage
    from scoring.services import outbox_message_deliver

    pending = OutboxMessage.objects.filter(topic=topic, delivered_at=None).order_by("pk")
    return sum(outbox_message_deliver(message_id=pk) for pk in pending.values_list("pk", flat=True))
