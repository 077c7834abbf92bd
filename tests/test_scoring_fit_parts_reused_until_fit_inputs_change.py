"""
A new activity, the time refresh and an interest rule's change re-finish interest and reuse the
stored fit parts, unless something fit depends on changed: a fit rule (its model's fit_key) or
the profile. `manage.py rescore` rebuilds everything, fit included.
"""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import ContactScore
from scoring.services.rescoring import contacts_score
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    model = ScoringModelFactory()
    FitRuleFactory(scoring_model=model, name="Software", points=10)
    InterestRuleFactory(scoring_model=model, name="Pricing", points=5)
    return model


def test_a_new_activity_keeps_the_stored_fit_parts(model, monkeypatch):
    contact = ContactFactory(company=CompanyFactory(industry="Software"))
    assert ContactScore.objects.get(contact=contact).fit == 10

    from scoring import engine

    def evaluated(*args, **kwargs):
        raise AssertionError("fit rules evaluated again for a new activity")

    monkeypatch.setattr(engine, "fit_parts_of", evaluated)
    activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
    stored = ContactScore.objects.get(contact=contact)
    assert (stored.fit, stored.interest) == (10, 5)
    assert [part["name"] for part in stored.breakdown["fit"]] == ["Software"]


def test_after_a_fit_rule_change_a_new_activity_gives_the_new_fit(model, monkeypatch):
    contact = ContactFactory(company=CompanyFactory(industry="Software"))
    rule = model.rules.get(name="Software")
    # The change asks for a rescore run; an activity arrives before it runs.
    from scoring.services import rescore_runs

    monkeypatch.setattr(rescore_runs, "enqueue_safely", lambda *args: False)
    rule.points = 25
    rule.save()
    activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
    stored = ContactScore.objects.get(contact=contact)
    assert (stored.fit, stored.interest) == (25, 5)


def test_a_profile_change_evaluates_fit_again(model):
    contact = ContactFactory(company=CompanyFactory(industry="Retail"))
    assert ContactScore.objects.get(contact=contact).fit == 0
    contact.company.industry = "Software"
    contact.company.save()
    contacts_score(contact_ids=[contact.pk], reason="profile_change")
    assert ContactScore.objects.get(contact=contact).fit == 10


def test_an_interest_rule_change_rescores_without_evaluating_fit(model, monkeypatch):
    from django.core.management import call_command

    from scoring import engine
    from scoring.models import RescoreRun
    from scoring.services import rescore_run_execute, rescore_runs

    contact = ContactFactory(company=CompanyFactory(industry="Software"))
    activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
    monkeypatch.setattr(rescore_runs, "enqueue_safely", lambda *args: False)
    rule = model.rules.get(name="Pricing")
    rule.points = 7
    rule.save()
    run = RescoreRun.objects.get(status="queued")

    def evaluated(*args, **kwargs):
        raise AssertionError("fit rules evaluated again for an interest rule change")

    with monkeypatch.context() as patched:
        patched.setattr(engine, "fit_parts_of", evaluated)
        rescore_run_execute(run_id=run.pk)
    stored = ContactScore.objects.get(contact=contact)
    assert (stored.fit, stored.interest) == (10, 7)

    # A profile changed behind the signals' back: `manage.py rescore` puts it right.
    from contacts.models import Company

    Company.objects.filter(pk=contact.company_id).update(industry="Retail")
    call_command("rescore", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ContactScore.objects.get(contact=contact).fit == 0
