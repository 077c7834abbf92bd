"""
A website form's fields on the contact page's timeline: a field whose name is long and has no
spaces wraps within its share of the line, and its value keeps the rest. Before, the name took
the whole line at 390 px and its value came out one letter a line.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from contacts.services import activity_record
from tests.browser.test_queue_in_browser import log_in
from tests.factories import ContactFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_NAME = "preferred_contact_window_for_the_enterprise_team"


@pytest.mark.parametrize("width", [390, 1440])
def test_a_long_field_name_leaves_its_value_room(width, browser_page, marketing_ops, screenshot):
    contact = ContactFactory()
    activity_record(
        contact=contact,
        kind="contact_sales",
        occurred_at=timezone.now(),
        properties={"fields": {LONG_NAME: "Tuesdays or Thursdays after 2 pm, Central European"}},
    )
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, marketing_ops.username)
    page.goto(f"/contacts/{contact.pk}/")
    field = page.locator(".timeline-field").first
    value = field.locator("dd").bounding_box()
    screenshot(page, f"{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert value["width"] >= field.bounding_box()["width"] * 0.5  # words, not letters
