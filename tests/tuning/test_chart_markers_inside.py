"""Chart markers (e.g. "model published") are drawn inside their chart, labels included."""

import re

from scoring import charts

WEEKS = [f"W{i}" for i in range(8)]


def _chart(markers, width=720):
    return charts.line_chart(
        WEEKS,
        [("MQLs", [3, 5, 2, 8, 6, 4, 9, 7], charts.DRAFT)],
        title="MQLs",
        markers=markers,
        width=width,
    )


def _marker_xs(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'<line class="marker" x1="([\d.]+)"', svg)]


def test_a_marker_outside_the_period_is_not_drawn():
    svg = _chart([(-3, "v1 published"), (12, "v4 published"), (2, "v2 published")])
    assert "v1 published" not in svg and "v4 published" not in svg
    assert len(_marker_xs(svg)) == 1


def test_a_marker_in_the_last_partial_week_is_held_at_the_plot_edge():
    svg = _chart([(7.4, "v3 published")])
    (x,) = _marker_xs(svg)
    assert x <= 720 - 16


def test_a_label_near_the_right_edge_is_drawn_to_the_left_of_its_line():
    svg = _chart([(7, "v3 published")])
    label = re.search(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)"[^>]*>v3 published', svg)
    assert label.group(2) == "end"
    assert float(label.group(1)) < _marker_xs(svg)[0]


def test_a_label_with_room_reads_to_the_right():
    svg = _chart([(1, "v2 published")])
    assert re.search(r'text-anchor="start"[^>]*>v2 published', svg)
