"""
One error shape for the whole API: {"detail": ..., "code": ...}; field errors add
"errors": {"field" or "company.domain": [messages]}; 429 adds retry_after.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler

from integrations.api_errors import flatten_errors


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        request = context.get("request")
        wait = int(exc.wait or 1)
        why = getattr(request, "throttle_explanation", "Too many requests")
        response.data = {
            "detail": f"{why}; retry in {wait} s (see the Retry-After header).",
            "code": "throttled",
            "retry_after": wait,
        }
    elif isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = next(iter(errors.items()), ("request", ["Invalid input."]))
        response.data = {
            "detail": f"{first[0]}: {first[1][0]}" if first[1] else "Invalid input.",
            "code": "invalid",
            "errors": errors,
        }
    elif isinstance(response.data, dict) and "detail" in response.data:
        code = "not_found" if isinstance(exc, Http404) else getattr(exc, "default_code", "error")
        detail, explicit = response.data["detail"], response.data.get("code")
        # An error that names its own code and extra keys (409 needs_confirmation + warnings)
        # keeps them.
        extra = {k: v for k, v in response.data.items() if k not in ("detail", "code")}
        response.data = {
            "detail": str(detail),
            "code": str(explicit) if explicit else (getattr(detail, "code", None) or code),
            **extra,
        }
    return response
