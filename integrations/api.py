"""What every API view shares: pagination, the bulk request envelope, row validation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from integrations.api_errors import flatten_errors
from integrations.strict import StrictTypesMixin
from leadscore.bulk import BULK_MAX_ROWS, BulkResult, RowResult, RowStatus


class ApiCursorPagination(CursorPagination):
    """Stable pages however the data changes between requests: follow `next` until null."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"

    def get_page_size(self, request) -> int:
        """`page_size` from 1 to 1000; anything else is a 400, not silently the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw.strip())
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size or not raw.strip().isdigit():
            raise exceptions.ValidationError(
                {"page_size": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters


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


class BulkRequestSerializer(StrictTypesMixin, serializers.Serializer):
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
    flag = request.query_params.get("atomic")
    if flag is not None and flag.strip().lower() not in {"1", "true", "yes", "0", "false", "no"}:
        raise exceptions.ValidationError({"atomic": ["Give true or false."]})
    atomic = envelope.validated_data["atomic"] or (flag or "").strip().lower() in {
        "1",
        "true",
        "yes",
    }
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


# Kept importable from here (older imports); the filters live in integrations.filters.
from integrations.filters import UtcIsoDateTimeField, UtcIsoDateTimeFilter  # noqa: E402, F401
