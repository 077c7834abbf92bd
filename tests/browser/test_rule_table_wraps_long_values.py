"""
The scoring model page keeps to the width of the screen when a rule tests a long value typed
without spaces (an 'is one of' list pasted from a spreadsheet): the test wraps inside its cell
and the rule's name stays readable. Before, the table grew to the value's length (tens of
thousands of pixels at 1440 px) and squeezed the names to a few letters a line.
"""

from __future__ import annotations

import pytest

from tests.browser.test_queue_in_browser import log_in
from tests.factories import FitRuleFactory, ScoringModelFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INDUSTRIES = ",".join(f"industry-number-{n}" for n in range(60))


@pytest.mark.parametrize("width", [390, 1440])
def test_a_long_value_wraps_inside_the_rule_table(width, browser_page, marketing_ops, screenshot):
    model = ScoringModelFactory(name="Wide values")
    FitRuleFactory(scoring_model=model, name="Target industry", operator="one_of", value=INDUSTRIES)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, marketing_ops.username)
    page.goto(f"/scoring/versions/{model.pk}/")
    table = page.locator(".rule-table").first
    name = table.locator("td").first
    assert "Target industry" in name.inner_text()
    screenshot(page, f"{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    card = table.evaluate(
        "t => [t.getBoundingClientRect().width, t.parentElement.getBoundingClientRect().width]"
    )
    assert card[0] <= card[1] + 1  # the table stays inside its card
    assert name.bounding_box()["width"] >= 110  # the name reads as words, not letters
