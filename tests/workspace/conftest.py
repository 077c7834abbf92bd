"""Workspace fixtures: the routing team (managed by the `manager` persona) and scored contacts."""

from __future__ import annotations

import pytest

from tests.factories import CompanyFactory, ContactFactory
from tests.routing.conftest import fallback, rep_profile, score, team  # noqa: F401 - fixtures


@pytest.fixture
def scored(db):
    """Five contacts with distinct stored scores: (fit, interest) -> grade x band."""
    acme = CompanyFactory(name="Acme Robotics", domain="acme.example", country="Germany")
    rows = {
        "ada": (70, 80),  # A1
        "bob": (45, 30),  # B2
        "cy": (25, 60),  # C1
        "di": (65, 10),  # A3
        "ed": (10, 5),  # D3
    }
    contacts = {}
    for name, (fit, interest) in rows.items():
        contact = ContactFactory(first_name=name.title(), last_name="Test", company=acme)
        score(contact, fit=fit, interest=interest)
        contacts[name] = contact
    contacts["none"] = ContactFactory(first_name="Nobody", last_name="Unscored")
    return contacts
