"""
Request limits for the API, all in one place and documented in README ("Limits"):

- body size: API_MAX_REQUEST_BYTES (settings; a 10,000-row bulk batch fits with room to spare),
  over it a 413 in the API's JSON shape, before the body is read;
- JSON nesting depth, object key length and string length, checked by BoundedJSONParser;
- text must be valid Unicode (a lone surrogate cannot be stored): 400.

Every error under /api/ answers {"detail": ..., "code": ...}: ApiJsonErrorsMiddleware turns
Django's HTML error pages (unknown URL, a body too big for Django itself, a crash) into JSON.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Objects and arrays inside one another: a bulk body needs 4 ({items:[{properties:{...}}]}).
MAX_DEPTH = 20
# Characters in one object key, anywhere in the body.
MAX_KEY_LENGTH = 255
# Characters in one string value, anywhere in the body (fields have their own, smaller limits).
MAX_STRING_LENGTH = 65_536

API_PREFIX = "/api/"


def max_request_bytes() -> int:
    return int(getattr(settings, "API_MAX_REQUEST_BYTES", 32 * 1024 * 1024))


def _problem(value: Any) -> str | None:
    """Why a parsed JSON document is refused (depth, key or string size, bad Unicode), if so."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_STRING_LENGTH:
                return f"A text value is longer than {MAX_STRING_LENGTH:,} characters."
            if not _valid_unicode(item):
                return "The body contains invalid Unicode (a lone surrogate)."
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            return f"JSON nested deeper than {MAX_DEPTH} levels."
        if isinstance(item, dict):
            for key in item:
                if len(key) > MAX_KEY_LENGTH:
                    return f"An object key is longer than {MAX_KEY_LENGTH} characters."
                if not _valid_unicode(key):
                    return "The body contains invalid Unicode (a lone surrogate)."
            children = item.values()
        else:
            children = item
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, dict | list | str)
        )
    return None


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with the limits above; any violation is a 400 in the API's shape."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except UnicodeDecodeError as exc:
            raise ParseError(f"The body is not valid {encoding}.") from exc
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError as exc:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        problem = _problem(data)
        if problem:
            raise ParseError(problem)
        return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    500: "server_error",
}


def _json_error(status: int, detail: str) -> JsonResponse:
    code = _CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    return JsonResponse({"detail": detail, "code": code}, status=status)


class ApiJsonErrorsMiddleware:
    """Under /api/: refuse oversized bodies early (413), and never answer an HTML error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _json_error(400, "The Content-Length header is not a number.")
        limit = max_request_bytes()
        if length > limit:
            return _json_error(
                413,
                f"The body is {length:,} bytes; the API takes at most {limit:,} "
                "(a bulk request takes up to 10,000 rows).",
            )
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/json"):
            return _json_error(response.status_code, _detail_for(response.status_code))
        return response


def _detail_for(status: int) -> str:
    if status == 404:
        return "Not found: no such API URL or object (ids are positive integers)."
    if status == 400:
        return "Bad request: the body could not be read (see the API's request limits)."
    if status >= 500:
        return "Server error: the request was not completed; try again later."
    return HTTPStatus(status).phrase + "."
