"""
A JSON body naming a field the endpoint does not take is refused, not dropped: a misspelt
`frist_name` stored an empty first name and answered 201. In a bulk request the row fails and
the others are written; the schema says request bodies take no other property.
"""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from contacts.models import Activity, Contact
from tests.factories import ContactFactory, FitRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


def test_a_misspelt_field_is_a_400_and_nothing_is_stored(ops_api):
    response = ops_api.post(
        "/api/v1/contacts/", {"email": "ada@example.com", "frist_name": "Ada"}, format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["frist_name"]
    assert errors["frist_name"][0].startswith("Unknown field; this takes:")
    assert "first_name" in errors["frist_name"][0]
    assert not Contact.objects.filter(email="ada@example.com").exists()


def test_a_field_only_answers_carry_is_refused_with_what_the_endpoint_takes(ops_api):
    contact = ContactFactory(first_name="Ada")
    read = ops_api.get(f"/api/v1/contacts/{contact.pk}/").json()

    response = ops_api.post(
        "/api/v1/contacts/",
        {"email": read["email"], "job_title": "CTO", "created_at": read["created_at"]},
        format="json",
    )

    assert response.status_code == 400
    assert "job_title" in response.json()["errors"]["created_at"][0]
    contact.refresh_from_db()
    assert contact.job_title != "CTO"


def test_a_read_only_field_of_a_rule_is_ignored_and_a_misspelt_one_refused(ops_api):
    rule = FitRuleFactory(points=10, scoring_model=ScoringModelFactory(is_live=False))  # a draft
    url = f"/api/v1/scoring-rules/{rule.pk}/"

    changed = ops_api.patch(url, {"id": rule.pk, "points": 15}, format="json")
    unknown = ops_api.patch(url, {"pionts": 20}, format="json")

    assert changed.status_code == 200, changed.json()
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["pionts"]
    rule.refresh_from_db()
    assert rule.points == 15


def test_a_bulk_row_with_an_unknown_field_fails_alone(ops_api):
    contact = ContactFactory()
    good = {"contact_id": contact.pk, "kind": "page_view", "occurred_at": "2026-01-05T09:30:00Z"}
    bad = {**good, "external_id": "evt-2", "propertys": {"url": "/pricing"}}

    response = ops_api.post("/api/v1/activities/bulk/", {"items": [good, bad]}, format="json")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["status"] for row in rows] == ["created", "error"]
    assert list(rows[1]["errors"]) == ["propertys"]
    assert list(Activity.objects.values_list("contact_id", "external_id")) == [(contact.pk, "")]


def test_the_schema_says_request_bodies_take_no_other_property():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ("ContactInRequest", "CompanyInRequest", "ActivityInRequest"):
        assert schemas[name]["additionalProperties"] is False, name
    # Answers may grow: a response schema stays open.
    assert "additionalProperties" not in schemas["Contact"]
