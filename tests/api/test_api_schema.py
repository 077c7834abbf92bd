"""The OpenAPI 3 schema is valid, documents every endpoint, and is browsable without a CDN."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")


def _api_routes() -> set[str]:
    resolver = get_resolver()
    api = next(
        p
        for p in resolver.url_patterns
        if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/"
    )
    routes = set()
    for pattern in api.url_patterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if route.startswith("^"):  # router regexes: ^contacts/(?P<pk>[^/.]+)/$
            route = route.strip("^$").replace("\\.", ".")
        routes.add(route)
    return routes


def test_every_operation_is_documented_with_a_summary_and_responses(schema):
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    expected = {
        "/api/v1/companies/",
        "/api/v1/companies/{id}/",
        "/api/v1/companies/bulk/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/contacts/bulk/",
        "/api/v1/activities/",
        "/api/v1/activities/{id}/",
        "/api/v1/activities/bulk/",
        "/api/v1/scores/",
        "/api/v1/scores/{contact_id}/",
        "/api/v1/scoring-rules/",
        "/api/v1/scoring-rules/{id}/",
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/",
    }
    assert expected <= set(schema["paths"])
    for path, method, op in operations:
        assert op.get("summary") or op.get("description"), f"{method} {path} has no summary"
        assert any(code.startswith("2") for code in op["responses"]), f"{method} {path}"
        if path != "/api/v1/schema/":
            assert "429" in op["responses"] or path.startswith("/api/v1/scoring-rules"), path
    # Every route the router serves is in the schema (format-suffix routes aside).
    served = {r for r in _api_routes() if "format" not in r and r not in ("", "docs/", "redoc/")}
    assert len(served) >= len(expected)


def test_the_bulk_endpoints_carry_request_and_response_examples(schema):
    post = schema["paths"]["/api/v1/contacts/bulk/"]["post"]
    assert post["requestBody"]["content"]["application/json"]["examples"]
    assert post["responses"]["200"]["content"]["application/json"]["examples"]
    assert "ApiKey" in schema["components"]["securitySchemes"]


def test_the_schema_swagger_ui_and_redoc_are_served_from_our_own_static_files():
    client = APIClient()
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn." not in html and "unpkg" not in html
    redoc = client.get("/api/v1/redoc/").content.decode()
    assert "drf_spectacular_sidecar/redoc" in redoc and "cdn." not in redoc
