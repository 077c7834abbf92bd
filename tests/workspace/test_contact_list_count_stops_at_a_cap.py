"""
The contact list counts at most COUNT_CAP rows: a bigger list says "More than N contacts",
its pages stop at the cap and say how to reach the rest; a smaller one keeps its exact count.
"""

import pytest

from tests.factories import ContactFactory
from workspace import paging, views

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_contacts():
    return [ContactFactory(first_name=f"P{i}", last_name="Cap") for i in range(7)]


def test_a_list_past_the_cap_says_more_than_the_cap(manager_client, seven_contacts, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    response = manager_client.get("/contacts/")
    html = response.content.decode()
    assert "More than <strong>4</strong> contacts" in html
    assert "Page 1 of 2+" in html
    assert len(response.context["page"].object_list) == 2


def test_the_last_page_before_the_cap_asks_to_narrow_the_list(
    manager_client, seven_contacts, monkeypatch
):
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    html = manager_client.get("/contacts/", {"page": 2}).content.decode()
    assert "These are the first 4. Narrow the list" in html
    assert 'rel="next"' not in html


def test_a_list_under_the_cap_keeps_its_exact_count(manager_client, seven_contacts, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    html = manager_client.get("/contacts/").content.decode()
    assert "<strong>7</strong> contacts" in html
    assert "More than" not in html
    assert "Page 1 of 2<" in html


def test_the_capped_count_follows_the_filters(manager_client, seven_contacts, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    ContactFactory(first_name="Zed", last_name="Alone")
    html = manager_client.get("/contacts/", {"q": "Zed"}).content.decode()
    assert "<strong>1</strong> contact<" in html
