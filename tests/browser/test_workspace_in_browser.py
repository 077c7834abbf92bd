"""
The sales workspace in Chromium: sorting and filtering the contact list by score and exporting
exactly what it shows; acting on a lead from its contact page; every main page at phone width.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import ActivityKind
from leadscore.roles import Role, user_set_role
from routing.models import Assignment, AssignmentStatus, Strategy
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory, UserFactory
from tests.routing.conftest import RoutingRuleFactory, TeamFactory, route, score

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct horse battery staple"


def log_in(page, username: str, path: str = "/contacts/") -> None:
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.fixture
def hot_and_cold(rep):
    # The rep owns the account: a rep sees the contacts of the accounts they own.
    acme = CompanyFactory(
        name="Acme Robotics", industry="Software", country="Germany", account_owner=rep
    )
    people = {
        "Ada": (70, 80),
        "Bea": (65, 20),
        "Cal": (45, 60),
        "Dan": (62, 55),
        "Eve": (15, 5),
    }
    for first, (fit, interest) in people.items():
        contact = ContactFactory(first_name=first, last_name="Lead", company=acme)
        # The activity first: recording it rescores the contact (on commit) under the rule-less
        # test model; the stored scores below are then what the list shows.
        ActivityFactory(contact=contact, kind=ActivityKind.PRICING_PAGE_VIEW)
        score(contact, fit=fit, interest=interest)
    return people


def shown_names(page) -> list[str]:
    return page.locator("#contact-results tbody .row-link").all_inner_texts()


def test_sorting_and_filtering_by_score_then_exporting_exactly_the_rows(
    browser_page, rep, hot_and_cold, screenshot
):
    page = browser_page
    log_in(page, "rita.rep")
    results = page.locator("#contact-results")
    expect(results).to_contain_text("5 contacts")

    # Sort by fit, highest first, by clicking its header (htmx swaps the results in place).
    page.locator("th", has_text="Fit").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=-fit"))
    expect(results.locator("tbody tr").first).to_contain_text("Ada Lead")
    assert shown_names(page) == ["Ada Lead", "Bea Lead", "Dan Lead", "Cal Lead", "Eve Lead"]

    # Filter: grade A only and interest at least 50; the sort is kept.
    page.locator(".check-pill", has_text="A").first.click()
    expect(results).to_contain_text("3 contacts")
    page.get_by_label("Interest at least").fill("50")
    page.get_by_label("Interest at least").press("Tab")
    expect(results).to_contain_text("2 contacts")
    assert shown_names(page) == ["Ada Lead", "Dan Lead"]
    expect(page).to_have_url(re.compile(r"grade=A"))
    expect(page).to_have_url(re.compile(r"interest_min=50"))
    expect(page).to_have_url(re.compile(r"sort=-fit"))
    screenshot(page, "filtered")

    # Export: the CSV holds exactly the rows shown, in the same order.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    body = download_info.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [f"{r['first_name']} {r['last_name']}" for r in rows] == shown_names(page)
    assert [(r["grade"], r["fit"], r["interest"]) for r in rows] == [
        ("A", "70", "80"),
        ("A", "62", "55"),
    ]
    assert page.problems == []


def test_a_rep_accepts_then_wins_a_lead_from_its_contact_page(
    browser_page, rep, manager, screenshot
):
    team = TeamFactory(name="EMEA", manager=manager)
    from routing.models import RepProfile

    rep.first_name = "Rita"
    rep.save()
    RepProfile.objects.create(user=rep, team=team, capacity=25)
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    contact = ContactFactory(first_name="Hot", last_name="Prospect")
    ActivityFactory(
        contact=contact,
        kind=ActivityKind.DEMO_REQUEST,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
    )
    assignment = route(contact)
    assert assignment.rep == rep

    page = browser_page
    log_in(page, "rita.rep", f"/contacts/{contact.pk}/")
    panel = page.locator("#routing-panel")
    expect(panel).to_contain_text("Awaiting acceptance")
    expect(panel).to_contain_text("Routing decision log")
    screenshot(page, "pending")

    panel.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.locator(".messages")).to_contain_text("Accepted Hot Prospect")
    expect(page).to_have_url(re.compile(rf"/contacts/{contact.pk}/$"))
    expect(panel).to_contain_text("Accepted")
    expect(panel).to_contain_text("Accepted by Rita")

    panel.locator("summary", has_text="Won").click()
    panel.get_by_label("Amount").fill("24000")
    panel.get_by_role("button", name="Mark as won").click()
    expect(page.locator(".messages")).to_contain_text("Won: Hot Prospect")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WON
    expect(panel).to_contain_text("Won for $24,000")
    screenshot(page, "won")
    assert page.problems == []


# --- Phones ----------------------------------------------------------------------------------

MAIN_PAGES = {
    "rep": [
        "/queue/",
        "/queue/?tab=closed",
        "/contacts/",
        "/contacts/{contact}/",
        "/companies/",
        "/companies/{company}/",
        "/scoring/",
        "/contacts/{contact}/routing/",
        "/queue/{assignment}/",
        "/nope/",
    ],
    "manager": [
        "/queue/",
        "/queue/?tab=unassigned",
        "/contacts/",
        "/contacts/{contact}/",
        "/companies/",
        "/companies/{company}/",
        "/scoring/",
        "/reports/funnel/",
        "/queue/dry-run/?contact={contact}",  # the verdict and the team's reps
    ],
    "marketing": [
        "/contacts/",
        "/contacts/{contact}/",
        "/companies/{company}/",
        "/scoring/",
        "/reports/funnel/",
        "/predictive/",
        "/contacts/import/",
        "/queue/",
    ],
    "admin": [
        "/queue/",
        "/contacts/",
        "/companies/",
        "/scoring/",
        "/reports/funnel/",
        "/predictive/",
    ],
}


@pytest.fixture
def world(rep, manager):
    """A team with a pending lead at a company, and one user per role."""
    from routing.models import RepProfile

    team = TeamFactory(name="EMEA", manager=manager)
    RepProfile.objects.create(user=rep, team=team)
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    company = CompanyFactory(name="Very Long Company Name Incorporated International Holdings")
    contact = ContactFactory(
        first_name="Maximilian-Alexander",
        last_name="Prospect-With-A-Long-Name",
        email="maximilian.alexander.prospect-with-a-long-name@very-long-domain-example.com",
        job_title="Senior Vice President of Global Revenue Operations and Enablement",
        company=company,
    )
    ActivityFactory(contact=contact, properties={"url": "/a/very/long/url/" + "x" * 80})
    assignment = route(contact, fit=70, interest=80)
    marketing = UserFactory(username="mona.marketing")
    user_set_role(user=marketing, role=Role.MARKETING_OPS)
    admin = UserFactory(username="ada.admin", is_superuser=True)
    user_set_role(user=admin, role=Role.ADMIN)
    return {"contact": contact.pk, "company": company.pk, "assignment": assignment.pk}


USERS = {
    "rep": "rita.rep",
    "manager": "max.manager",
    "marketing": "mona.marketing",
    "admin": "ada.admin",
}


@pytest.mark.parametrize("role", list(MAIN_PAGES))
def test_every_main_page_fits_a_390_px_phone(browser_page, world, role, screenshot):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, USERS[role])
    too_wide = []
    for template in MAIN_PAGES[role]:
        path = template.format(**world)
        page.goto(path)
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        inner = page.evaluate("window.innerWidth")
        if width > inner:
            too_wide.append(f"{path}: {width} px wide")
        name = re.sub(r"[^a-z0-9]+", "-", path).strip("-") or "home"
        screenshot(page, name)
    assert too_wide == []
    assert Assignment.objects.filter(pk=world["assignment"]).exists()


def test_queue_actions_are_reachable_on_a_phone(browser_page, world, screenshot):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "rita.rep", "/queue/")
    card = page.locator(f"#lead-{world['assignment']}")
    accept = card.get_by_role("button", name=re.compile("^Accept"))
    accept.scroll_into_view_if_needed()
    expect(accept).to_be_in_viewport()
    card.get_by_role("button", name=re.compile("^Reject")).or_(
        card.locator("summary", has_text="Reject")
    ).first.click()
    sheet = card.locator(".popover-panel").first
    expect(sheet).to_be_in_viewport(ratio=1)
    screenshot(page, "reject-sheet")
