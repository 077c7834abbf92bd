"""
Row ids as forms and query strings send them: the one parser every view and filter uses, so no
text reaches int() or a bigint column unchecked ("²" passes str.isdigit() but not int(); a
20-digit number passes int() but no PostgreSQL bigint).
"""

from __future__ import annotations

ID_MAX = 2**63 - 1  # PostgreSQL's bigint, the type of every primary key


def row_id(value: object) -> int | None:
    """The id `value` names ('12', ' 12 '), or None: ASCII digits only, from 1 to ID_MAX."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None
