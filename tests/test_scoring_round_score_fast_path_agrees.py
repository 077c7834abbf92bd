"""
Property: round_score's fast path (Python's round() away from a half) gives what rounding the
total's 15 significant digits half away from zero gives (round_score_exactly, PostgreSQL's
round(value::numeric, 4)), for any total, halves and near-halves included.
"""

from hypothesis import given
from hypothesis import strategies as st

from scoring.engine_rounding import round_score, round_score_exactly

totals = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7)
# Halves at the fifth decimal and their neighbours: where the two roundings could part.
halves = st.builds(
    lambda whole, step, nudge: (whole * 10000 + step + 0.5) / 10000 + nudge,
    st.integers(-1000, 1000),
    st.integers(0, 9999),
    st.sampled_from([0.0, 1e-12, -1e-12, 1e-9, -1e-9, 5e-17, -5e-17]),
)


@given(st.one_of(totals, halves))
def test_round_score_fast_path_equals_the_decimal_rounding(total):
    assert round_score(total) == round_score_exactly(total)


def test_a_half_rounds_away_from_zero_as_postgresql_does():
    assert round_score(1.00005) == 1.0001
    assert round_score(-2.00005) == -2.0001
    assert round_score(0.30000000000000004) == 0.3
