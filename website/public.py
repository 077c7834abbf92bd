"""
The public endpoints a website calls: the snippet itself, the page-view collector and form
posts. No login and no CSRF token (other origins call them), so each checks the site key or
form key, the caller's origin, the body size and a rate limit before it reads anything, and
answers every error as JSON {"detail", "code"} (plain HTML form posts get a page).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from website import guard, selectors, services
from website.guard import Refusal
from website.models import Form, Site
from website.payloads import form_payload, page_view_payload
from website.tokens import identify_token_contact_id

SNIPPET = Path(__file__).resolve().parent / "static" / "website" / "ls.js"
COLLECT_MAX_BYTES = 8 * 1024
FORM_MAX_BYTES = 64 * 1024


@cache
def _snippet_source() -> bytes:
    return SNIPPET.read_bytes()


@login_not_required
@require_GET
@cache_control(public=True, max_age=3600)
def snippet(request: HttpRequest) -> HttpResponse:
    """The tracking snippet: plain JavaScript, a few KB, from this server (no CDN)."""
    response = HttpResponse(_snippet_source(), content_type="text/javascript; charset=utf-8")
    # Any site may load the script; what it sends is checked against the site's origins.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _preflight(site: Site | None, origin: str) -> HttpResponse:
    if site is None or not site.allows_origin(origin):
        return Refusal(
            403, "origin_not_allowed", "This origin may not call this endpoint."
        ).response()
    response = HttpResponse(status=204)
    guard.cors_allow(response, origin)
    return response


def _check_site(site: Site | None, request: HttpRequest, origin: str, *, scope: str, rate: str):
    if site is None:
        raise Refusal(404, "unknown_key", "No active site or form has this key.")
    if not site.allows_origin(origin):
        raise Refusal(
            403,
            "origin_not_allowed",
            f"Origin {origin[:200] or '(none)'} is not allowed for this site.",
        )
    guard.rate_limit(
        scope=scope, site_key=site.public_key, address=guard.client_address(request), rate=rate
    )


def _dropped(reason: str, origin: str) -> JsonResponse:
    """Accepted and deliberately not recorded (a bot, Do Not Track, no consent)."""
    response = JsonResponse({"ok": True, "recorded": False, "reason": reason}, status=202)
    guard.cors_allow(response, origin)
    return response


@csrf_exempt
@login_not_required
def collect(request: HttpRequest, site_key: str) -> HttpResponse:
    """
    A page view from the snippet: JSON (sent as text/plain, so no preflight) with the cookie
    visitor id, URL, title, referrer, the consent flag and an optional identify token.
    """
    site = selectors.site_by_key(site_key)
    origin = guard.request_origin(request)
    if request.method == "OPTIONS":
        return _preflight(site, origin)
    if request.method != "POST":
        return Refusal(405, "method_not_allowed", "POST a page view.").response()
    try:
        _check_site(site, request, origin, scope="collect", rate=settings.WEBSITE_COLLECT_RATE)
        body = guard.read_body(request, limit=COLLECT_MAX_BYTES)
        if guard.is_bot(request):
            return _dropped("bot", origin)
        if site.honour_dnt and guard.sends_do_not_track(request):
            return _dropped("do_not_track", origin)
        payload = page_view_payload(guard.parse_json_object(body), origin=origin)
        if site.require_consent and not payload.consent:
            return _dropped("no_consent", origin)
        contact_id = identify_token_contact_id(payload.token) if payload.token else None
        page_view = services.page_view_record(
            site=site,
            payload=payload,
            user_agent=request.headers.get("User-Agent", ""),
            identify_contact_id=contact_id,
        )
    except Refusal as refusal:
        allowed = site is not None and site.allows_origin(origin)
        return refusal.response(origin if allowed else "")
    response = JsonResponse(
        {"ok": True, "recorded": True, "identified": page_view.activity_id is not None}
    )
    guard.cors_allow(response, origin)
    return response


def _form_data(request: HttpRequest, body: bytes) -> tuple[dict[str, Any], bool]:
    """The posted fields and whether the caller wants JSON back (fetch) or a page (HTML)."""
    content_type = request.content_type or ""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if content_type in ("application/json", "text/plain"):
        return guard.parse_json_object(body), True
    if content_type == "application/x-www-form-urlencoded":
        try:
            query = QueryDict(body, encoding=request.encoding or "utf-8")
        except (UnicodeDecodeError, ValueError, SuspiciousOperation):
            raise Refusal(400, "invalid", "The form data cannot be read.") from None
        return _flatten(query), wants_json
    if content_type == "multipart/form-data":
        request._body = body  # already read (bounded); let Django parse it from memory
        try:
            return _flatten(request.POST), wants_json
        except (MultiPartParserError, SuspiciousOperation):
            raise Refusal(400, "invalid", "The form data cannot be read.") from None
    raise Refusal(415, "unsupported_media_type", "Send a form (urlencoded or multipart) or JSON.")


def _flatten(query: QueryDict) -> dict[str, Any]:
    return {k: (v[0] if len(v) == 1 else v) for k, v in query.lists()}


@csrf_exempt
@login_not_required
def form_post(request: HttpRequest, form_key: str) -> HttpResponse:
    """
    A website form's submission: creates or updates the contact and records the submission in
    one step. HTML posts are redirected to the form's thank-you page; fetch gets JSON.
    """
    form = selectors.form_by_key(form_key)
    site = form.site if form else None
    origin = guard.request_origin(request)
    if request.method == "OPTIONS":
        return _preflight(site, origin)
    if request.method != "POST":
        return Refusal(405, "method_not_allowed", "POST the form's fields.").response()
    wants_json = "application/json" in request.headers.get("Accept", "") or (
        request.content_type in ("application/json", "text/plain")
    )
    try:
        _check_site(site, request, origin, scope="form", rate=settings.WEBSITE_FORM_RATE)
        body = guard.read_body(request, limit=FORM_MAX_BYTES)
        data, wants_json = _form_data(request, body)
        payload = form_payload(data, honeypot=form.honeypot_field, origin=origin)
        if payload.honeypot_filled:
            # Answered like a success so the robot learns nothing; nothing is stored.
            return _form_done(request, form, origin, wants_json, contact_id=None)
        if site.honour_dnt and guard.sends_do_not_track(request):
            payload.visitor_id = ""  # the lead is kept; the browser is not tracked
        result = services.form_submission_record(form=form, payload=payload)
    except Refusal as refusal:
        allowed = site is not None and site.allows_origin(origin)
        if wants_json or site is None:
            return refusal.response(origin if allowed else "")
        context = {"refusal": refusal, "back": origin if allowed else ""}
        return render(request, "website/form_error.html", context, status=refusal.status)
    return _form_done(request, form, origin, wants_json, contact_id=result.contact.pk)


def _form_done(
    request: HttpRequest, form: Form, origin: str, wants_json: bool, *, contact_id: int | None
) -> HttpResponse:
    if wants_json:
        response = JsonResponse({"ok": True, "redirect": form.redirect_url or None})
        guard.cors_allow(response, origin)
        return response
    if form.redirect_url:
        response = HttpResponse(status=303)
        response["Location"] = form.redirect_url
        return response
    return render(request, "website/form_thanks.html", {"form": form, "back": origin})
