"""
The REST API's serializers for companies, contacts and activities: the shapes it answers with,
the shapes it accepts (checked row by row), and the service rows (contacts.services) that
accepted data becomes.
"""

from __future__ import annotations

import contextlib
import json
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contacts import services
from contacts.models import (
    STAGE_DATE_FIELDS,
    Activity,
    ActivityKind,
    Company,
    Contact,
    LeadSource,
    LifecycleStage,
)
from contacts.services import ActivityRow, CompanyRow, ContactRow
from integrations.strict import StrictTypesMixin
from leadscore.ids import ID_MAX  # ids are 64-bit: a larger one is a 400, not a 500

INT_MAX = 2_147_483_647


# ---- Serializers: shape only -------------------------------------------------------------


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "employee_count",
            "annual_revenue",
            "country",
            "region",
            "city",
            "technologies",
            "properties",
            "account_owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number", "minimum": -99_999_999_999_999, "maximum": 99_999_999_999_999},
            {"type": "string", "pattern": r"^-?\d{1,14}(\.\d{1,2})?$"},
        ],
        "nullable": True,
    }
)
class RevenueField(serializers.DecimalField):
    """An amount sent as a JSON number or a numeric string, rounded to cents."""

    PATTERN = re.compile(r"-?\d{1,14}(\.\d{1,2})?")

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and not self.PATTERN.fullmatch(data):
            raise serializers.ValidationError("A number with at most 14 digits and 2 decimals.")
        return super().run_validation(data)

    def validate_precision(self, value: Decimal) -> Decimal:
        # Too many digits to round raises InvalidOperation: the check below refuses those.
        with contextlib.suppress(InvalidOperation):
            value = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return super().validate_precision(value)


class CompanyInSerializer(StrictTypesMixin, serializers.Serializer):
    """A company to upsert by domain; fields left out (or empty) keep their stored value."""

    domain = serializers.CharField(
        max_length=255, help_text="Any form: 'https://www.Example.com/about' is example.com."
    )
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    employee_count = serializers.IntegerField(
        min_value=0, max_value=INT_MAX, required=False, allow_null=True
    )
    annual_revenue = RevenueField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    technologies = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=200
    )


class CompanyRefSerializer(serializers.ModelSerializer):
    """The contact's company in short; null when the contact has none."""

    class Meta:
        model = Company
        fields = ["id", "name", "domain"]


class IdentitySerializer(serializers.Serializer):
    source = serializers.CharField()
    external_id = serializers.CharField()


class ContactSerializer(serializers.ModelSerializer):
    # Plain text, not format "email": empty for a contact known only by an external id.
    email = serializers.CharField(
        read_only=True, help_text="Empty for a contact known only by an external id."
    )
    company = CompanyRefSerializer(read_only=True, allow_null=True)
    stage_dates = serializers.SerializerMethodField()
    identities = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "job_title",
            "phone",
            "company",
            "identities",
            "country",
            "region",
            "city",
            "lead_source",
            "lead_source_raw",
            "lifecycle_stage",
            "stage_dates",
            "do_not_contact",
            "unsubscribed",
            "properties",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @staticmethod
    @extend_schema_field(IdentitySerializer(many=True))
    def get_identities(contact: Contact) -> list[dict[str, str]]:
        """The contact's ids in other systems."""
        return [
            {"source": i.source, "external_id": i.external_id} for i in contact.identities.all()
        ]

    @staticmethod
    def get_stage_dates(contact: Contact) -> dict[str, str | None]:
        """When each lifecycle stage was first reached (null: never)."""
        return {
            stage: value.isoformat() if (value := getattr(contact, name)) else None
            for stage, name in STAGE_DATE_FIELDS.items()
        }


# Custom properties: bounded so one contact cannot carry megabytes (README, "Limits").
PROPERTIES_MAX_KEYS = 200
PROPERTY_KEY_MAX_LENGTH = 100
PROPERTY_VALUE_MAX_LENGTH = 10_000


def _json_without_nul(value: Any) -> Any:
    if services.has_nul(value):
        raise serializers.ValidationError("May not contain NUL characters.")
    return value


def _properties_bounded(value: dict[str, Any]) -> dict[str, Any]:
    """At most 200 keys of up to 100 characters; each value at most 10,000 characters as JSON."""
    if len(value) > PROPERTIES_MAX_KEYS:
        raise serializers.ValidationError(f"At most {PROPERTIES_MAX_KEYS} properties.")
    for key, item in value.items():
        if not key.strip() or len(key) > PROPERTY_KEY_MAX_LENGTH:
            raise serializers.ValidationError(
                f"Property names have 1 to {PROPERTY_KEY_MAX_LENGTH} characters."
            )
        size = len(item) if isinstance(item, str) else len(json.dumps(item, default=str))
        if size > PROPERTY_VALUE_MAX_LENGTH:
            raise serializers.ValidationError(
                f"The value of '{key[:40]}' is longer than {PROPERTY_VALUE_MAX_LENGTH:,} "
                "characters."
            )
    return value


PROPERTIES_HELP = (
    f"at most {PROPERTIES_MAX_KEYS} keys of up to {PROPERTY_KEY_MAX_LENGTH} characters, each "
    f"value up to {PROPERTY_VALUE_MAX_LENGTH:,} characters"
)


class ContactInSerializer(StrictTypesMixin, serializers.Serializer):
    """
    A contact to upsert, found by (source, external_id) when given, else by email (any case).
    Give either. Fields left out keep their stored value.
    """

    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    source = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The system external_id belongs to: 'hubspot', 'salesforce', your CRM...",
    )
    external_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The contact's id in that system; the contact is found by it next time.",
    )
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lead_source_raw = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The lead source as your system names it; lead_source is its category.",
    )
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    lead_source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    lifecycle_stage = serializers.ChoiceField(choices=LifecycleStage.choices, required=False)
    do_not_contact = serializers.BooleanField(required=False)
    unsubscribed = serializers.BooleanField(required=False)
    properties = serializers.DictField(
        required=False,
        validators=[_json_without_nul, _properties_bounded],
        help_text="Custom properties, merged into the stored ones (a key given replaces it); "
        + PROPERTIES_HELP
        + ".",
    )
    company = CompanyInSerializer(
        required=False,
        allow_null=True,
        help_text="The contact's company, upserted by domain and linked to the contact.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("email") and not (attrs.get("external_id") or "").strip():
            raise serializers.ValidationError(
                {"email": ["Give the contact's email or its external_id (with its source)."]}
            )
        return attrs


class MergeInSerializer(serializers.Serializer):
    duplicates = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        min_length=1,
        max_length=100,
        help_text="Ids of the contacts to merge into this one.",
    )


class ActivitySerializer(serializers.ModelSerializer):
    contact_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "contact_id",
            "kind",
            "custom_kind",
            "occurred_at",
            "properties",
            "source",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


class ActivityInSerializer(StrictTypesMixin, serializers.Serializer):
    """An event. Give (source, external_id) to make re-sending it harmless."""

    contact_id = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)
    contact_email = serializers.EmailField(
        max_length=254, required=False, help_text="Matched case-insensitively."
    )
    contact_source = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="With contact_external_id: the system the contact's id belongs to.",
    )
    contact_external_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The contact's id in contact_source (instead of its email or contact_id).",
    )
    create_contact = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Create the contact from contact_email / contact_external_id when none is "
        "found, instead of answering an error.",
    )
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    custom_kind = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Names a 'custom' kind."
    )
    occurred_at = serializers.DateTimeField()
    properties = serializers.DictField(
        required=False,
        validators=[_json_without_nul, _properties_bounded],
        help_text="Details the scoring rules can test: url, form_name, asset, percent_watched…; "
        + PROPERTIES_HELP
        + ".",
    )
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The event's id at its source; with source, stores the event once.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (
            not attrs.get("contact_id")
            and not attrs.get("contact_email")
            and not (attrs.get("contact_external_id") or "").strip()
        ):
            raise serializers.ValidationError(
                {"contact_email": ["Give the contact's email, contact_id or contact_external_id."]}
            )
        return attrs


# ---- Rows for the services -----------------------------------------------------------------


def company_row(index: int, data: dict[str, Any]) -> CompanyRow:
    fields = {k: v for k, v in data.items() if k != "domain"}
    return CompanyRow(index=index, domain=data["domain"], fields=fields)


def contact_row(index: int, data: dict[str, Any]) -> ContactRow:
    data = dict(data)
    company = data.pop("company", None)
    return ContactRow(
        index=index,
        email=data.pop("email", "") or "",
        source=data.pop("source", "") or "",
        external_id=data.pop("external_id", "") or "",
        properties=data.pop("properties", {}) or {},
        company=dict(company) if company else None,
        fields=data,
    )


def activity_row(index: int, data: dict[str, Any]) -> ActivityRow:
    return ActivityRow(
        index=index,
        contact_id=data.get("contact_id"),
        contact_email=data.get("contact_email", ""),
        contact_source=data.get("contact_source", "") or "",
        contact_external_id=data.get("contact_external_id", "") or "",
        create_contact=bool(data.get("create_contact")),
        kind=data["kind"],
        custom_kind=data.get("custom_kind", ""),
        occurred_at=data["occurred_at"],
        properties=data.get("properties") or {},
        source=data.get("source", ""),
        external_id=data.get("external_id", ""),
    )
