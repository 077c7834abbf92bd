"""The collect endpoint records a page view only for a known site, an allowed origin, a real
browser that has not asked not to be tracked and (where the site requires it) gave consent."""

from __future__ import annotations

import json

import pytest

from website.models import PageView, Site, Visitor

from .conftest import ORIGIN, collect, page_view, visitor_id

pytestmark = pytest.mark.django_db


def test_a_page_view_is_recorded_with_url_title_referrer_and_utm(client, site):
    vid = visitor_id()
    body = page_view(vid, "/pricing?utm_source=google&utm_medium=cpc&utm_campaign=spring&x=1")
    body["referrer"] = "https://www.google.com/"
    response = collect(client, site, body)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "recorded": True, "identified": False}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    view = PageView.objects.get()
    assert view.path == "/pricing"
    assert view.title == "Page /pricing?utm_source=google&utm_medium=cpc&utm_campaign=spring&x=1"
    assert view.referrer == "https://www.google.com/"
    assert view.utm == {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring"}
    visitor = Visitor.objects.get()
    assert (visitor.visitor_id, visitor.page_view_count, visitor.contact) == (vid, 1, None)
    assert visitor.first_source == "google / cpc"


def test_an_unknown_or_inactive_site_key_is_refused(client, site):
    unknown = Site(public_key="ws_nope")
    response = collect(client, unknown, page_view(visitor_id()))
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_key"
    Site.objects.filter(pk=site.pk).update(is_active=False)
    assert collect(client, site, page_view(visitor_id())).status_code == 404
    assert not PageView.objects.exists()


def test_an_origin_not_allowed_is_refused_without_cors_headers(client, site):
    evil = "https://evil.example"
    body = page_view(visitor_id()) | {"url": f"{evil}/"}
    response = collect(client, site, body, origin=evil)
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response
    assert not PageView.objects.exists()


def test_a_post_without_origin_or_referer_is_refused(client, site):
    response = client.post(
        f"/w/c/{site.public_key}/",
        data=json.dumps(page_view(visitor_id())),
        content_type="text/plain",
        HTTP_USER_AGENT="Mozilla/5.0 (X11) Chrome/126",
    )
    assert response.status_code == 403


def test_the_preflight_answers_allowed_origins_only(client, site):
    url = f"/w/c/{site.public_key}/"
    ok = client.options(url, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert ok.status_code == 204
    assert ok["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in ok["Access-Control-Allow-Methods"]
    assert "Content-Type" in ok["Access-Control-Allow-Headers"]
    assert "Origin" in ok["Vary"]
    refused = client.options(url, HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_the_page_must_be_on_the_sending_origin(client, site):
    body = page_view(visitor_id()) | {"url": "https://elsewhere.example/"}
    response = collect(client, site, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"url": [f"Must be on {ORIGIN}."]}


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36",
        "facebookexternalhit/1.1",
    ],
)
def test_obvious_bots_are_dropped(client, site, agent):
    response = collect(client, site, page_view(visitor_id()), HTTP_USER_AGENT=agent)
    assert response.status_code == 202
    assert response.json() == {"ok": True, "recorded": False, "reason": "bot"}
    assert not Visitor.objects.exists()


@pytest.mark.parametrize("header", ["HTTP_DNT", "HTTP_SEC_GPC"])
def test_do_not_track_and_global_privacy_control_are_honoured(client, site, header):
    response = collect(client, site, page_view(visitor_id()), **{header: "1"})
    assert response.json()["reason"] == "do_not_track"
    assert not Visitor.objects.exists()


def test_a_site_may_choose_not_to_honour_do_not_track(client, site):
    site.honour_dnt = False
    site.save()
    response = collect(client, site, page_view(visitor_id()), HTTP_DNT="1")
    assert response.json()["recorded"] is True


def test_without_consent_nothing_is_recorded_when_the_site_requires_it(client, site):
    response = collect(client, site, page_view(visitor_id(), consent=False))
    assert response.status_code == 202
    assert response.json()["reason"] == "no_consent"
    assert not Visitor.objects.exists()
    site.require_consent = False
    site.save()
    assert collect(client, site, page_view(visitor_id(), consent=False)).json()["recorded"]


def test_the_rate_limit_counts_per_address_and_site(client, site, settings):
    settings.WEBSITE_COLLECT_RATE = "3/min"
    vid = visitor_id()
    codes = [collect(client, site, page_view(vid, f"/p{i}")).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = collect(client, site, page_view(vid, "/p5"))
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) >= 1
    assert refused["Access-Control-Allow-Origin"] == ORIGIN  # the page can read why
    # Another address, and the same address on another site, have their own budgets.
    assert collect(client, site, page_view(vid, "/p6"), REMOTE_ADDR="10.0.0.9").status_code == 200
    other = Site.objects.create(name="Other", allowed_origins=[ORIGIN])
    assert collect(client, other, page_view(visitor_id(), "/x")).status_code == 200
    assert PageView.objects.count() == 5


def test_behind_trusted_proxies_the_forwarded_address_is_limited(client, site, settings):
    settings.WEBSITE_COLLECT_RATE = "1/min"
    settings.WEBSITE_PROXY_COUNT = 1
    first = collect(client, site, page_view(visitor_id()), HTTP_X_FORWARDED_FOR="203.0.113.5")
    second = collect(client, site, page_view(visitor_id()), HTTP_X_FORWARDED_FOR="203.0.113.6")
    again = collect(client, site, page_view(visitor_id()), HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert [first.status_code, second.status_code, again.status_code] == [200, 200, 429]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (b"{}", 400, "invalid"),
        (json.dumps({"v": "short", "url": ORIGIN + "/", "consent": True}).encode(), 400, "invalid"),
        (json.dumps({"v": "a" * 32, "url": "javascript:x", "consent": True}), 400, "invalid"),
        (json.dumps({"v": "a" * 32, "url": {"x": 1}, "consent": True}), 400, "invalid"),
        (b"{" + b" " * 9000 + b"}", 413, "too_large"),
    ],
)
def test_bad_bodies_get_a_json_error_and_write_nothing(client, site, body, status, code):
    response = collect(client, site, body)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert "detail" in response.json()
    assert not PageView.objects.exists()


def test_text_is_bounded_and_control_characters_are_removed(client, site):
    body = page_view(visitor_id(), "/a?q=" + "x" * 5000) | {"title": "T\x00itle" + "y" * 400}
    assert collect(client, site, body).status_code == 200
    view = PageView.objects.get()
    assert len(view.url) == 2000
    assert view.title.startswith("Title") and len(view.title) == 300


def test_only_post_and_options_are_answered(client, site):
    response = client.get(f"/w/c/{site.public_key}/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
