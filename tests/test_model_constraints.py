import pytest
from django.db import IntegrityError, transaction

from contacts.models import Activity, ActivityKind, Company, Outcome
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_contact_email_in_another_case_is_rejected():
    ContactFactory(email="Jane.Doe@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(email="jane.doe@example.COM")


def test_activity_with_the_same_source_and_external_id_is_rejected():
    activity = ActivityFactory(source="webflow", external_id="evt-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(contact=activity.contact, source="webflow", external_id="evt-1")
    assert Activity.objects.count() == 1


def test_same_external_id_from_another_source_is_a_different_event():
    first = ActivityFactory(source="webflow", external_id="evt-1")
    ActivityFactory(contact=first.contact, source="segment", external_id="evt-1")
    assert Activity.objects.count() == 2


def test_activities_without_external_id_are_never_deduplicated():
    first = ActivityFactory(source="webflow", external_id="")
    ActivityFactory(contact=first.contact, source="webflow", external_id="")
    assert Activity.objects.count() == 2


def test_custom_activity_must_be_named():
    contact = ContactFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(contact=contact, kind=ActivityKind.CUSTOM, custom_kind="")
    ActivityFactory(contact=contact, kind=ActivityKind.CUSTOM, custom_kind="partner_call")
    assert contact.activities.get().kind_label == "Partner call"


def test_company_domain_is_normalised_and_unique():
    company = CompanyFactory(domain="https://www.Acme.COM/about")
    assert company.domain == "acme.com"
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyFactory(domain="ACME.com")
    assert Company.objects.count() == 1


def test_outcome_belongs_to_exactly_one_of_contact_or_company():
    contact = ContactFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.create(
            contact=contact, company=contact.company, result="won", decided_at=contact.created_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.create(result="won", decided_at=contact.created_at)


def test_only_a_lost_outcome_carries_a_reason():
    contact = ContactFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.create(
            contact=contact, result="won", decided_at=contact.created_at, lost_reason="price"
        )
