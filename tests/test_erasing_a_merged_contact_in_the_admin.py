"""
A contact that other contacts were merged into can be erased in the admin by the roles that may
delete contacts: the merge's audit row (which holds the merged people's emails) goes with it.
"""

import pytest

from contacts.merging import contacts_merge
from contacts.models import Contact, ContactMerge
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged_into():
    target = ContactFactory(email="ada@acme.test")
    contacts_merge(target=target, duplicates=[ContactFactory(email="ada.l@acme.test")])
    assert ContactMerge.objects.filter(target=target).exists()
    return target


@pytest.mark.parametrize("persona", ["admin_client_persona", "ops_client"])
def test_a_merge_target_is_erased_with_its_merge_audit(request, persona, merged_into):
    client = request.getfixturevalue(persona)
    url = f"/admin/contacts/contact/{merged_into.pk}/delete/"
    assert "permission to delete the following types" not in client.get(url).content.decode()

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Contact.objects.filter(pk=merged_into.pk).exists()
    assert not ContactMerge.objects.filter(target_id=merged_into.pk).exists()
    assert not any("ada.l@acme.test" in m.merged_emails for m in ContactMerge.objects.all())
