"""Each user saves list views (filters and sort) under a name and reopens them."""

from __future__ import annotations

import pytest

from workspace.models import SavedView

pytestmark = pytest.mark.django_db


def test_saving_a_view_keeps_its_query_and_lists_it_for_that_user_only(
    rep, rep_client, manager_client, scored
):
    response = rep_client.post(
        "/contacts/views/", {"name": "Hot leads XYZ", "query": "grade=A&band=1&sort=-fit&page=3"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?grade=A&band=1&sort=-fit"
    view = SavedView.objects.get(user=rep)
    assert view.query == "grade=A&band=1&sort=-fit"
    assert "Hot leads XYZ" in rep_client.get("/contacts/").content.decode()
    assert "Hot leads XYZ" not in manager_client.get("/contacts/").content.decode()


def test_saving_under_the_same_name_replaces_the_view(rep, rep_client):
    rep_client.post("/contacts/views/", {"name": "Mine", "query": "grade=A"})
    rep_client.post("/contacts/views/", {"name": "Mine", "query": "grade=B"})
    assert list(SavedView.objects.filter(user=rep).values_list("query", flat=True)) == ["grade=B"]


def test_a_view_needs_a_name(rep, rep_client):
    response = rep_client.post("/contacts/views/", {"name": "  ", "query": "grade=A"}, follow=True)
    assert "Give the view a name." in response.content.decode()
    assert not SavedView.objects.exists()


def test_nobody_deletes_another_users_view(rep, manager, rep_client, manager_client):
    view = SavedView.objects.create(user=rep, name="Mine", query="grade=A")
    manager_client.post(f"/contacts/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()
    rep_client.post(f"/contacts/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()
