"""Marketing (and admins) see anonymous website visitors and what they viewed; reps do not."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.factories import ContactFactory
from website.models import PageView, Visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitors(site):
    now = timezone.now()
    anon = Visitor.objects.create(
        site=site,
        visitor_id="a" * 32,
        first_seen_at=now - dt.timedelta(days=2),
        last_seen_at=now,
        page_view_count=2,
        first_referrer="https://news.ycombinator.com/item?id=1",
        last_url="https://www.acme.example/pricing",
    )
    PageView.objects.create(
        visitor=anon,
        occurred_at=now - dt.timedelta(days=2),
        url="https://www.acme.example/",
        path="/",
        title="Home <script>alert(1)</script>",
    )
    PageView.objects.create(
        visitor=anon,
        occurred_at=now,
        url="https://www.acme.example/pricing",
        path="/pricing",
        title="Pricing",
        utm={"utm_source": "newsletter", "utm_campaign": "june"},
    )
    known = Visitor.objects.create(
        site=site,
        visitor_id="b" * 32,
        first_seen_at=now,
        last_seen_at=now,
        contact=ContactFactory(first_name="Kim", last_name="Known"),
    )
    return {"anon": anon, "known": known}


def text(response) -> str:
    """What the user reads: the page without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def nav_items(client) -> list[str]:
    html = client.get("/contacts/").content.decode()
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    return [re.sub(r"<[^>]+>|\d+", "", i).strip() for i in re.findall(r"<a [^>]*>(.*?)</a>", nav)]


def test_marketing_sees_anonymous_visitors_by_default(ops_client, visitors):
    response = ops_client.get("/website/visitors/")
    html = response.content.decode()
    assert "1 visitor " in text(response)
    assert "aaaaaaaa" in html and "bbbbbbbb" not in html
    assert "news.ycombinator.com" in html
    assert "https://www.acme.example/pricing" in html


def test_identified_and_all_visitors_can_be_listed(ops_client, visitors):
    identified = ops_client.get("/website/visitors/?status=identified").content.decode()
    assert "Kim Known" in identified and "aaaaaaaa" not in identified
    assert "2 visitors" in text(ops_client.get("/website/visitors/?status=all"))


def test_a_visitor_page_lists_its_page_views_escaped(ops_client, visitors):
    html = ops_client.get(f"/website/visitors/{visitors['anon'].pk}/").content.decode()
    assert "2 page views" in html
    assert "Pricing" in html and "newsletter · june" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_an_admin_sees_visitors_too(admin_client_persona, visitors):
    assert admin_client_persona.get("/website/visitors/").status_code == 200


@pytest.mark.parametrize("persona", ["rep_client", "manager_client"])
def test_sales_may_not_open_the_visitors_pages(request, persona, visitors):
    client = request.getfixturevalue(persona)
    assert client.get("/website/visitors/").status_code == 403
    assert client.get(f"/website/visitors/{visitors['anon'].pk}/").status_code == 403
    assert "Visitors" not in nav_items(client)


def test_marketing_finds_visitors_in_the_navigation(ops_client, db):
    assert "Visitors" in nav_items(ops_client)


def test_bad_filters_fall_back_instead_of_failing(ops_client, visitors):
    response = ops_client.get("/website/visitors/?status=nope&site=abc&page=xyz")
    assert response.status_code == 200
    assert "1 visitor " in text(response)


def test_logged_out_people_are_sent_to_log_in(client, visitors):
    response = client.get("/website/visitors/")
    assert response.status_code == 302 and "/login/" in response["Location"]
