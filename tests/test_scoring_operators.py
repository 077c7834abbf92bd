"""Each fit operator, its negation, and how empty and placeholder values behave."""

import pytest

from scoring.engine import compare, seniority_of


@pytest.mark.parametrize(
    ("operator", "actual", "value", "low", "high", "expected"),
    [
        ("equals", "Software", "software", None, None, True),
        ("equals", "Software", "Retail", None, None, False),
        ("not_equals", "Software", "Retail", None, None, True),
        ("not_equals", "Software", "SOFTWARE", None, None, False),
        ("one_of", "Germany", "France, Germany", None, None, True),
        ("one_of", "Spain", "France, Germany", None, None, False),
        ("not_one_of", "Spain", "France, Germany", None, None, True),
        ("not_one_of", "germany", "France, Germany", None, None, False),
        ("contains", "VP of Sales", "sales", None, None, True),
        ("contains", "VP of Sales", "marketing", None, None, False),
        ("not_contains", "VP of Sales", "marketing", None, None, True),
        ("not_contains", "VP of Sales", "SALES", None, None, False),
        ("between", 250, "", 200, 5000, True),
        ("between", 200, "", 200, 5000, True),
        ("between", 5001, "", 200, 5000, False),
        ("not_between", 5001, "", 200, 5000, True),
        ("not_between", 300, "", 200, 5000, False),
        ("at_least", 10_000_000, "", 10_000_000, None, True),
        ("at_least", 9_999_999, "", 10_000_000, None, False),
        ("at_most", 19, "", None, 19, True),
        ("at_most", 20, "", None, 19, False),
        ("at_least", "1,500", "", 1000, None, True),
        ("is_set", "Berlin", "", None, None, True),
        ("is_set", "", "", None, None, False),
        ("is_empty", None, "", None, None, True),
        ("is_empty", "Berlin", "", None, None, False),
        ("is_true", True, "", None, None, True),
        ("is_true", False, "", None, None, False),
        ("is_false", False, "", None, None, True),
        ("is_false", True, "", None, None, False),
    ],
)
def test_operator(operator, actual, value, low, high, expected):
    assert compare(operator, actual, value, low, high) is expected


def test_a_list_matches_when_any_item_does():
    stack = ["Salesforce", "Snowflake"]
    assert compare("one_of", stack, "HubSpot, Salesforce")
    assert compare("contains", stack, "flake")
    assert not compare("equals", stack, "HubSpot")
    assert compare("not_one_of", stack, "HubSpot, Marketo")
    assert compare("is_empty", [], "")


@pytest.mark.parametrize("placeholder", ["", "Select", "Unknown", "N/A", "  ", "-"])
def test_placeholder_values_count_as_empty(placeholder):
    assert compare("is_empty", placeholder)
    assert not compare("is_set", placeholder)
    assert not compare("equals", placeholder, placeholder or "x")


@pytest.mark.parametrize("operator", ["between", "not_between", "at_least", "at_most"])
def test_a_missing_number_never_satisfies_a_numeric_test(operator):
    assert not compare(operator, None, "", 1, 10)
    assert not compare(operator, "unknown", "", 1, 10)


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Chief Revenue Officer", "c_level"),
        ("CEO & Co-Founder", "c_level"),
        ("VP Marketing", "vp"),
        ("Senior Vice President, Sales", "vp"),
        ("Head of Growth", "head"),
        ("Head of Student Success", "head"),
        ("Director of IT", "director"),
        ("Marketing Manager", "manager"),
        ("Software Engineer", "individual"),
        ("Executive Assistant to the CEO", "individual"),
        ("MBA Student", "student"),
        ("Marketing Intern", "student"),
        ("", None),
    ],
)
def test_seniority_is_read_from_the_job_title(title, level):
    assert seniority_of(title) == level
