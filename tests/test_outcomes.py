import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import LifecycleStage
from contacts.selectors import contact_latest_outcome, contacts_with_outcome
from contacts.services import outcome_record
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    now = timezone.now()
    won_account = CompanyFactory(name="Won account")
    lost_account = CompanyFactory(name="Lost account")
    own_win = ContactFactory(email="own@x.example", company=lost_account)
    account_only = ContactFactory(email="acct@x.example", company=won_account)
    nothing = ContactFactory(email="none@x.example", company=CompanyFactory())
    # An outcome of its own and no company: found by its own outcome alone.
    solo = ContactFactory(email="solo@x.example", company=None)
    outcome_record(company=won_account, result="won", decided_at=now - dt.timedelta(days=3))
    outcome_record(
        company=lost_account,
        result="lost",
        decided_at=now - dt.timedelta(days=2),
        lost_reason="Chose a competitor",
    )
    outcome_record(contact=own_win, result="won", decided_at=now - dt.timedelta(days=1))
    outcome_record(contact=solo, result="lost", decided_at=now - dt.timedelta(days=4))
    return own_win, account_only, nothing


def test_contact_level_outcomes_are_only_those_recorded_on_the_contact(world):
    own_win, _, _ = world
    rows = {c.email: c.outcome_result for c in contacts_with_outcome(level="contact")}
    assert rows == {own_win.email: "won", "solo@x.example": "lost"}


def test_account_level_outcomes_come_from_the_contacts_company(world):
    rows = {c.email: c.outcome_result for c in contacts_with_outcome(level="account")}
    assert rows == {"own@x.example": "lost", "acct@x.example": "won"}


def test_either_level_prefers_the_contacts_own_outcome(world):
    rows = {c.email: c.outcome_result for c in contacts_with_outcome(level="either")}
    assert rows == {"own@x.example": "won", "acct@x.example": "won", "solo@x.example": "lost"}
    _, account_only, nothing = world
    assert contact_latest_outcome(contact=account_only).result == "won"
    assert contact_latest_outcome(contact=nothing) is None


def test_a_contact_win_makes_the_contact_a_customer_on_the_decision_date(world):
    own_win, _, _ = world
    own_win.refresh_from_db()
    assert own_win.lifecycle_stage == LifecycleStage.CUSTOMER
    assert own_win.customer_at == own_win.outcomes.get().decided_at


def test_an_outcome_on_both_contact_and_company_is_refused():
    contact = ContactFactory()
    with pytest.raises(ValueError, match="either a contact or a company"):
        outcome_record(
            contact=contact, company=contact.company, result="won", decided_at=timezone.now()
        )
