"""
The checks every public website endpoint makes before it writes anything: the caller's origin
against the site's allowed origins (CORS), a bounded body, a rate limit per address and site
kept in Django's cache, obvious bots, Do Not Track. Pure request handling: no writes.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_vary_headers

# Substrings of User-Agent headers that only crawlers, link previewers, monitors, HTTP
# libraries and automation send. A real browser's never contains them.
_BOT_UA = re.compile(
    r"(?<!cu)bot\b|bot/|crawl|spider|slurp|mediapartners|facebookexternalhit|embedly|preview|"
    r"headlesschrome|phantomjs|electron/|python-requests|python-urllib|aiohttp|httpx|"
    r"\bcurl/|\bwget/|go-http-client|java/|okhttp|apache-httpclient|libwww|scrapy|"
    r"lighthouse|pagespeed|pingdom|uptimerobot|statuscake|site24x7|gtmetrix",
    re.IGNORECASE,
)
_BROWSER_UA = re.compile(r"^Mozilla/5\.0 ")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, eq=False)
class Refusal(Exception):
    """A request the endpoint answers with an error and no write."""

    status: int
    code: str
    detail: str
    retry_after: int | None = None
    # Per field messages for invalid input: {"email": ["Enter a valid email address."]}.
    errors: dict[str, list[str]] | None = None

    def response(self, origin: str = "") -> JsonResponse:
        body: dict[str, Any] = {"detail": self.detail, "code": self.code}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if self.errors:
            body["errors"] = self.errors
        response = JsonResponse(body, status=self.status)
        if self.retry_after is not None:
            response["Retry-After"] = str(self.retry_after)
        if origin:
            cors_allow(response, origin)
        return response


def request_origin(request: HttpRequest) -> str:
    """
    The page's origin: the Origin header browsers send with cross-origin POSTs and fetches,
    else the origin of the Referer (older browsers' plain form posts), else "".
    """
    origin = request.headers.get("Origin", "").strip()
    if origin and origin != "null":
        return origin.rstrip("/")
    referer = request.headers.get("Referer", "")
    parts = split_url(referer) if referer else None
    if parts and parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def split_url(value: str) -> SplitResult | None:
    """urlsplit, or None for text it cannot split ("http://[::1/": an unclosed IPv6 host)."""
    try:
        return urlsplit(value)
    except ValueError:
        return None


def cors_allow(response, origin: str) -> None:
    """Let the allowed origin's page read this answer (and send JSON to this endpoint)."""
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    response["Access-Control-Max-Age"] = "86400"
    patch_vary_headers(response, ["Origin"])


def client_address(request: HttpRequest) -> str:
    """
    The caller's IP. Behind WEBSITE_PROXY_COUNT trusted proxies, the address the nearest of
    them saw (counted from the right of X-Forwarded-For, which the client can prepend to).
    """
    proxies = getattr(settings, "WEBSITE_PROXY_COUNT", 0)
    if proxies:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def parse_rate(rate: str) -> tuple[int, int]:
    """'60/min' -> (60, 60). Units: s, min, h, day (their first letter is enough)."""
    count, _, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit.strip()[:1].lower()]
    return int(count), seconds


def rate_limit(*, scope: str, site_key: str, address: str, rate: str) -> None:
    """
    Count this request in a fixed window per (scope, site, address); refuse it over the rate.

    cache.add + cache.incr are atomic in Redis and Memcached, so every web process counts in
    the same window when CACHES points at a shared cache (CACHE_URL); the default local-memory
    cache counts per process.
    """
    limit, period = parse_rate(rate)
    now = int(time.time())
    ident = hashlib.sha256(f"{site_key}|{address}".encode()).hexdigest()[:32]
    key = f"website:rate:{scope}:{ident}:{now // period}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=period + 5)
        count = 1
    if count > limit:
        raise Refusal(
            429,
            "throttled",
            f"Too many requests from this address; retry in {period - now % period} s.",
            retry_after=period - now % period,
        )


def is_bot(request: HttpRequest) -> bool:
    """Obvious robots: no browser User-Agent, or one naming a crawler, monitor or library."""
    agent = request.headers.get("User-Agent", "")
    return not _BROWSER_UA.match(agent) or bool(_BOT_UA.search(agent))


def sends_do_not_track(request: HttpRequest) -> bool:
    """Do Not Track (DNT: 1) or its successor Global Privacy Control (Sec-GPC: 1)."""
    return request.headers.get("DNT", "").strip() == "1" or (
        request.headers.get("Sec-GPC", "").strip() == "1"
    )


def read_body(request: HttpRequest, *, limit: int) -> bytes:
    """The raw body, refused when over `limit` bytes (declared or actual)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refusal(400, "bad_request", "Content-Length is not a number.") from None
    if declared > limit:
        raise Refusal(413, "too_large", f"The body is over {limit} bytes.")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise Refusal(413, "too_large", f"The body is over {limit} bytes.")
    return body


def parse_json_object(body: bytes) -> dict[str, Any]:
    """
    A JSON object from the body, or a 400 that says what is wrong. A "\\ud83d" escape without
    its pair (a page title the browser cut inside an emoji) decodes to a lone surrogate that
    no database can store: it becomes U+FFFD, so the page view or the lead is still kept.
    """
    try:
        text = body.decode("utf-8")
        data = json.loads(text)
        if "\\u" in text:
            # Proper pairs are whole characters after json.loads: what is left is lone.
            data = json.loads(_SURROGATE.sub("\ufffd", json.dumps(data, ensure_ascii=False)))
    except (UnicodeDecodeError, ValueError):
        raise Refusal(400, "invalid_json", "The body is not valid UTF-8 JSON.") from None
    except RecursionError:
        raise Refusal(400, "invalid_json", "The body's JSON is nested too deeply.") from None
    if not isinstance(data, dict):
        raise Refusal(400, "invalid_json", "The body must be a JSON object.")
    return data
