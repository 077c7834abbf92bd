"""The contact list answers "who is hot": score columns, sorting on each, score filters."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ActivityFactory, ContactFactory, UserFactory
from tests.routing.conftest import qualify, score

pytestmark = pytest.mark.django_db


# The list itself (columns, sorting, filters) is what these tests are about, so most read it as
# the sales manager, who sees every contact; reps see only their accounts and leads (see
# tests/routing/test_rep_visibility_everywhere.py).


def names(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="row-link">([^<]+)</a>', html)


def test_the_list_shows_grade_band_fit_interest_and_owner(manager_client, scored):
    html = manager_client.get("/contacts/?sort=cell").content.decode()
    ada_row = html[html.index("Ada Test") : html.index("</tr>", html.index("Ada Test"))]
    assert 'grade grade-A">A<' in ada_row
    assert 'band band-1">1<' in ada_row
    assert ">70<" in ada_row and ">80<" in ada_row


def test_sorting_by_grade_and_band_puts_the_hottest_first_and_unscored_last(manager_client, scored):
    assert names(manager_client.get("/contacts/?sort=cell")) == [
        "Ada Test",
        "Di Test",
        "Bob Test",
        "Cy Test",
        "Ed Test",
        "Nobody Unscored",
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-fit", ["Ada", "Di", "Bob", "Cy", "Ed", "Nobody"]),
        ("fit", ["Ed", "Cy", "Bob", "Di", "Ada", "Nobody"]),
        ("-interest", ["Ada", "Cy", "Bob", "Di", "Ed", "Nobody"]),
    ],
)
def test_sorting_by_a_score_either_way_keeps_unscored_contacts_last(
    manager_client, scored, sort, expected
):
    assert [n.split()[0] for n in names(manager_client.get(f"/contacts/?sort={sort}"))] == expected


def test_an_unknown_sort_falls_back_to_newest_first(manager_client, scored):
    response = manager_client.get("/contacts/?sort=password")
    assert response.status_code == 200
    assert names(response)[0] == "Nobody Unscored"


def test_filters_on_grade_band_and_score_ranges_combine(manager_client, scored):
    assert sorted(names(manager_client.get("/contacts/?grade=A"))) == ["Ada Test", "Di Test"]
    assert sorted(names(manager_client.get("/contacts/?grade=A&grade=C&band=1"))) == [
        "Ada Test",
        "Cy Test",
    ]
    assert sorted(names(manager_client.get("/contacts/?fit_min=40&interest_max=50"))) == [
        "Bob Test",
        "Di Test",
    ]


def test_the_mql_filter_means_an_open_qualification(manager_client, scored):
    qualify(scored["bob"], fit=45, interest=30)
    assert names(manager_client.get("/contacts/?mql=true")) == ["Bob Test"]
    assert "Bob Test" not in names(manager_client.get("/contacts/?mql=false"))


def test_the_owner_filter_finds_the_account_owner_and_me(rep, rep_client, manager_client, scored):
    other = UserFactory(first_name="Olga")
    company = scored["ada"].company
    company.account_owner = rep
    company.save()
    shown = names(rep_client.get("/contacts/?owner=me"))
    assert sorted(shown) == ["Ada Test", "Bob Test", "Cy Test", "Di Test", "Ed Test"]
    # The rep sees only their account; the rest of the filter reads the whole list.
    assert names(manager_client.get(f"/contacts/?owner={rep.pk}")) == sorted(shown, reverse=True)
    assert names(manager_client.get(f"/contacts/?owner={other.pk}")) == []
    assert names(manager_client.get("/contacts/?owner=none")) == ["Nobody Unscored"]
    assert names(manager_client.get("/contacts/?owner=garbage")) == []


def test_bad_filter_values_answer_with_the_form_error_not_a_crash(rep_client, scored):
    response = rep_client.get("/contacts/?fit_min=lots&grade=Z")
    assert response.status_code == 200
    assert "Fit at least" in response.content.decode()


def _queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_page(manager_client, scored, settings):
    few = _queries_for(manager_client, "/contacts/?sort=cell&q=Test")
    for i in range(60):
        contact = ContactFactory(first_name=f"More{i}", last_name="Test")
        score(contact, fit=i, interest=i)
        ActivityFactory(contact=contact)
    many = _queries_for(manager_client, "/contacts/?sort=cell&q=Test")
    assert few == many
