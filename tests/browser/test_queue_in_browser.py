"""A rep works the sales queue in Chromium: ranked leads, a row expanded in place, accept; a
manager sees the team's load and assigns a lead nobody could take."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import ActivityKind
from routing.models import Assignment, AssignmentStatus, RepProfile, Strategy
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory
from tests.routing.conftest import RoutingRuleFactory, TeamFactory, make_rep, route

# The live server needs committed data, so these tests are transactional; serialized_rollback
# puts back the role groups that data migrations created and each test's flush removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct horse battery staple"

# name, title, company, industry, employees, country, fit, interest, activity
LEADS = [
    (
        "Ada",
        "Lovelace",
        "VP of Sales",
        "Acme Robotics",
        "Manufacturing",
        5000,
        "Germany",
        72,
        61,
        ActivityKind.DEMO_REQUEST,
    ),
    (
        "Grace",
        "Hopper",
        "Head of Marketing",
        "Northwind Cloud",
        "Software",
        850,
        "United Kingdom",
        64,
        38,
        ActivityKind.PRICING_PAGE_VIEW,
    ),
    (
        "Alan",
        "Turing",
        "Director of Revenue Operations",
        "Bletchley Analytics",
        "Software",
        420,
        "United Kingdom",
        48,
        55,
        ActivityKind.WEBINAR_ATTENDED,
    ),
    (
        "Katherine",
        "Johnson",
        "Marketing Manager",
        "Orbit Payments",
        "Financial services",
        1200,
        "France",
        41,
        24,
        ActivityKind.CONTENT_DOWNLOAD,
    ),
    (
        "Linus",
        "Pauling",
        "Growth Lead",
        "Helix Health",
        "Healthcare",
        160,
        "Netherlands",
        26,
        33,
        ActivityKind.EMAIL_CLICK,
    ),
]

# Leads the round robin shares among Rita, Ben and Cy (Ana is away).
TEAM_LEADS = [
    ("Marie", "Curie", "CTO", "Radium Labs"),
    ("Niels", "Bohr", "Head of Sales", "Quantum Retail"),
    ("Lise", "Meitner", "VP Marketing", "Fission Energy"),
    ("Emmy", "Noether", "Director of Growth", "Symmetry Software"),
    ("Max", "Planck", "CFO", "Constant Capital"),
]


def build_world(manager, rep):
    """Rita (the rep persona), Ben and Cy in EMEA; realistic leads with scores and activity."""
    team = TeamFactory(name="EMEA", manager=manager)
    rep.first_name, rep.last_name = "Rita", "Reyes"
    rep.save()
    RepProfile.objects.create(user=rep, team=team, capacity=12)
    ben = make_rep(team, "Ben", capacity=8)
    cy = make_rep(team, "Cy", capacity=10)
    ana = make_rep(team, "Ana", out_of_office_until=timezone.localdate() + dt.timedelta(days=4))
    rita_rule = RoutingRuleFactory(
        name="EMEA SaaS",
        team=team,
        strategy=Strategy.NAMED_REP,
        named_rep=rep,
        account_match=False,
        sla_minutes=240,
        hand_raise_sla_minutes=60,
    )
    now = timezone.now()
    for i, (first, last, title, company, industry, size, country, fit, interest, kind) in enumerate(
        LEADS
    ):
        contact = ContactFactory(
            first_name=first,
            last_name=last,
            job_title=title,
            email=f"{first.lower()}@{company.split()[0].lower()}.example",
            company=CompanyFactory(
                name=company, industry=industry, employee_count=size, country=country
            ),
        )
        ActivityFactory(contact=contact, kind=kind, occurred_at=now - dt.timedelta(hours=1 + 7 * i))
        route(
            contact,
            fit=fit,
            interest=interest,
            hand_raise=kind == ActivityKind.DEMO_REQUEST,
            fit_reason="VP title" if "VP" in title else "Target industry",
            interest_reason=kind.label,
            times=1 + i % 3,
            now=now - dt.timedelta(minutes=20 + 45 * i),
        )
    rita_rule.is_active = False
    rita_rule.save()
    RoutingRuleFactory(
        name="EMEA round robin", team=team, strategy=Strategy.ROUND_ROBIN, account_match=False
    )
    for i, (first, last, title, company) in enumerate(TEAM_LEADS):
        contact = ContactFactory(
            first_name=first,
            last_name=last,
            job_title=title,
            company=CompanyFactory(name=company, country="Germany", employee_count=300 + 40 * i),
        )
        ActivityFactory(contact=contact, occurred_at=now - dt.timedelta(days=1 + i))
        route(contact, fit=30, interest=22, now=now - dt.timedelta(hours=3 + i))
    # One lead nobody can take: Japan goes to Ana, who is away.
    RoutingRuleFactory(
        name="Japan",
        team=team,
        countries="Japan",
        position=0,
        strategy=Strategy.NAMED_REP,
        named_rep=ana,
    )
    route(
        ContactFactory(
            first_name="Yuki",
            last_name="Tanaka",
            job_title="COO",
            company=CompanyFactory(name="Sakura Logistics", country="Japan", industry="Logistics"),
        ),
        fit=66,
        interest=52,
    )
    return team, ben, cy


def log_in(page, username: str) -> None:
    page.goto("/queue/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_rep_sees_the_ranked_queue_expands_a_lead_and_accepts_it(
    browser_page, rep, manager, screenshot
):
    build_world(manager, rep)
    page = browser_page
    log_in(page, "rita.rep")

    expect(page.get_by_role("heading", name="Your queue", level=1)).to_be_visible()
    items = page.locator("#queue tbody.q-item")
    expect(items).to_have_count(7)
    # Ranked by grade x band (A1, A2, B1, B2, C2...), then score, then latest activity.
    expect(page.locator("#queue .q-lead .row-link")).to_have_text(
        [
            "Ada Lovelace",
            "Grace Hopper",
            "Alan Turing",
            "Katherine Johnson",
            "Linus Pauling",
            "Marie Curie",
            "Emmy Noether",
        ]
    )
    first = items.first
    expect(first).to_contain_text("VP of Sales")
    expect(first).to_contain_text("Acme Robotics")
    expect(first).to_contain_text("VP title: +72")
    expect(first).to_contain_text("Hand-raise")
    expect(first.locator(".sla-text")).to_contain_text("left")
    expect(page.locator(".q-stat").first).to_contain_text("7")
    screenshot(page, "rep-queue")

    # Expand the top lead in place: routing log and the score breakdown, no page load.
    page.evaluate("window.stillTheSamePage = true")
    first.get_by_role("link", name="Details for Ada Lovelace").click()
    detail = first.locator(".q-detail")
    expect(detail).to_be_visible()
    expect(detail.locator(".decision-sentence").first).to_contain_text(
        "Matched 'EMEA SaaS'; named rep; assigned to Rita"
    )
    expect(detail.locator("#score-panel")).to_be_visible()
    expect(detail.locator("#score-panel")).to_contain_text("VP title")
    expect(detail.locator(".mini-timeline")).to_contain_text("Demo request")
    screenshot(page, "rep-expanded-row")
    first.get_by_role("link", name="Details for Ada Lovelace").click()
    expect(detail).to_be_hidden()

    # Accept: the lead leaves the open list and shows up under Accepted, all in place.
    first.get_by_role("button", name="Accept Ada Lovelace").click()
    expect(page.locator(".toast")).to_contain_text("Accepted Ada Lovelace")
    expect(items).to_have_count(6)
    expect(page.locator("#queue .q-lead .row-link").first).to_have_text("Grace Hopper")
    accepted_tab = page.get_by_role("link", name=re.compile(r"^Accepted"))
    expect(accepted_tab.locator(".q-tab-count")).to_have_text("1")
    assert page.evaluate("window.stillTheSamePage") is True, "accepting reloaded the page"
    screenshot(page, "rep-after-accept")

    accepted_tab.click()
    expect(page).to_have_url(re.compile(r"tab=accepted"))
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Ada Lovelace")
    expect(items.first.locator("summary", has_text="Won")).to_be_visible()
    assert Assignment.objects.get(contact__first_name="Ada").status == AssignmentStatus.ACCEPTED
    assert page.problems == []


def test_reject_needs_a_reason_and_sends_the_lead_back(browser_page, rep, manager):
    build_world(manager, rep)
    page = browser_page
    log_in(page, "rita.rep")
    item = page.locator("#queue tbody.q-item", has_text="Linus Pauling")
    item.locator("summary", has_text="Reject").click()
    menu = item.locator("details[open]")
    menu.get_by_label("Reason").select_option("bad_timing")
    menu.get_by_label(re.compile("^Note")).fill("Budget opens in Q3")
    menu.get_by_role("button", name="Reject lead").click()
    expect(page.locator(".toast")).to_contain_text("Rejected Linus Pauling")
    expect(page.locator("#queue tbody.q-item")).to_have_count(6)
    assignment = Assignment.objects.get(contact__first_name="Linus")
    assert assignment.close_reason == "Bad timing: Budget opens in Q3"
    assert page.problems == []


def test_manager_sees_team_load_and_assigns_an_unassigned_lead(
    browser_page, rep, manager, screenshot
):
    build_world(manager, rep)
    page = browser_page
    log_in(page, "max.manager")

    expect(page.get_by_role("heading", name="Team queue", level=1)).to_be_visible()
    load = page.locator(".load-card", has_text="Rita Reyes")
    expect(load).to_contain_text("/ 12 open")
    expect(page.locator(".load-card", has_text="Ana Rep")).to_contain_text("Away until")
    expect(page.locator("#queue tbody.q-item")).to_have_count(10)
    screenshot(page, "manager-team-queue")

    page.get_by_role("link", name=re.compile(r"^Unassigned")).click()
    item = page.locator("#queue tbody.q-item", has_text="Yuki Tanaka")
    expect(item).to_contain_text("nobody can take it: Unassigned")
    screenshot(page, "manager-unassigned")
    item.locator("summary", has_text="Assign").click()
    menu = item.locator("details[open]")
    menu.get_by_label("Rep").select_option(label="Ben Rep · EMEA")
    menu.get_by_label(re.compile("^Reason")).fill("Ben speaks Japanese")
    menu.get_by_role("button", name="Assign").click()
    expect(page.locator(".toast")).to_contain_text("Reassigned Yuki Tanaka to Ben Rep")
    expect(page.locator("#queue tbody.q-item")).to_have_count(0)
    assignment = Assignment.objects.get(contact__first_name="Yuki")
    assert assignment.rep.first_name == "Ben"
    assert "Ben speaks Japanese" in assignment.decisions.first().sentence
    assert page.problems == []
