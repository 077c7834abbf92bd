"""Filter options read the distinct company industries and countries by a loose index scan."""

import pytest

from contacts.selectors import company_distinct_values
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_distinct_values_are_sorted_unique_and_never_empty():
    for industry, country in [
        ("Retail", "Spain"),
        ("Finance", ""),
        ("Retail", "France"),
        ("", "Spain"),
        ("Aerospace", "Germany"),
    ]:
        CompanyFactory(industry=industry, country=country)
    assert company_distinct_values("industry") == ["Aerospace", "Finance", "Retail"]
    assert company_distinct_values("country") == ["France", "Germany", "Spain"]


def test_no_companies_give_no_values():
    assert company_distinct_values("country") == []


def test_a_column_without_an_index_is_refused():
    with pytest.raises(ValueError, match="No index"):
        company_distinct_values("name")
