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
