"""
In Chromium: a rep rejects a lead from her queue; the lead comes back on a new demo request and
routing gives it to another rep (the cool-off keeps it from her), which both reps' queues and
the lead's decision log show.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import ActivityKind
from contacts.services import activity_record
from routing.models import Assignment, AssignmentStatus, RepProfile, Strategy
from tests.factories import ContactFactory, InterestRuleFactory
from tests.routing.conftest import RoutingRuleFactory, TeamFactory, live_model, make_rep, route

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct horse battery staple"


def log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/queue/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_rejected_lead_goes_to_another_rep_on_its_next_hand_raise(
    browser_page, rep, manager, screenshot
):
    team = TeamFactory(name="EMEA", manager=manager)
    rep.first_name, rep.last_name = "Rita", "Reyes"
    rep.save()
    RepProfile.objects.create(user=rep, team=team)
    ben = make_rep(team, "Ben")
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    model = live_model()
    model.is_live = True
    model.save()
    InterestRuleFactory(
        scoring_model=model,
        name="Requested a demo",
        activity_kind=ActivityKind.DEMO_REQUEST,
        is_hand_raise=True,
        points=1,
    )
    lead = route(ContactFactory(first_name="Lena", last_name="Lindqvist"))
    assert lead.rep == rep
    route()  # Ben's turn; the rotation points at Rita again

    page = browser_page
    log_in(page, "rita.rep")
    item = page.locator("#queue tbody.q-item", has_text="Lena Lindqvist")
    item.locator("summary", has_text="Reject").click()
    menu = item.locator("details[open]")
    menu.get_by_label("Reason").select_option("not_decision_maker")
    menu.get_by_role("button", name="Reject lead").click()
    expect(page.locator(".toast")).to_contain_text("Rejected Lena Lindqvist")
    expect(page.locator("#queue tbody.q-item", has_text="Lena Lindqvist")).to_have_count(0)

    # A new hand-raise: scoring re-qualifies the recycled lead and routing places it.
    activity_record(
        contact=lead.contact, kind=ActivityKind.DEMO_REQUEST, occurred_at=timezone.now()
    )
    again = Assignment.objects.filter(contact=lead.contact).exclude(pk=lead.pk).get()
    assert again.rep == ben
    assert again.status == AssignmentStatus.PENDING

    page.reload()
    expect(page.locator("#queue tbody.q-item", has_text="Lena Lindqvist")).to_have_count(0)

    log_in(page, "ben")
    item = page.locator("#queue tbody.q-item", has_text="Lena Lindqvist")
    expect(item).to_be_visible()
    expect(item.locator(".badge-hand")).to_be_visible()
    screenshot(page, "ben-queue")
    item.get_by_role("link", name="Details for Lena Lindqvist").click()
    log = page.locator(f"#detail-{again.pk}")
    expect(log).to_contain_text(re.compile(r"skipped Rita \(rejected it \d+ \w+; cool-off until"))
    expect(log).to_contain_text("assigned to Ben")
    screenshot(page, "ben-decision-log")
    assert page.problems == []
