"""The server-side SVG helper: bars, histograms, lines with markers, funnels."""

import re

import pytest

from scoring import charts
from scoring.views import won_rates


def _rects(svg):
    return re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg)


def test_nice_axis_steps():
    assert charts.nice_max(87) == (100, 25)
    assert charts.nice_max(0.62) == pytest.approx((0.8, 0.2))
    assert charts.nice_max(0) == (4, 1)


def test_bar_chart_draws_one_bar_per_value_scaled_to_the_axis():
    svg = charts.bar_chart(
        ["A", "B"], [("Live", [50, 100], "#111"), ("Draft", [25, 0], "#222")], title="Rates"
    )
    assert svg.startswith('<svg class="chart chart-bar"') and 'role="img"' in svg
    assert 'aria-label="Rates"' in svg and "<title>Rates</title>" in svg
    bars = [r for r in _rects(svg) if r[2] != "10"]  # not the legend's swatches
    # A 176-pixel plot up to 100: 100 -> 176, 50 -> 88, 25 -> 44, 0 -> nothing to see.
    assert sorted(float(h) for _, _, _, h in bars) == [0.0, 44.0, 88.0, 176.0]
    assert ">Live</text>" in svg and ">Draft</text>" in svg  # legend


def test_text_is_escaped():
    svg = charts.bar_chart(["<b>x</b>"], [("a&b", [1], "#000")], title='Say "hi" <script>')
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg


def test_histogram_places_series_side_by_side_in_each_bin():
    svg = charts.histogram(
        [(0, 5), (5, 10)], [("Live", [4, 0], "#111"), ("Draft", [2, 2], "#222")], title="Fit"
    )
    assert svg.count("<title>Live: 4 between 0 and 5</title>") == 1
    assert "Draft: 2 between 5 and 10" in svg
    assert "Live: 0" not in svg  # empty bins draw nothing


def test_line_chart_marks_publications_with_dashed_lines():
    svg = charts.line_chart(
        ["W1", "W2", "W3"],
        [("MQLs", [1, 5, 3], "#000")],
        markers=[(1.5, "v2 published")],
        title="MQLs per week",
    )
    assert 'class="marker"' in svg and "stroke-dasharray" in svg
    assert ">v2 published</text>" in svg
    assert svg.count("<circle") == 3 and "W2 · MQLs: 5" in svg


def test_funnel_chart_shows_counts_and_conversion():
    svg = charts.funnel_chart([("Lead", 200), ("MQL", 50), ("Won", 0)], title="Funnel")
    assert ">200</text>" in svg and "25% of previous" in svg and "0% of previous" in svg
    plain = charts.funnel_chart([("No budget", 3)], title="Reasons", conversion=False)
    assert "of previous" not in plain


def test_a_group_without_contacts_gets_no_bar_not_a_zero_one():
    result = {"test": {"grades": [{"label": g, "n": n, "rate": r} for g, n, r in GRADES]}}
    rates = won_rates(result, "grades")
    assert rates == [0.5, 0.0, None, None]
    svg = charts.bar_chart(
        ["A", "B", "C", "D"], [("Draft", rates, "#000")], title="t", kind="percent"
    )
    assert svg.count("<rect") == 2  # A at 50 %, B at a real 0 %; none for C and D
    assert "C · Draft" not in svg


GRADES = [("A", 4, 0.5), ("B", 3, 0.0), ("C", 0, None), ("D", 0, None)]
