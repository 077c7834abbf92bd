"""
The REST API's documentation shared by its endpoints (OpenAPI, drf-spectacular): the error
responses of every endpoint, request and response examples, and the schema of the upsert and
bulk endpoints.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers

from contacts import services
from integrations.api import BulkResponseSerializer, ErrorSerializer

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The request is malformed."),
    401: OpenApiResponse(ErrorSerializer, description="No valid API key or session."),
    403: OpenApiResponse(ErrorSerializer, description="The key's scope or the role refuses it."),
    429: OpenApiResponse(ErrorSerializer, description="Rate limit hit; see Retry-After."),
}


# ---- Examples ----------------------------------------------------------------------------

CONTACT_EXAMPLE = {
    "email": "ada@example.com",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "job_title": "VP Engineering",
    "lead_source": "organic_search",
    "properties": {"utm_campaign": "spring-launch"},
    "company": {"domain": "example.com", "name": "Example Ltd", "industry": "Software"},
}
ACTIVITY_EXAMPLE = {
    "contact_email": "ada@example.com",
    "kind": "pricing_page_view",
    "occurred_at": "2025-05-01T09:30:00Z",
    "properties": {"url": "/pricing"},
    "source": "website",
    "external_id": "evt_01HZX3",
}
BULK_RESPONSE_EXAMPLE = {
    "committed": True,
    "atomic": False,
    "counts": {"created": 1, "updated": 0, "unchanged": 1, "error": 1},
    "results": [
        {"index": 0, "status": "created", "id": 1042},
        {"index": 1, "status": "unchanged", "id": 977},
        {"index": 2, "status": "error", "id": None, "errors": {"email": ["Enter a valid email"]}},
    ],
}


def bulk_doc(item: type[serializers.Serializer], example: dict[str, Any], what: str):
    return extend_schema(
        summary=f"Upsert up to 10,000 {what} in one request",
        description=(
            "Every row is validated and written on its own: the response lists each row's "
            "result (created / updated / unchanged / error with field messages) by its index. "
            "A failing row writes nothing. With `atomic: true` (or `?atomic=true`) one failing "
            "row rolls back the whole batch (422). Affected contacts are rescored once, after "
            "the batch."
        ),
        request=inline_serializer(
            name=f"Bulk{item.__name__.removesuffix('InSerializer')}Request",
            fields={
                "atomic": serializers.BooleanField(default=False),
                # Any objects at the HTTP level: each row is checked on its own against
                # the single-record schema and answered with its own error (a 200 with
                # error rows, or 422 when atomic).
                "items": serializers.ListField(
                    child=serializers.DictField(),
                    min_length=1,
                    max_length=services.BULK_MAX_ROWS,
                    help_text=f"Rows shaped like {item.__name__.removesuffix('Serializer')}"
                    "Request; a row that does not fit is answered as an error row.",
                ),
            },
        ),
        parameters=[OpenApiParameter("atomic", OpenApiTypes.BOOL, description="All or nothing.")],
        responses={
            200: BulkResponseSerializer,
            422: OpenApiResponse(BulkResponseSerializer, description="Atomic batch rolled back."),
            **ERRORS,
        },
        examples=[
            OpenApiExample(
                "Two rows", value={"atomic": False, "items": [example, example]}, request_only=True
            ),
            OpenApiExample("Row results", value=BULK_RESPONSE_EXAMPLE, response_only=True),
        ],
    )


def upsert_response(serializer, description: str) -> dict:
    return {
        200: OpenApiResponse(serializer, description=f"{description} existed (updated or not)."),
        201: OpenApiResponse(serializer, description=f"{description} was created."),
        **ERRORS,
    }
