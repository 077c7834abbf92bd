"""One error shape for the whole API: {"detail": ..., "code": ...}, plus retry_after on 429."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import exception_handler


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
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data.setdefault("code", getattr(exc, "default_code", "error"))
    return response
