"""DRF's nested error detail as flat {"field" or "company.domain": [messages]}."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"company": {"domain": ["..."]}} -> {"company.domain": ["..."]}; lists get [i]."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                name = prefix or "row"
            out.update(flatten_errors(value, name))
        return out
    if isinstance(detail, list) and detail and not isinstance(detail[0], dict | list):
        return {prefix or "row": [str(m) for m in detail]}
    if isinstance(detail, list):
        out = {}
        for i, value in enumerate(detail):
            out.update(flatten_errors(value, f"{prefix}[{i}]"))
        return out
    return {prefix or "row": [str(detail)]}
