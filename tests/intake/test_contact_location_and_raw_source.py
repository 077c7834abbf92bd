"""Contacts have their own location (fit and routing fall back to the company's) and keep their
raw lead source beside its category, which fit rules can test."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from routing.selectors import lead_of
from scoring import engine
from scoring.models import FitAttribute
from scoring.selectors import profile_of
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_fit_rules_see_the_contacts_own_location_before_the_companys():
    company = CompanyFactory(country="Germany", region="Bavaria", city="Munich")
    own = ContactFactory(company=company, country="India", region="", city="Pune")
    fallback = ContactFactory(company=company)
    assert (profile_of(own).country, profile_of(own).city) == ("India", "Pune")
    assert profile_of(own).region == "Bavaria"  # empty on the contact: the company's
    assert (profile_of(fallback).country, profile_of(fallback).city) == ("Germany", "Munich")
    assert lead_of(own).country == "India" and lead_of(fallback).country == "Germany"


def test_a_rule_can_test_the_raw_lead_source_or_its_category():
    contact = ContactFactory(lead_source="other", lead_source_raw="Olark Chat")
    profile = profile_of(contact)
    assert "lead_source_raw" in FitAttribute.values
    spec = SimpleNamespace(free_mail_domains=(), competitor_domains=())
    raw = SimpleNamespace(attribute="lead_source_raw")
    category = SimpleNamespace(attribute="lead_source")
    assert engine.profile_value(raw, profile, spec) == "Olark Chat"
    assert engine.profile_value(category, profile, spec) == "other"
