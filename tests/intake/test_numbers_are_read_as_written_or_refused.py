"""
One number parser reads what people write in a leads file or a deal amount ('$24,000',
'1.234,50', 'USD 1 200') and refuses what it would misread: '24k', '1e6' or '12%' used to
become 24, 16 and 12 by dropping what was not a digit.
"""

from decimal import Decimal

import pytest

from contacts.import_values import CellError, parse_number


@pytest.mark.parametrize(
    "written, number",
    [
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("$24,000", "24000"),
        ("USD 1 200", "1200"),
        ("€ 99,90", "99.90"),
        ("1'000", "1000"),
        ("1\u00a0234\u00a0567", "1234567"),
        ("-5", "-5"),
        ("  42 ", "42"),
    ],
)
def test_numbers_as_people_write_them(written, number):
    assert parse_number(written) == Decimal(number)


@pytest.mark.parametrize("written", ["24k", "1e6", "12%", "n/a", "(100)", "", "1.2.3", "2 million"])
def test_what_it_would_misread_is_refused(written):
    with pytest.raises(CellError, match="is not a number"):
        parse_number(written)
