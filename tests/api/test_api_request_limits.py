"""Request limits fit the documented batch sizes, and every refusal is in the API's JSON shape."""

from __future__ import annotations

import json

import pytest

from contacts.models import Contact

pytestmark = pytest.mark.django_db

BULK = "/api/v1/contacts/bulk/"


def _readme_contact(n: int) -> dict:
    """A contact shaped like the README's (and the schema's) example, a bit richer."""
    return {
        "email": f"ada.lovelace.{n}@example{n % 500}.com",
        "first_name": "Ada",
        "last_name": f"Lovelace {n}",
        "job_title": "VP Engineering",
        "phone": "+44 20 7946 0000",
        "lead_source": "organic_search",
        "lifecycle_stage": "lead",
        "properties": {
            "utm_campaign": "spring-launch",
            "utm_medium": "cpc",
            "utm_source": "newsletter",
            "first_page": "/pricing?plan=enterprise",
        },
        "company": {
            "domain": f"example{n % 500}.com",
            "name": f"Example {n % 500} Ltd",
            "industry": "Software",
            "employee_count": 250,
            "country": "United Kingdom",
        },
    }


def _post_raw(client, body: bytes | str, url: str = BULK):
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    return client.generic("POST", url, body, content_type="application/json")


def _assert_json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"detail", "code"}
    if code:
        assert body["code"] == code
    return body


def test_ten_thousand_realistic_rows_are_accepted(ops_api, django_capture_on_commit_callbacks):
    body = json.dumps({"items": [_readme_contact(n) for n in range(10_000)]})
    assert len(body) > 3_000_000  # bigger than Django's default 2.5 MB limit
    response = _post_raw(ops_api, body)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["counts"]["created"] == 10_000
    assert Contact.objects.count() == 10_000


def test_a_body_over_the_limit_is_a_json_413_before_it_is_read(ops_api, settings):
    settings.API_MAX_REQUEST_BYTES = 1000
    body = json.dumps({"items": [_readme_contact(n) for n in range(10)]})
    result = _assert_json_error(_post_raw(ops_api, body), 413, "request_too_large")
    assert "1,000" in result["detail"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize("depth", [21, 100, 5_000, 100_000])
def test_deeply_nested_json_is_a_400(ops_api, depth):
    nested = "[" * depth + "]" * depth
    body = '{"items": [{"email": "a@example.com", "properties": {"x": ' + nested + "}}]}"
    result = _assert_json_error(_post_raw(ops_api, body), 400, "parse_error")
    assert "nested deeper than 20" in result["detail"]


def test_nesting_within_the_limit_is_stored(ops_api):
    value = {"a": {"b": {"c": [1, [2, [3]]]}}}
    response = ops_api.post(
        "/api/v1/contacts/", {"email": "n@example.com", "properties": {"deep": value}}
    )
    assert response.status_code == 201
    assert Contact.objects.get().properties == {"deep": value}


@pytest.mark.parametrize(
    "body",
    [
        '{"email": "x@example.com", "first_name": "\\ud800"}',
        '{"email": "x@example.com", "properties": {"\\udfff": 1}}',
        '{"email": "x@example.com", "properties": {"a": ["ok", "\\ud83d"]}}',
    ],
)
def test_a_lone_surrogate_is_a_400_not_a_database_error(ops_api, body):
    result = _assert_json_error(_post_raw(ops_api, body, "/api/v1/contacts/"), 400)
    assert "invalid Unicode" in result["detail"]
    assert not Contact.objects.exists()


def test_invalid_utf8_is_a_400(ops_api):
    body = b'{"email": "x@example.com", "first_name": "\xff\xfe"}'
    result = _assert_json_error(_post_raw(ops_api, body, "/api/v1/contacts/"), 400)
    assert "utf-8" in result["detail"].lower()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_numbers_are_a_400(ops_api, constant):
    body = '{"email": "x@example.com", "properties": {"n": ' + constant + "}}"
    _assert_json_error(_post_raw(ops_api, body, "/api/v1/contacts/"), 400)


def test_a_megabyte_key_or_value_anywhere_is_a_400(ops_api):
    big = "k" * 1_000_000
    for properties in ({big: 1}, {"note": big}):
        body = json.dumps({"email": "x@example.com", "properties": properties})
        result = _assert_json_error(_post_raw(ops_api, body, "/api/v1/contacts/"), 400)
        assert "longer than" in result["detail"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "properties, message",
    [
        ({"k" * 101: 1}, "1 to 100 characters"),
        ({"note": "v" * 10_001}, "longer than 10,000"),
        ({f"p{i}": i for i in range(201)}, "At most 200"),
    ],
)
def test_property_names_values_and_counts_are_bounded(ops_api, properties, message):
    response = ops_api.post(
        "/api/v1/contacts/", {"email": "x@example.com", "properties": properties}, format="json"
    )
    body = _assert_json_error(response, 400, "invalid")
    assert message in body["errors"]["properties"][0]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/contacts/abc/",
        "/api/v1/contacts/-1/",
        "/api/v1/nothing-here/",
        "/api/v1/scores/1.5/",
    ],
)
def test_unknown_api_urls_answer_json_404(ops_api, url):
    _assert_json_error(ops_api.get(url), 404, "not_found")


def test_field_errors_carry_detail_code_and_errors(ops_api):
    response = ops_api.post("/api/v1/contacts/", {"email": "not-an-email"}, format="json")
    body = _assert_json_error(response, 400, "invalid")
    assert list(body["errors"]) == ["email"]
    assert body["detail"].startswith("email: ")
