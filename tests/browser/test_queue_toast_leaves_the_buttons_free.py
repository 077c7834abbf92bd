"""
The toast after a queue action hides none of the queue's buttons: on a phone (390 px) it lies over
the top bar and a tap dismisses it; on a desktop it stays at the bottom centre, clear of the
actions column. Once faded it catches no taps.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_queue_in_browser import build_world, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The queue's visible buttons and links whose box meets the toast's (what scrolled under the
# sticky top bar is hidden by the bar already, toast or not).
CONTROLS_UNDER_THE_TOAST = """() => {
  const t = document.querySelector(".toast").getBoundingClientRect();
  const barBottom = document.querySelector(".topbar").getBoundingClientRect().bottom;
  const meets = (r) => r.width && r.bottom > t.top && Math.max(r.top, barBottom) < t.bottom
    && r.right > t.left && r.left < t.right;
  return [...document.querySelectorAll("#queue a, #queue button, #queue summary, #queue select")]
    .filter((el) => el.checkVisibility() && meets(el.getBoundingClientRect()))
    .map((el) => el.getAttribute("aria-label") || el.textContent.trim());
}"""

# Scroll so that this element sits `gap` px above the bottom of the screen.
SCROLL_TO_BOTTOM = (
    "([el, gap]) => window.scrollBy(0, el.getBoundingClientRect().bottom - innerHeight + gap)"
)


def accept(page, name: str) -> None:
    button = page.get_by_role("button", name=f"Accept {name}")
    # Where a thumb acts: the lead's buttons at the bottom of the screen.
    page.evaluate(SCROLL_TO_BOTTOM, [button.element_handle(), 40])
    button.click()
    expect(page.locator(".toast")).to_contain_text(f"Accepted {name}")


def test_the_toast_hides_no_queue_button_on_a_phone_or_a_desktop(
    browser_page, rep, manager, screenshot
):
    build_world(manager, rep)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "rita.rep")
    items = page.locator("#queue tbody.q-item")
    expect(items).to_have_count(7)

    accept(page, "Katherine Johnson")
    expect(items).to_have_count(6)
    # Wherever the rep scrolls while it shows, the leads' buttons stay in sight: those that
    # moved up into the acted lead's place at the bottom, and those at the top.
    for gap in (40, 90, 844 - 120):
        page.evaluate(SCROLL_TO_BOTTOM, [items.last.locator(".q-actions").element_handle(), gap])
        assert page.evaluate(CONTROLS_UNDER_THE_TOAST) == []
    toast = page.locator(".toast").bounding_box()
    assert toast["y"] + toast["height"] <= page.locator(".topbar").bounding_box()["height"]
    screenshot(page, "phone")

    # It lies over the top bar's links, so a tap on it dismisses it rather than following one.
    page.locator(".toast").click()
    expect(page.locator(".toast")).to_have_count(0)
    assert page.url.endswith("/queue/")

    # Faded out, it no longer stands in front of the top bar.
    accept(page, "Linus Pauling")
    page.evaluate("document.querySelector('.toast').getAnimations().forEach((a) => a.finish())")
    logout = page.get_by_role("button", name="Log out").bounding_box()
    assert page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.logout-form') !== null",
        [logout["x"] + logout["width"] / 2, logout["y"] + logout["height"] / 2],
    )

    # On a desktop the toast stays at the bottom centre, clear of the actions column.
    page.set_viewport_size({"width": 1440, "height": 900})
    accept(page, "Grace Hopper")
    toast = page.locator(".toast").bounding_box()
    assert abs(toast["x"] + toast["width"] / 2 - 720) < 2
    assert 900 - 60 < toast["y"] + toast["height"] <= 900
    assert page.evaluate(CONTROLS_UNDER_THE_TOAST) == []
    screenshot(page, "desktop")
    assert page.problems == []
