"""
A website on another origin carries the snippet: headless Chromium browses three pages
anonymously, then fills in the contact-sales form; the contact exists with those three page
views and the submission, scored and qualified. The same pages on an origin the site does not
allow are refused. Marketing then sees the visitors in Leadscore (1440 and 390 px).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Activity, ActivityKind, Contact
from scoring.models import ContactScore
from tests.browser.conftest import _browser_tab, _require_browser_marker
from website.models import Form, PageView, Site, Visitor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Headless Chromium announces itself as "HeadlessChrome", which the collector drops as a bot;
# a person's Chrome does not.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
PASSWORD = "correct horse battery staple"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def static_site(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (a free port) from a thread: another origin than Leadscore."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_pages(root: Path, *, leadscore: str, site_key: str, form_key: str) -> None:
    snippet = (
        f'<script async src="{leadscore}/w/ls.js" data-site="{site_key}" '
        'data-consent="pending"></script>\n'
        # The site's cookie banner said yes (queued before the snippet loads).
        "<script>window.leadscore=window.leadscore||function(){"
        "(leadscore.q=leadscore.q||[]).push(arguments)};leadscore('consent', true);</script>"
    )
    pages = {
        "index.html": ("Acme home", '<a href="product.html?utm_source=ads">Product</a>'),
        "product.html": ("Acme product", '<a href="pricing.html">Pricing</a>'),
        "pricing.html": (
            "Acme pricing",
            f"""<form data-leadscore-form="{form_key}" action="thanks.html" method="get">
              <label>Email <input type="email" name="email" required></label>
              <label>Name <input name="name"></label>
              <label>Job title <input name="job_title"></label>
              <label>Password <input type="password" name="password"></label>
              <input type="text" name="ls_hp" tabindex="-1" autocomplete="off"
                     style="position:absolute;left:-9999px" aria-hidden="true">
              <button type="submit">Talk to sales</button>
            </form>
            <p id="thanks" hidden>Thanks!</p>
            <script>
              // The site handles its own form in JavaScript, as many marketing sites do; the
              // snippet's copy goes to Leadscore either way.
              document.forms[0].addEventListener("submit", function (e) {{
                e.preventDefault();
                document.getElementById("thanks").hidden = false;
              }});
            </script>""",
        ),
    }
    for name, (title, body) in pages.items():
        (root / name).write_text(
            f"<!doctype html><html><head><title>{title}</title>{snippet}</head>"
            f"<body><h1>{title}</h1>{body}</body></html>"
        )
    (root / "thanks.html").write_text("<!doctype html><title>Thanks</title><h1>Thanks!</h1>")


def wait_for(check, timeout: float = 10.0, page=None):
    """Poll `check` until truthy; with a page, Playwright's loop runs (and delivers events)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)


@pytest.fixture
def website(request, transactional_db, live_server, tmp_path):
    """The Acme site (allowed: one static origin) and its contact-sales form."""
    _require_browser_marker(request)
    call_command("loaddata", "default_scoring_model", verbosity=0)
    allowed_root, refused_root = tmp_path / "allowed", tmp_path / "refused"
    allowed_root.mkdir()
    refused_root.mkdir()
    # The live server's first request imports every URLconf (scikit-learn for predictive/):
    # pay that here, not inside the browser's 10 s waits.
    with urllib.request.urlopen(f"{live_server.url}/w/ls.js", timeout=120) as warm:
        assert warm.status == 200
    with static_site(allowed_root) as allowed, static_site(refused_root) as refused:
        site = Site.objects.create(name="Acme", allowed_origins=[allowed])
        form = Form.objects.create(site=site, name="contact-sales")
        for root in (allowed_root, refused_root):
            write_pages(
                root, leadscore=live_server.url, site_key=site.public_key, form_key=form.public_key
            )
        yield {"allowed": allowed, "refused": refused, "site": site, "form": form}


def collect_response(page, action):
    with page.expect_response(lambda r: "/w/c/" in r.url and r.request.method == "POST") as info:
        action()
    return info.value


def test_anonymous_browsing_then_a_form_makes_a_scored_qualified_contact(website, live_server):
    with _browser_tab(live_server.url, user_agent=DESKTOP_CHROME) as page:
        origin = website["allowed"]
        first = collect_response(
            page, lambda: page.goto(f"{origin}/index.html", wait_until="domcontentloaded")
        )
        assert first.status == 200, first.text()
        assert first.json()["recorded"] is True
        second = collect_response(page, lambda: page.get_by_role("link", name="Product").click())
        third = collect_response(page, lambda: page.get_by_role("link", name="Pricing").click())
        assert [second.status, third.status] == [200, 200]

        # Three anonymous page views of one visitor (its id in a first-party cookie).
        visitor = Visitor.objects.get()
        assert visitor.contact is None
        assert visitor.page_view_count == 3
        cookie = next(c for c in page.context.cookies() if c["name"] == "_lsvid")
        assert cookie["domain"] == "127.0.0.1" and cookie["value"] == visitor.visitor_id
        assert not Contact.objects.exists()

        # Watched on the browser's side: polling the database while the live server writes
        # would lock SQLite's shared in-memory tables.
        form_posts: list[int] = []
        page.on("response", lambda r: form_posts.append(r.status) if "/w/f/" in r.url else None)
        page.get_by_label("Email").fill("Grace@Hopper.example")
        page.get_by_label("Name").fill("Grace Hopper")
        page.get_by_label("Job title").fill("Head of Engineering")
        page.get_by_label("Password").fill("not-for-leadscore")
        page.get_by_role("button", name="Talk to sales").click()
        expect(page.get_by_text("Thanks!")).to_be_visible()
        posted = wait_for(lambda: form_posts, page=page, timeout=30)
        assert posted == [200], "the captured form did not reach Leadscore"
        assert page.problems == []

    contact = Contact.objects.get(email__iexact="grace@hopper.example")

    assert (contact.first_name, contact.last_name, contact.job_title) == (
        "Grace",
        "Hopper",
        "Head of Engineering",
    )
    views = Activity.objects.filter(
        contact=contact, kind__in=[ActivityKind.PAGE_VIEW, ActivityKind.PRICING_PAGE_VIEW]
    )
    assert sorted((v.properties["title"], v.kind) for v in views) == [
        ("Acme home", "page_view"),
        ("Acme pricing", "pricing_page_view"),  # the site's pricing path: a stronger signal
        ("Acme product", "page_view"),
    ]
    assert views.get(properties__title="Acme product").properties["utm_source"] == "ads"
    submission = Activity.objects.get(contact=contact, kind=ActivityKind.FORM_SUBMISSION)
    assert submission.properties["form_name"] == "contact-sales"
    assert "password" not in submission.properties.get("fields", {})
    assert submission.properties["page_url"] == f"{website['allowed']}/pricing.html"
    assert Visitor.objects.get().contact == contact
    score = ContactScore.objects.get(contact=contact)
    assert score.hand_raise_rule == "Contact-sales form"
    assert score.interest >= 2 + 10 + 30
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "mql"


def test_pages_on_an_origin_the_site_does_not_allow_are_refused(website, live_server):
    with _browser_tab(live_server.url, user_agent=DESKTOP_CHROME) as page:
        # Chromium reports a request CORS refused as failed (its answer is not readable).
        done: list[tuple[str, str]] = []
        page.on("requestfinished", lambda r: done.append((r.url, "finished")))
        page.on("requestfailed", lambda r: done.append((r.url, "failed")))

        def outcome(part: str) -> str | None:
            return next((state for url, state in done if part in url), None)

        refused = website["refused"]
        page.goto(f"{refused}/pricing.html", wait_until="domcontentloaded")
        assert wait_for(lambda: outcome("/w/c/"), page=page) == "failed"
        collect_url = f"{live_server.url}/w/c/{website['site'].public_key}/"
        status = page.evaluate(
            """(url) => fetch(url, {method: "POST", body: JSON.stringify({v: "x".repeat(32),
                url: location.href, consent: true})}).then((r) => r.status, () => "blocked")""",
            collect_url,
        )
        assert status == "blocked"

        # The contact form on that origin is refused as well.
        page.get_by_label("Email").fill("mallory@evil.example")
        page.get_by_role("button", name="Talk to sales").click()
        assert wait_for(lambda: outcome("/w/f/"), page=page) == "failed"
    assert not PageView.objects.exists()
    assert not Visitor.objects.exists()
    assert not Contact.objects.exists()


@pytest.fixture
def visitors_seen(transactional_db):
    """A few anonymous visitors of two sites, one identified, as marketing would find them."""
    from tests.factories import ContactFactory

    now = timezone.now()
    acme = Site.objects.create(name="Acme website", allowed_origins=["https://www.acme.example"])
    docs = Site.objects.create(name="Acme docs", allowed_origins=["https://docs.acme.example"])
    pages = [
        ("/", "Acme: lead scoring you run yourself"),
        ("/product/routing", "Routing leads to the right rep"),
        ("/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand", "Pricing"),
        ("/blog/2026/why-interest-decays-and-how-to-tune-a-half-life-for-your-sales-cycle", "Why"),
    ]
    sources = ["https://www.google.com/", "", "https://news.ycombinator.com/item?id=4242", ""]
    for i in range(7):
        site = acme if i % 3 else docs
        origin = site.allowed_origins[0]
        seen = now - dt.timedelta(hours=i * 5)
        path = pages[i % len(pages)][0]
        visitor = Visitor.objects.create(
            site=site,
            visitor_id=f"{i:02d}" + "7f3c9a1e5b2d4c6f8a0b1c2d3e4f5a6b"[:30],
            first_seen_at=seen - dt.timedelta(days=i),
            last_seen_at=seen,
            first_referrer=sources[i % len(sources)],
            first_utm={"utm_source": "google", "utm_medium": "cpc"} if i == 2 else {},
            last_url=origin + path,
            page_view_count=i + 1,
            contact=ContactFactory(first_name="Kim", last_name="Known") if i == 4 else None,
        )
        for j, (p, t) in enumerate(pages[: i % 4 + 1]):
            PageView.objects.create(
                visitor=visitor,
                occurred_at=seen - dt.timedelta(minutes=10 * j),
                url=origin + p,
                path=p.split("?")[0],
                title=t,
                referrer=sources[j % len(sources)],
                utm={"utm_source": "google", "utm_campaign": "brand"} if "utm_" in p else {},
            )
    return Visitor.objects.filter(contact__isnull=True).order_by("-last_seen_at").first()


@pytest.mark.parametrize("width", [1440, 390])
def test_marketing_reads_the_anonymous_visitors_at_desktop_and_phone_width(
    request, browser_page, marketing_ops, visitors_seen, screenshot, width
):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/website/visitors/")
    page.get_by_label("Username").fill("mona.marketing")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Website visitors", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Visitors")).to_have_attribute("aria-current", "page")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator(".results-count")).to_have_text("6 visitors")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"list-{width}")

    page.locator("tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Pages viewed")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"detail-{width}")
    assert page.problems == []
