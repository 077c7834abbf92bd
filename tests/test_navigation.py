"""The top navigation shows each role the sections it may open."""

import re

import pytest

pytestmark = pytest.mark.django_db


def nav_items(client) -> list[str]:
    html = client.get("/contacts/").content.decode()
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    return [
        re.sub(r"<[^>]+>|\d+", "", item).strip()
        for item in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)
    ]


def test_a_rep_sees_the_queue_but_neither_the_funnel_nor_the_admin(rep_client):
    items = nav_items(rep_client)
    assert items[:4] == ["Queue", "Contacts", "Companies", "Scoring"]
    assert "Funnel" not in items
    assert "Admin" not in items


def test_a_manager_also_sees_the_funnel(manager_client):
    assert "Funnel" in nav_items(manager_client)


def test_marketing_ops_sees_the_funnel_and_the_admin(ops_client):
    items = nav_items(ops_client)
    assert "Funnel" in items
    assert "Admin" in items


def test_marketing_ops_sees_no_queue_link_since_it_has_no_queue(ops_client):
    assert "Queue" not in nav_items(ops_client)
    assert ops_client.get("/queue/").status_code == 403


def test_every_nav_link_opens_for_its_role(rep_client, manager_client, ops_client):
    for client in (rep_client, manager_client, ops_client):
        html = client.get("/contacts/").content.decode()
        nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
        for href in re.findall(r'href="([^"]+)"', nav):
            if href.startswith("/admin/"):
                continue
            assert client.get(href).status_code == 200, href
