"""
OpenAPI: request bodies take only their declared properties (StrictAutoSchema), and every
operation documents the error answers the API can give (post-processing).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance

from integrations.strict import StrictTypesMixin


class StrictAutoSchema(AutoSchema):
    """A strict serializer's request body says `additionalProperties: false`, as it refuses them."""

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        strict = isinstance(force_instance(serializer), StrictTypesMixin)
        if direction == "request" and strict and schema.get("type") == "object":
            schema["additionalProperties"] = False
        return schema


ERROR_REF = {"$ref": "#/components/schemas/Error"}

# Status -> when. Each answer has the Error shape ({detail, code[, errors, retry_after]}).
COMMON = {
    "400": "The request is malformed: a parameter, the JSON or a field (see errors).",
    "401": "No valid API key or session.",
    "403": "The key's scope or the role refuses it.",
    "404": "No such object visible to you (or an invalid cursor).",
    "429": "Rate limit hit; see Retry-After.",
}
WITH_BODY = {
    "413": "The body is larger than the API takes (API_MAX_REQUEST_MB).",
    "415": "The body is not JSON (Content-Type: application/json).",
}


def document_error_responses(result: dict[str, Any], generator, request, public) -> dict:
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = dict(COMMON)
            if "requestBody" in operation:
                answers.update(WITH_BODY)
            if method.lower() not in {"get", "head", "options"}:
                answers["405"] = "The method is not allowed here."
            for status, description in answers.items():
                operation["responses"].setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return result
