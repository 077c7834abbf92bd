"""A sales rep logs in, narrows the contact list and reads a contact's timeline, in Chromium."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import ActivityKind, LifecycleStage
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory

# The live server needs committed data, so these tests are transactional; serialized_rollback
# puts back the role groups that a data migration created and each test's flush removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def contacts(rep):
    """Contacts of two accounts the rep owns (a rep sees only their accounts and leads)."""
    acme = CompanyFactory(
        name="Acme Robotics",
        industry="Manufacturing",
        country="Germany",
        employee_count=5000,
        account_owner=rep,
    )
    tiny = CompanyFactory(
        name="Tiny Apps", industry="Software", country="France", account_owner=rep
    )
    ada = ContactFactory(
        first_name="Ada",
        last_name="Lovelace",
        job_title="VP of Sales",
        company=acme,
        lifecycle_stage=LifecycleStage.MQL,
    )
    ContactFactory(first_name="Bob", last_name="Builder", company=tiny)
    ContactFactory(first_name="Cy", last_name="Cypher", company=tiny)
    now = timezone.now()
    ActivityFactory(
        contact=ada,
        kind=ActivityKind.PRICING_PAGE_VIEW,
        occurred_at=now - dt.timedelta(hours=2),
        properties={"url": "/pricing", "title": "Pricing plans"},
    )
    ActivityFactory(
        contact=ada,
        kind=ActivityKind.DEMO_REQUEST,
        occurred_at=now - dt.timedelta(hours=1),
        properties={"form_name": "Request a demo"},
    )
    return {"ada": ada}


def log_in(page, username: str, password: str) -> None:
    page.goto("/contacts/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_rep_filters_the_contact_list_and_opens_a_timeline(browser_page, rep, contacts, screenshot):
    page = browser_page
    log_in(page, "rita.rep", PASSWORD)

    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    expect(page.get_by_text("Sales rep")).to_be_visible()
    results = page.locator("#contact-results")
    rows = results.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(results).to_contain_text("3 contacts")

    # Typing filters in place (htmx swaps only the results) and keeps the filter in the URL.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("searchbox", name="Search").fill("lovelace")
    expect(rows).to_have_count(1)
    expect(results).to_contain_text("Ada Lovelace")
    expect(results).to_contain_text("Acme Robotics")
    expect(results).not_to_contain_text("Bob Builder")
    expect(results).to_contain_text("1 contact")
    expect(page).to_have_url(re.compile(r"/contacts/\?q=lovelace$"))
    assert page.evaluate("window.stillTheSamePage") is True, "the filter reloaded the whole page"
    screenshot(page, "filtered")

    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    timeline = page.locator(".timeline")
    expect(timeline.locator(".timeline-item")).to_have_count(2)
    # Newest first.
    expect(timeline.locator(".timeline-kind").first).to_have_text("Demo request")
    expect(timeline).to_contain_text("Request a demo")
    expect(timeline).to_contain_text("Pricing page view")
    expect(timeline).to_contain_text("/pricing")
    expect(page.get_by_text("2 activities")).to_be_visible()
    screenshot(page, "detail")

    # Back to the list: the browser must show the whole page, not the cached htmx fragment.
    page.go_back()
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("lovelace")
    expect(rows).to_have_count(1)

    assert page.problems == []


def test_the_filter_form_works_without_javascript(browser_page_without_js, rep, contacts):
    page = browser_page_without_js
    log_in(page, "rita.rep", PASSWORD)
    page.get_by_label("Stage").select_option("mql")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"lifecycle_stage=mql"))
    rows = page.locator("#contact-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ada Lovelace")
    assert page.problems == []


def test_wrong_password_shows_an_error_on_the_login_page(browser_page, rep, screenshot):
    page = browser_page
    log_in(page, "rita.rep", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_text("Leadscore").first).to_be_visible()
    screenshot(page)
