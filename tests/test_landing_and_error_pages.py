"""Reps land on their queue; 403 and 404 pages are styled and keep the navigation."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_rep_lands_on_the_queue_after_logging_in(client, rep):
    rep.set_password("pw-for-test")
    rep.save()
    response = client.post("/login/", {"username": rep.username, "password": "pw-for-test"})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/queue/"


@pytest.mark.parametrize("persona", ["manager_client", "ops_client"])
def test_other_roles_land_on_contacts(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get("/")["Location"] == "/contacts/"


def test_a_user_without_a_role_gets_the_styled_403(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get("/")
    assert response.status_code == 403
    assert "ask an admin" in response.content.decode()


def test_403_is_a_styled_page_with_the_navigation(ops_client):
    response = ops_client.get("/queue/")
    html = response.content.decode()
    assert response.status_code == 403
    assert '<nav class="mainnav"' in html
    assert "You can\u2019t open this page" in html


def test_404_is_a_styled_page_with_the_navigation(rep_client):
    response = rep_client.get("/contacts/987654321/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<nav class="mainnav"' in html
    assert "This page doesn\u2019t exist" in html


def test_the_favicon_is_ours(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def test_redoc_loads_nothing_from_another_host(client):
    html = client.get("/api/v1/redoc/").content.decode()
    assert "googleapis" not in html and "gstatic" not in html
    assert "//cdn" not in html
    for url in __import__("re").findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
