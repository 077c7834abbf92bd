"""Duplicates are found; a merge keeps every activity, outcome and assignment, rescoring once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.merging import contact_duplicates, contacts_merge
from contacts.models import (
    Activity,
    Contact,
    ContactHolder,
    ContactIdentity,
    ContactMerge,
    Outcome,
)
from contacts.services import contact_holder_record
from contacts.signals import contacts_bulk_changed
from routing.models import Assignment, AssignmentStatus
from scoring.models import Qualification
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory, OutcomeFactory
from tests.routing.conftest import qualify

pytestmark = pytest.mark.django_db


def test_duplicates_are_same_name_with_same_phone_or_company_not_name_alone():
    acme = CompanyFactory()
    ana = ContactFactory(
        first_name="Ana", last_name="Silva", phone="+351 21 123 4567", company=acme
    )
    same_phone = ContactFactory(first_name="ana", last_name="SILVA", phone="021-1234567")
    same_company = ContactFactory(first_name="Ana", last_name="Silva", company=acme)
    namesake = ContactFactory(first_name="Ana", last_name="Silva", phone="999 000 111")
    found = set(contact_duplicates(contact=ana))
    assert found == {same_phone, same_company} and namesake not in found


def _assignment(contact, status):
    qualification = qualify(contact)
    return Assignment.objects.create(
        qualification=qualification, contact=contact, status=status, assigned_at=timezone.now()
    )


def test_a_merge_keeps_every_activity_outcome_identity_and_assignment(rep):
    keep = ContactFactory(first_name="", email="ana@acme.example", phone="")
    dup = ContactFactory(first_name="Ana", phone="+351 1", unsubscribed=True)
    ActivityFactory.create_batch(3, contact=keep)
    ActivityFactory.create_batch(2, contact=dup)
    OutcomeFactory(contact=dup, result="lost")
    ContactIdentity.objects.create(contact=dup, source="hubspot", external_id="55")
    kept_assignment = _assignment(keep, AssignmentStatus.UNASSIGNED)
    dup_assignment = Assignment.objects.create(
        qualification=qualify(ContactFactory()),
        contact=dup,
        status=AssignmentStatus.ACCEPTED,
        rep=rep,
    )
    Qualification.objects.filter(pk=dup_assignment.qualification_id).update(contact=dup)

    record = contacts_merge(target=keep, duplicates=[dup])

    assert not Contact.objects.filter(pk=dup.pk).exists()
    keep.refresh_from_db()
    assert Activity.objects.filter(contact=keep).count() == 5
    assert Outcome.objects.get().contact == keep
    assert ContactIdentity.objects.get().contact == keep
    assert set(Assignment.objects.values_list("contact_id", flat=True)) == {keep.pk}
    # One open qualification per lead: the one a rep accepted stays open, the other is closed.
    assert Qualification.objects.filter(contact=keep, closed_at__isnull=True).count() == 1
    dup_assignment.refresh_from_db()
    kept_assignment.refresh_from_db()
    assert dup_assignment.status == AssignmentStatus.ACCEPTED
    assert kept_assignment.status == AssignmentStatus.MERGED
    # The kept contact keeps its values, takes the duplicate's where empty, and consent stays.
    assert (keep.email, keep.first_name, keep.phone) == ("ana@acme.example", "Ana", "+351 1")
    assert keep.unsubscribed is True
    assert record.merged_ids == [dup.pk] and record.moved["contacts.Activity"] == 2
    assert ContactMerge.objects.get().target == keep


def test_a_merge_announces_the_kept_contact_for_rescoring_once():
    keep, dup1, dup2 = ContactFactory(), ContactFactory(), ContactFactory()
    ActivityFactory(contact=dup1)
    ActivityFactory(contact=dup2)
    sent = []

    def receiver(sender, contact_ids, reason, **kwargs):
        sent.append(list(contact_ids))

    contacts_bulk_changed.connect(receiver)
    try:
        contacts_merge(target=keep, duplicates=[dup1, dup2])
    finally:
        contacts_bulk_changed.disconnect(receiver)
    assert sent == [[keep.pk]]


def test_marketing_merges_through_the_api_and_reps_may_not(ops_api, rep_api):
    keep, dup = ContactFactory(), ContactFactory()
    ActivityFactory(contact=dup)
    refused = rep_api.post(f"/api/v1/contacts/{keep.pk}/merge/", {"duplicates": [dup.pk]})
    assert refused.status_code in (403, 404)
    response = ops_api.post(
        f"/api/v1/contacts/{keep.pk}/merge/", {"duplicates": [dup.pk]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == keep.pk
    assert Activity.objects.get().contact_id == keep.pk
    missing = ops_api.post(
        f"/api/v1/contacts/{keep.pk}/merge/", {"duplicates": [dup.pk]}, format="json"
    )
    assert missing.status_code == 400 and str(dup.pk) in missing.json()["detail"]


def test_the_api_lists_a_contacts_duplicates(ops_api):
    ana = ContactFactory(first_name="Ana", last_name="Lee", phone="555 123 4567")
    twin = ContactFactory(first_name="Ana", last_name="Lee", phone="(555) 123-4567")
    response = ops_api.get(f"/api/v1/contacts/{ana.pk}/duplicates/")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [twin.pk]


def test_the_admin_action_merges_the_selected_into_the_oldest(admin_client_persona):
    old, new = ContactFactory(), ContactFactory()
    ActivityFactory(contact=new)
    response = admin_client_persona.post(
        "/admin/contacts/contact/",
        {"action": "merge_selected", "_selected_action": [old.pk, new.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Merged 1 contact(s)" in response.content.decode()
    assert list(Contact.objects.values_list("pk", flat=True)) == [old.pk]
    assert Activity.objects.get().contact_id == old.pk


def test_contacts_held_by_the_same_rep_merge_into_one_holding(rep, manager):
    keep, dup, other = ContactFactory(), ContactFactory(), ContactFactory()
    earlier = timezone.now() - timedelta(days=3)
    contact_holder_record(contact_id=keep.pk, user_id=rep.pk, at=timezone.now())
    contact_holder_record(contact_id=dup.pk, user_id=rep.pk, at=earlier)
    contact_holder_record(contact_id=other.pk, user_id=rep.pk, at=earlier)
    contact_holder_record(contact_id=dup.pk, user_id=manager.pk, at=earlier)

    contacts_merge(target=keep, duplicates=[dup, other])

    held = sorted(ContactHolder.objects.values_list("contact_id", "user_id", "first_held_at"))
    assert held == sorted([(keep.pk, rep.pk, earlier), (keep.pk, manager.pk, earlier)])
