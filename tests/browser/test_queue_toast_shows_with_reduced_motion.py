"""
With the system's "reduce motion" setting, the toast after a queue action still shows what was
done, for as long as it does otherwise, without sliding or fading: the page-wide rule that cuts
every animation short used to end it at once, already hidden, so such users never saw it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_queue_in_browser import build_world, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOWN = """() => {
  const style = getComputedStyle(document.querySelector(".toast"));
  return [style.opacity, style.visibility];
}"""


def test_the_toast_shows_when_motion_is_reduced(browser_page, rep, manager):
    build_world(manager, rep)
    page = browser_page
    page.emulate_media(reduced_motion="reduce")
    log_in(page, "rita.rep")

    page.get_by_role("button", name="Accept Katherine Johnson").click()

    expect(page.locator(".toast")).to_contain_text("Accepted Katherine Johnson")
    page.wait_for_timeout(1000)
    assert page.evaluate(SHOWN) == ["1", "visible"]
    # And it still goes: hidden at its end, catching no taps.
    page.evaluate("document.querySelector('.toast').getAnimations().forEach((a) => a.finish())")
    assert page.evaluate(SHOWN)[1] == "hidden"
    assert page.problems == []
