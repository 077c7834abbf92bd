"""
JSON types as the schema states them: DRF would turn "5" into 5, 1 into True and 0 into "0";
an API whose schema says integer, boolean or string answers 400 to the wrong JSON type instead.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_problem(field: serializers.Field, value: Any) -> str | None:
    """Why a JSON value does not have the type the field's schema declares, or None."""
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(field, serializers.ChoiceField):
        keys = list(field.choices)
        if keys and all(isinstance(k, str) for k in keys) and not isinstance(value, str):
            return "Must be a string."
        return None
    if isinstance(field, serializers.CharField | serializers.DateTimeField):
        return None if isinstance(value, str) else "Must be a string."
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return (
            None
            if isinstance(value, int) and not isinstance(value, bool)
            else ("Must be a whole number.")
        )
    if isinstance(field, serializers.FloatField):
        return None if _is_number(value) else "Must be a number."
    if isinstance(field, serializers.DecimalField):
        return None if _is_number(value) or isinstance(value, str) else "Must be a number."
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Must be a list."
        for item in value:
            problem = type_problem(field.child, item)
            if problem:
                return f"Each item: {problem[0].lower()}{problem[1:]}"
        return None
    if isinstance(field, serializers.DictField):
        return None if isinstance(value, dict) else "Must be an object."
    return None


def unknown_field_message(fields: dict[str, serializers.Field]) -> str:
    takes = ", ".join(sorted(name for name, field in fields.items() if not field.read_only))
    return f"Unknown field; this takes: {takes or 'none'}."


class StrictTypesMixin:
    """
    For serializers of JSON input: a key that is none of its fields is refused (DRF would drop
    it, so a misspelt `frist_name` stored nothing and answered 201), and each given field's JSON
    type is checked before DRF coerces it. Read-only fields (ModelSerializer's) are fields:
    sent, they are ignored. The schema says so too: its request body takes no other property
    (integrations.schema).
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            fields = self.fields  # type: ignore[attr-defined]
            errors = {
                str(name)[:100]: [unknown_field_message(fields)]
                for name in data
                if name not in fields
            }
            for name, field in fields.items():
                if field.read_only or field.source == "*" or name not in data:
                    continue
                problem = type_problem(field, data[name])
                if problem:
                    errors[name] = [problem]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]
