"""What every API view shares: pagination, the bulk request envelope, row validation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from django import forms
from django_filters.fields import IsoDateTimeField
from django_filters.filters import IsoDateTimeFilter
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from integrations.api_errors import flatten_errors
from leadscore.bulk import BULK_MAX_ROWS, BulkResult, RowResult, RowStatus


class ApiCursorPagination(CursorPagination):
    """Stable pages however the data changes between requests: follow `next` until null."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"


def validate_rows(
    serializer_class: type[serializers.Serializer], items: Sequence[Any]
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowResult]]:
    """
    Check the shape of every item with one serializer instance (fast for 10,000 rows):
    returns the valid rows as (index, validated data) and an error result for each other one.
    """
    serializer = serializer_class()
    valid, errors = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(
                RowResult(index, RowStatus.ERROR, errors={"row": ["Each item is a JSON object."]})
            )
            continue
        try:
            data = serializer.run_validation(item)
        except exceptions.ValidationError as exc:
            errors.append(RowResult(index, RowStatus.ERROR, errors=flatten_errors(exc.detail)))
            continue
        valid.append((index, data))
    return valid, errors


class BulkRequestSerializer(serializers.Serializer):
    """The envelope of a bulk request; each item is checked on its own (see validate_rows)."""

    atomic = serializers.BooleanField(
        default=False,
        help_text="All or nothing: if any row fails, nothing of the batch is written (422).",
    )
    items = serializers.ListField(min_length=1, max_length=BULK_MAX_ROWS)


class RowResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the request, from 0.")
    status = serializers.ChoiceField(
        choices=["created", "updated", "unchanged", "error", "skipped"],
        help_text="skipped: a valid row of an atomic batch that was rolled back.",
    )
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field name to messages, for error and skipped rows.",
    )


class BulkCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class BulkResponseSerializer(serializers.Serializer):
    committed = serializers.BooleanField(
        help_text="False when an atomic batch was rolled back because a row failed."
    )
    atomic = serializers.BooleanField()
    counts = BulkCountsSerializer()
    results = RowResultSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(help_text="invalid, not_found, version_frozen, throttled…")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="On 400 for invalid fields: field name ('company.domain') to messages.",
    )
    retry_after = serializers.IntegerField(required=False, help_text="On 429 only: seconds.")


def bulk_envelope(request) -> tuple[list[Any], bool]:
    """The items and the atomic flag (body `atomic` or `?atomic=true`) of a bulk request."""
    envelope = BulkRequestSerializer(data=request.data)
    envelope.is_valid(raise_exception=True)
    atomic = envelope.validated_data["atomic"] or request.query_params.get(
        "atomic", ""
    ).lower() in {"1", "true", "yes"}
    return envelope.validated_data["items"], atomic


def bulk_response(result: BulkResult, shape_errors: list[RowResult], *, atomic: bool) -> Response:
    """Merge shape errors with the service's results, in row order; 422 if rolled back."""
    results = sorted([*shape_errors, *result.results], key=lambda r: r.index)
    counts = dict.fromkeys(("created", "updated", "unchanged", "error"), 0)
    for row in results:
        if row.status in counts:
            counts[row.status] += 1
    body = {
        "committed": result.committed,
        "atomic": atomic,
        "counts": counts,
        "results": [r.as_dict() for r in results],
    }
    code = status.HTTP_200_OK if result.committed else status.HTTP_422_UNPROCESSABLE_ENTITY
    return Response(body, status=code)


def atomic_rejected_by_shape(shape_errors: list[RowResult], valid: Sequence[Any]) -> Response:
    """An atomic batch with rows of the wrong shape: nothing is even planned."""
    result = BulkResult(committed=False)
    result.results = [
        RowResult(
            index,
            RowStatus.SKIPPED,
            errors={"batch": ["Not written: the batch is atomic and another row failed."]},
        )
        for index, _ in valid
    ]
    return bulk_response(result, shape_errors, atomic=True)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment brought to UTC: databases refuse offsets beyond ±15:59."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("This moment is out of range.") from exc


class UtcIsoDateTimeFilter(IsoDateTimeFilter):
    """`?updated_since=2025-05-01T09:30:00+02:00`, any offset, compared in UTC."""

    field_class = UtcIsoDateTimeField
