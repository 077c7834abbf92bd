"""`manage.py website_links URL` writes each contact's signed link for a mail merge."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ContactFactory
from website.tokens import identify_token_contact_id

pytestmark = pytest.mark.django_db


def test_each_contact_gets_a_link_naming_only_them(tmp_path):
    ada = ContactFactory(email="ada@acme.example")
    ContactFactory(email="gone@acme.example", unsubscribed=True)
    out = tmp_path / "links.csv"
    call_command(
        "website_links", "https://www.acme.example/offer?x=1", out=str(out), stderr=io.StringIO()
    )
    rows = list(csv.DictReader(out.open()))
    assert [r["email"] for r in rows] == ["ada@acme.example"]
    query = parse_qs(urlsplit(rows[0]["link"]).query)
    assert query["x"] == ["1"]
    assert identify_token_contact_id(query["ls_t"][0]) == ada.pk


def test_a_bad_url_is_refused():
    with pytest.raises(CommandError, match="Not an http"):
        call_command("website_links", "javascript:alert(1)")
