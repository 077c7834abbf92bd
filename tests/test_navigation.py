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
    assert items[:3] == ["Queue", "Contacts", "Scoring"]
    assert "Funnel" not in items
    assert "Admin" not in items


def test_a_manager_also_sees_the_funnel(manager_client):
    assert "Funnel" in nav_items(manager_client)


def test_marketing_ops_sees_the_funnel_and_the_admin(ops_client):
    items = nav_items(ops_client)
    assert "Funnel" in items
    assert "Admin" in items
