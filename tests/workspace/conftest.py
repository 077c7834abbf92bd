"""Workspace fixtures: the routing team (managed by the `manager` persona) and scored contacts."""

from __future__ import annotations

import pytest

from contacts.models import Company
from scoring.models import ContactScore
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
    # The live model scores every new contact (0 / 0 here); this one stands for a contact no
    # model has scored yet, like one stored before scoring went live.
    ContactScore.objects.filter(contact=contacts["none"]).delete()
    return contacts


@pytest.fixture
def rep_owns_acme(rep, scored):
    """
    Rita (the rep persona) owns Acme, so the rep-visibility rule shows her its five contacts.
    Written without a save(): saving a company rescores its contacts under the live model, which
    would replace the scores `scored` stores by hand.
    """
    Company.objects.filter(pk=scored["ada"].company_id).update(account_owner=rep)
    return scored
