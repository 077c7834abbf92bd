"""What each role may do, checked with one persona per role."""

import pytest
from django.contrib.auth.models import Group, Permission

from leadscore.roles import Role
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_the_four_roles_exist_as_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_sales_rep_reads_contacts_but_cannot_edit_companies_or_delete(rep):
    assert rep.has_perm("contacts.view_contact")
    assert rep.has_perm("contacts.add_outcome")
    assert not rep.has_perm("contacts.change_company")
    assert not rep.has_perm("contacts.delete_contact")
    assert not rep.is_staff


def test_sales_manager_may_correct_outcomes_and_companies(manager):
    assert manager.has_perm("contacts.change_outcome")
    assert manager.has_perm("contacts.change_company")
    assert not manager.has_perm("contacts.delete_contact")


def test_marketing_ops_manages_contact_data_in_the_admin(marketing_ops):
    assert marketing_ops.is_staff
    assert marketing_ops.has_perm("contacts.add_contact")
    assert marketing_ops.has_perm("contacts.delete_contact")
    assert not marketing_ops.has_perm("auth.change_user")


def test_admin_role_has_every_permission(admin_user):
    assert admin_user.is_staff
    assert admin_user.has_perm("auth.change_user")
    assert admin_user.has_perm("contacts.delete_outcome")
    # Scoring's models added after the roles (account scores, scoring lines) included.
    scoring = Permission.objects.filter(content_type__app_label="scoring")
    missing = [p.codename for p in scoring if not admin_user.has_perm(f"scoring.{p.codename}")]
    assert missing == []


def test_a_user_without_a_role_is_refused_the_contact_pages(client, no_role_user):
    contact = ContactFactory()
    client.force_login(no_role_user)
    assert client.get("/contacts/").status_code == 403
    assert client.get(f"/contacts/{contact.pk}/").status_code == 403


def test_each_role_sees_the_contact_list(rep, rep_client, manager_client, ops_client):
    # A rep sees the contacts of the accounts they own (and their leads).
    ContactFactory(first_name="Visible", company=CompanyFactory(account_owner=rep))
    for client in (rep_client, manager_client, ops_client):
        response = client.get("/contacts/")
        assert response.status_code == 200
        assert "Visible" in response.content.decode()


def test_marketing_ops_can_open_the_contact_admin_but_a_rep_cannot(ops_client, rep_client):
    assert ops_client.get("/admin/contacts/contact/").status_code == 200
    assert rep_client.get("/admin/contacts/contact/").status_code == 302
