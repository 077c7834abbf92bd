"""
Sorted by grade x band, the contact list reads one page at a time from the score index: page
after page, it lists exactly the order of the full sort (the export's), ties newest first and
unscored contacts last, best first or worst first.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact
from scoring.models import ContactScore
from tests.factories import ContactFactory, score_of
from tests.routing.conftest import score
from workspace import selectors, views

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(scored):
    """`scored`'s six, plus a tie (same fit and interest, created apart) and two unscored."""
    now = timezone.now()
    for i, (fit, interest) in enumerate([(45, 30), (45, 30)]):
        contact = ContactFactory(first_name=f"Tie{i}", last_name="Test")
        score(contact, fit=fit, interest=interest)
        Contact.objects.filter(pk=contact.pk).update(created_at=now - timedelta(days=10 - i))
    for i in range(2):
        contact = ContactFactory(first_name=f"Unscored{i}", last_name="Test")
        ContactScore.objects.filter(contact=contact).delete()
    return scored


@pytest.mark.parametrize("sort", ["cell", "-cell"])
def test_every_page_follows_the_full_sort(manager, manager_client, people, monkeypatch, sort):
    expected = [c.pk for c in selectors.contact_rows_sorted(selectors.contact_rows(manager), sort)]
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    listed = []
    for number in range(1, 5):
        page = manager_client.get("/contacts/", {"sort": sort, "page": number}).context["page"]
        listed += [c.pk for c in page.object_list]
    assert listed == expected
    assert len(expected) == 10
    unscored = set(ContactScore.objects.values_list("contact_id", flat=True))
    assert all(pk not in unscored for pk in expected[-3:])  # the unscored come last


def test_the_rows_keep_their_score_and_owner_columns(manager_client, people):
    page = manager_client.get("/contacts/", {"sort": "cell"}).context["page"]
    first = page.object_list[0]
    assert first.first_name == "Ada"
    assert (score_of(first).grade, score_of(first).band) == ("A", 1)
    assert hasattr(first, "last_activity_at") and hasattr(first, "owner")


def test_a_filter_narrows_the_ranked_pages(manager_client, people):
    page = manager_client.get("/contacts/", {"sort": "cell", "q": "Tie"}).context["page"]
    assert [c.first_name for c in page.object_list] == ["Tie1", "Tie0"]
    assert page.paginator.count == 2
