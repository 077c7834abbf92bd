"""
Values and comparisons the scoring rules test: what counts as empty, seniority from a job
title, and the operators of fit rules and activity conditions. Pure, like scoring.engine.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

# Values that CRMs and web forms put in a field nobody filled in; they count as empty.
PLACEHOLDER_VALUES = frozenset(
    {
        "",
        "select",
        "-- select --",
        "please select",
        "unknown",
        "n/a",
        "na",
        "none",
        "null",
        "-",
        "--",
        "other (please specify)",
        "not specified",
        "000000000000000aaa",
    }
)


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in PLACEHOLDER_VALUES
    if isinstance(value, list | tuple | set | frozenset | dict):
        return not any(not is_empty(v) for v in value) if not isinstance(value, dict) else not value
    return False


# Seniority from a job title. Order matters: "Vice President" is a VP before "President" is
# C-level, and "Head of Student Success" is a head, not a student; "Assistant to the CEO" is
# caught by a guard in seniority_of().
_C_LEVEL = (
    r"chief|ceo|cto|cfo|coo|cmo|cro|cio|ciso|cpo|founder|co-founder|cofounder|president|owner"
)
_SENIORITY_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("vp", re.compile(r"\b(vp|svp|evp|avp|vice[- ]president)\b")),
    ("c_level", re.compile(rf"\b({_C_LEVEL})\b")),
    ("head", re.compile(r"\bhead\b")),
    ("director", re.compile(r"\bdirector\b")),
    ("manager", re.compile(r"\b(manager|team lead|tech lead|supervisor)\b")),
    ("student", re.compile(r"\b(student|intern|internship|trainee|phd candidate)\b")),
]
SENIORITY_LABELS = {
    "c_level": "C-level",
    "vp": "VP",
    "head": "Head of",
    "director": "Director",
    "manager": "Manager",
    "individual": "Individual contributor",
    "student": "Student",
}


# What a rule's value may call a level: its code, its label, and the label's usual spellings.
_SENIORITY_NAMES = {
    name: level
    for level, label in SENIORITY_LABELS.items()
    for name in (level, level.replace("_", " "), level.replace("_", "-"), label.lower())
}


def seniority_level(name: str) -> str | None:
    """The level a rule's value names ('C-level', 'c_level', 'Head of' -> 'head'), else None."""
    return _SENIORITY_NAMES.get(" ".join(name.lower().split()))


def seniority_of(title: str | None) -> str | None:
    if is_empty(title):
        return None
    return _seniority_of_text(str(title).lower())


# Titles repeat across contacts, and account scoring asks for every member's seniority.
@functools.lru_cache(maxsize=8192)
def _seniority_of_text(text: str) -> str:
    if re.search(r"\b(assistant|executive assistant|ea) to\b", text):
        return "individual"
    for level, pattern in _SENIORITY_PATTERNS:
        if pattern.search(text):
            return level
    return "individual"


# ---- Comparisons -------------------------------------------------------------------------

TEXT_OPERATORS = {"equals", "not_equals", "one_of", "not_one_of", "contains", "not_contains"}
NUMBER_OPERATORS = {"at_least", "at_most", "between", "not_between"}
PRESENCE_OPERATORS = {"is_set", "is_empty", "is_true", "is_false"}
ALL_OPERATORS = TEXT_OPERATORS | NUMBER_OPERATORS | PRESENCE_OPERATORS


def split_values(value: str | None) -> list[str]:
    """'SaaS, Fintech\\nHealth' -> ['saas', 'fintech', 'health'] for one-of lists."""
    return [v.strip().lower() for v in re.split(r"[,\n;]", value or "") if v.strip()]


def as_number(value: Any) -> float | None:
    """A number from a field as people type it (1,200 or 15%), or None when there is none."""
    if isinstance(value, bool) or is_empty(value):
        return None
    try:
        number = float(str(value).replace(",", "").strip().rstrip("%"))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _as_texts(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple | set | frozenset) else [value]
    return [str(v).strip().lower() for v in items if not is_empty(v)]


def compare(
    operator: str,
    actual: Any,
    value: str = "",
    min_value: float | None = None,
    max_value: float | None = None,
) -> bool:
    """
    Apply one operator. Text is compared case-insensitively; a list (technologies) matches when
    any item does. A missing value never satisfies a numeric test, negated or not: "not between
    10 and 500 employees" should not pick up companies whose size nobody knows.
    """
    if operator == "is_set":
        return not is_empty(actual)
    if operator == "is_empty":
        return is_empty(actual)
    if operator == "is_true":
        if isinstance(actual, str):
            return actual.strip().lower() in {"true", "yes", "1"}
        return actual is True
    if operator == "is_false":
        return not compare("is_true", actual)
    if operator in NUMBER_OPERATORS:
        number = as_number(actual)
        if number is None:
            return False
        low = -math.inf if min_value is None else min_value
        high = math.inf if max_value is None else max_value
        if operator == "at_least":
            return number >= low
        if operator == "at_most":
            return number <= high
        inside = low <= number <= high
        return inside if operator == "between" else not inside
    texts = _as_texts(actual)
    if operator == "equals":
        return value.strip().lower() in texts
    if operator == "one_of":
        return bool(set(texts) & set(split_values(value)))
    if operator == "contains":
        needle = value.strip().lower()
        return any(needle in t for t in texts)
    if operator in {"not_equals", "not_one_of", "not_contains"}:
        return not compare(operator.removeprefix("not_"), actual, value, min_value, max_value)
    raise ValueError(f"Unknown operator {operator!r}")
