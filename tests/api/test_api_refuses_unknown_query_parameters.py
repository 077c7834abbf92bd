"""
A read naming a query parameter the endpoint does not take is a 400 that names it and lists what
the endpoint takes: ignored, `?contact_email=` on assignments answered every contact's assignments.
Every parameter the OpenAPI schema documents is still taken.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from routing.models import Assignment
from tests.factories import ContactFactory
from tests.routing.conftest import route

pytestmark = pytest.mark.django_db


def test_a_filter_the_endpoint_lacks_is_refused_not_ignored(admin_user, client_for):
    api = client_for(admin_user)
    mine, other = route(ContactFactory()), route(ContactFactory())

    response = api.get(f"/api/v1/assignments/?contact_email={mine.contact.email}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["contact_email"]
    message = body["errors"]["contact_email"][0]
    assert message.startswith("Unknown parameter; this endpoint takes:")
    assert "contact" in message and "status" in message and "page_size" in message
    # The filters it does take still filter.
    listed = api.get(f"/api/v1/assignments/?status={mine.status}").json()["results"]
    assert sorted(a["id"] for a in listed) == sorted([mine.pk, other.pk])
    held = api.get(f"/api/v1/assignments/?contact={mine.contact_id}").json()["results"]
    assert [a["id"] for a in held] == [mine.pk]
    assert Assignment.objects.count() == 2  # a read: nothing written either way


def test_a_misspelt_filter_on_one_object_or_a_list_is_refused(ops_api):
    contact = ContactFactory()

    assert ops_api.get("/api/v1/contacts/?updated_snce=2025-01-01T00:00:00Z").status_code == 400
    refused = ops_api.get(f"/api/v1/contacts/{contact.pk}/?verbose=1")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["verbose"]
    assert ops_api.get(f"/api/v1/contacts/{contact.pk}/").status_code == 200


def test_paging_ordering_and_format_are_taken_with_the_filters(ops_api):
    for _ in range(3):
        ContactFactory(lifecycle_stage="lead")

    first = ops_api.get("/api/v1/contacts/?lifecycle_stage=lead&ordering=email&page_size=2")
    assert first.status_code == 200
    following = ops_api.get(first.json()["next"])  # carries the cursor and the same filters
    assert following.status_code == 200
    assert len(first.json()["results"]) + len(following.json()["results"]) == 3
    assert ops_api.get("/api/v1/scores/?format=json").status_code == 200


def _documented_reads(schema: dict) -> list[tuple[str, list[str]]]:
    reads = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or not path.startswith("/api/v1/"):
            continue
        names = [p["name"] for p in get.get("parameters", ()) if p["in"] == "query"]
        reads.append((path, names))
    return reads


def test_every_parameter_the_schema_documents_is_taken(ops_api):
    contact = ContactFactory()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    reads = _documented_reads(schema)
    assert len(reads) >= 10  # lists and single objects of every resource
    for path, names in reads:
        url = re.sub(r"\{\w+\}", str(contact.pk), path)  # {id}, {contact_id}
        for name in names:
            # Any value: a wrong one may be refused, but never as an unknown parameter.
            response = ops_api.get(url, {name: "1"})
            errors = response.json().get("errors", {}) if response.status_code == 400 else {}
            assert "Unknown parameter" not in str(errors), (path, name)
        response = ops_api.get(url, {"no_such_parameter": "1"})
        assert response.status_code == 400, path
        assert "no_such_parameter" in response.json()["errors"], path


@pytest.mark.parametrize("ordering", ["email", "-fit,email", "fit,", "--fit"])
def test_an_ordering_the_endpoint_lacks_is_refused_not_ignored(ordering, ops_api):
    response = ops_api.get("/api/v1/scores/", {"ordering": ordering})
    assert response.status_code == 400
    message = response.json()["errors"]["ordering"][0]
    assert message.startswith("Sort by contact_id, fit, interest, scored_at")


def test_an_ordering_it_takes_still_sorts(ops_api):
    assert ops_api.get("/api/v1/scores/", {"ordering": "-interest,contact_id"}).status_code == 200
