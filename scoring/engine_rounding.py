"""
How a fit or interest total is rounded when stored, in one rule that PostgreSQL's round() gives
too (the SQL re-price, scoring.repricing_sql, writes the same numbers). Pure, like the engine,
which re-exports round_score.
"""

from __future__ import annotations

import decimal
import math

_SCORE_STEP = decimal.Decimal("0.0001")
# Room for any finite double's 15 digits at 4 decimals (the default 28 digits stop at 1e24).
_SCORE_CONTEXT = decimal.Context(prec=400)


def round_score(value: float) -> float:
    """
    A fit or interest total as stored: its 15 significant digits rounded to 4 decimals, half
    away from zero. PostgreSQL's round(value::numeric, 4) gives the same (scoring.repricing_sql
    re-prices stored scores in SQL), where Python's round() works on the exact binary value
    and differs at some halves (1.00005 is stored as 1.0000499999...).
    """
    # round() gives the same except next to a half: decimals are only worked out there (this
    # runs twice for every score the write path and a what-if finish).
    if abs(value) < 1e6:
        fraction = abs(value) * 1e4 % 1.0
        if abs(fraction - 0.5) > 1e-5:
            return round(value, 4)
    return round_score_exactly(value)


def round_score_exactly(value: float) -> float:
    """round_score, always through the decimal digits."""
    if not math.isfinite(value):
        return value
    exact = decimal.Decimal(f"{value:.15g}")
    return float(
        exact.quantize(_SCORE_STEP, rounding=decimal.ROUND_HALF_UP, context=_SCORE_CONTEXT)
    )
