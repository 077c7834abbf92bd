"""
The snippet cuts a page title at 300 UTF-16 units, which can split an emoji and leave a lone
"\\ud83d" escape in the JSON it sends. The page view (and a form post carrying such text) is
kept, the broken half shown as U+FFFD, instead of answering 500 and losing it.
"""

from __future__ import annotations

import pytest

from contacts.models import Activity, Contact
from website.models import PageView

from .conftest import ORIGIN, browser_headers, collect, visitor_id

pytestmark = pytest.mark.django_db

# What JSON.stringify sends for "a"*299 + "🚀" cut to 300 units: the pair's first half alone.
CUT_TITLE_JSON = '"' + "a" * 299 + '\\ud83d"'


def test_a_page_view_with_half_an_emoji_in_its_title_is_recorded(client, site):
    body = (
        f'{{"v": "{visitor_id()}", "url": "{ORIGIN}/launch", "title": {CUT_TITLE_JSON}, '
        '"referrer": "", "consent": true}'
    )
    response = collect(client, site, body)
    assert response.status_code == 200
    assert response.json()["recorded"] is True
    assert PageView.objects.get().title == "a" * 299 + "\ufffd"


def test_a_whole_emoji_is_kept_as_it_is(client, site):
    body = (
        f'{{"v": "{visitor_id()}", "url": "{ORIGIN}/", "title": "Launch \\ud83d\\ude80", '
        '"consent": true}'
    )
    assert collect(client, site, body).status_code == 200
    assert PageView.objects.get().title == "Launch 🚀"


def test_a_form_post_with_a_lone_surrogate_keeps_the_lead(client, contact_form):
    response = client.post(
        f"/w/f/{contact_form.public_key}/",
        data='{"email": "ada@acme-corp.com", "first_name": "Ada\\udc00", "note\\ud800": "hi"}',
        content_type="text/plain;charset=UTF-8",
        **browser_headers(),
    )
    assert response.status_code == 200
    contact = Contact.objects.get(email_normalized="ada@acme-corp.com")
    assert contact.first_name == "Ada\ufffd"
    assert Activity.objects.get(contact=contact).properties["fields"] == {"note\ufffd": "hi"}
