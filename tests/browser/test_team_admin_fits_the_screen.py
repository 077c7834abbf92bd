"""
The admin's team page fits a 1440 px screen: each rep's countries are a short box in the reps
table, not a 10-row textarea that made the page wider than the screen.
"""

from __future__ import annotations

import pytest

from routing.models import RepProfile
from tests.browser.test_queue_in_browser import log_in
from tests.routing.conftest import TeamFactory, make_rep

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_team_page_has_no_sideways_scroll_at_1440(browser_page, admin_user, screenshot):
    team = TeamFactory(name="Inside Sales")
    for name in ("Ana", "Ben", "Cy"):
        make_rep(team, name)
    RepProfile.objects.filter(user__first_name="Ben").update(
        countries="United Kingdom, Germany, France, Netherlands, Spain, Sweden, Ireland"
    )
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "ada.admin")
    page.goto(f"/admin/routing/team/{team.pk}/change/")
    screenshot(page)

    assert page.locator("#reps-group").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
