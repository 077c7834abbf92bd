"""
Query filters whose schema says exactly what they accept (the fuzzer holds us to it): ids are
integers from 1, booleans are true/false, moments are ISO 8601 date-times, and a parameter sent
empty or malformed, or one the endpoint does not take, is a 400 rather than silently ignored.
"""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend, OrderingFilter
from rest_framework.settings import api_settings

from leadscore.ids import ID_MAX  # ids are 64-bit: a larger one is a 400, not a 500


class _StrictIntegerField(forms.IntegerField):
    def to_python(self, value):
        if value is not None and str(value).strip() == "":
            raise forms.ValidationError("Give a whole number.")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """`?company=12`: an id from 1 to 2**63-1 (a non-existent one matches nothing)."""

    field_class = _StrictIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class _KnownIdField(_StrictIntegerField):
    def __init__(self, *args, queryset, unknown: str, **kwargs):
        self.queryset, self.unknown = queryset, unknown
        super().__init__(*args, **kwargs)

    def clean(self, value):
        number = super().clean(value)
        if number is not None and not self.queryset.filter(pk=number).exists():
            raise forms.ValidationError(self.unknown.format(id=number))
        return number


class KnownIdFilter(IdFilter):
    """
    `?model=3` where the id chooses what is read rather than narrowing it: an id not in
    `queryset` (read per request) is a 400 saying `unknown` (`{id}` in it), where an empty
    list would read as "nothing there".
    """

    field_class = _KnownIdField


class _StrictBooleanField(forms.Field):
    """Reads the raw text (Django's NullBooleanSelect would turn anything unknown into None)."""

    widget = forms.TextInput

    def to_python(self, value):
        if value is None:
            return None
        text = str(value).strip().lower()
        if text == "true":
            return True
        if text == "false":
            return False
        raise forms.ValidationError("Give true or false.")


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(django_filters.BooleanFilter):
    """`?mql=true`: true or false; anything else is a 400."""

    field_class = _StrictBooleanField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment brought to UTC: databases refuse offsets beyond ±15:59."""

    def to_python(self, value):
        if value is not None and not str(value).strip():
            raise forms.ValidationError("Give a date-time, e.g. 2025-05-01T09:30:00Z.")
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError("This moment is out of range.") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`?updated_since=2025-05-01T09:30:00+02:00`, any offset, compared in UTC."""

    field_class = UtcIsoDateTimeField


POINTS_LIMIT = 1_000_000


class _PointsField(forms.FloatField):
    def to_python(self, value):
        if value is not None and str(value).strip() == "":
            raise forms.ValidationError("Give a number.")
        number = super().to_python(value)
        if number is not None and not -POINTS_LIMIT <= number <= POINTS_LIMIT:
            raise forms.ValidationError(f"Give a number from -{POINTS_LIMIT} to {POINTS_LIMIT}.")
        return number


@extend_schema_field({"type": "number", "minimum": -POINTS_LIMIT, "maximum": POINTS_LIMIT})
class PointsFilter(django_filters.NumberFilter):
    """`?fit_min=40`: a score bound, a finite number within ±1,000,000."""

    field_class = _PointsField


class KnownQueryParameters(BaseFilterBackend):
    """
    Refuses a read whose query names a parameter the endpoint does not take (`?contact=` where
    the filter is `?company=`, a misspelt `?updated_snce=`): ignored, it would answer every
    row as if it matched. What an endpoint takes is read from its other filter backends and its
    paginator, so a new filter is accepted as soon as it is declared. Writes (POST and the
    rest) are not checked: their query carries no filter.
    """

    def filter_queryset(self, request, queryset, view):
        if request.method not in ("GET", "HEAD"):
            return queryset
        accepted = accepted_parameters(queryset, view)
        unknown = sorted(set(request.query_params) - accepted)
        if unknown:
            takes = ", ".join(sorted(accepted)) or "none"
            raise exceptions.ValidationError(
                {
                    name[:100]: [f"Unknown parameter; this endpoint takes: {takes}."]
                    for name in unknown
                }
            )
        return queryset

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return []  # it adds no parameter of its own


def accepted_parameters(queryset, view) -> set[str]:
    """The query parameters an API view reads: its filters, ordering, paging and `format`."""
    accepted = {api_settings.URL_FORMAT_OVERRIDE} - {None}
    for backend_class in getattr(view, "filter_backends", ()):
        backend = backend_class()
        if isinstance(backend, DjangoFilterBackend):
            filterset_class = backend.get_filterset_class(view, queryset)
            for name, found in (filterset_class.base_filters if filterset_class else {}).items():
                # A two-part filter (a range) reads `<name>_<suffix>` for each part.
                suffixes = getattr(found.field.widget, "suffixes", None) or [""]
                accepted |= {f"{name}_{s}" if s else name for s in suffixes}
        for attribute in ("ordering_param", "search_param"):
            if getattr(backend, attribute, None):
                accepted.add(getattr(backend, attribute))
    paginator = getattr(view, "paginator", None)
    for attribute in (
        "cursor_query_param",
        "page_query_param",
        "page_size_query_param",
        "limit_query_param",
        "offset_query_param",
    ):
        if getattr(paginator, attribute, None):
            accepted.add(getattr(paginator, attribute))
    return accepted


class StrictOrderingFilter(OrderingFilter):
    """
    On an endpoint that names its ordering_fields, ?ordering= by another field is a 400 naming
    those it takes, like an unknown parameter (DRF drops such a field silently and answers in
    another order); the schema documents the same choice as a pattern.
    """

    @staticmethod
    def _named(view) -> list[str] | None:
        fields = getattr(view, "ordering_fields", None)
        if not isinstance(fields, list | tuple):
            return None  # DRF's defaults (the serializer's fields): not documented, not strict
        return [field if isinstance(field, str) else field[0] for field in fields]

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        names = self._named(view)
        if names:
            term = f"-?({'|'.join(names)})"
            # Empty is the default order.
            parameters[0]["schema"]["pattern"] = f"^({term}(,{term})*)?$"
            parameters[0]["description"] = (
                f"Sort by {', '.join(names)}; - before a field for descending, several "
                "separated by commas."
            )
        return parameters

    def get_ordering(self, request, queryset, view):
        given = request.query_params.get(self.ordering_param)
        if not given or self._named(view) is None:
            return super().get_ordering(request, queryset, view)
        fields = [term.strip() for term in given.split(",")]
        valid = self.remove_invalid_fields(queryset, fields, view, request)
        if len(valid) != len(fields):
            names = sorted(
                n for n, _ in self.get_valid_fields(queryset, view, {"request": request})
            )
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        f"Sort by {', '.join(names) or 'nothing here'}, each with - for "
                        "descending, separated by commas."
                    ]
                }
            )
        return valid


# What an API list filters with: unknown parameters refused, then its filters and ordering.
API_FILTER_BACKENDS = [KnownQueryParameters, DjangoFilterBackend, StrictOrderingFilter]
