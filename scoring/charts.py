"""
Charts as inline SVG, drawn by the server: no JavaScript, no CDN, readable in a screenshot and
without CSS. Used by the what-if page and the funnel dashboard (reports).

Each function takes plain numbers and labels and returns safe markup: every text is escaped.
Colours come from the app's palette; series are told apart by colour and a legend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
INK, MUTED, GRID, AXIS = "#202939", "#6b7585", "#e9ecf1", "#cfd5de"
LIVE, DRAFT = "#98a2b3", "#4f46e5"
PALETTE = ["#4f46e5", "#98a2b3", "#079455", "#dc6803", "#1570ef", "#c4320a"]


# Width of one character of a 12 px marker label, generously (system sans-serif, semibold).
MARKER_CHAR_W = 7.2


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def nice_max(value: float, ticks: int = 4) -> tuple[float, float]:
    """(top of the axis, step) for values up to `value`."""
    step = nice_step(value, ticks)
    top = step * math.ceil(value / step) if value > 0 else step * ticks
    return top, step


def fmt(value: float, kind: str = "count") -> str:
    if kind == "percent":
        return f"{value * 100:.0f}%"
    if kind == "decimal":
        return f"{value:.2f}"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def _text(x: float, y: float, text: str, *, size: int = 11, fill: str = MUTED, **attrs) -> str:
    extra = " ".join(f'{k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" {extra}>'
        f"{escape(text)}</text>"
    )


def _svg(width: int, height: int, title: str, body: list[str], css_class: str) -> SafeString:
    return mark_safe(
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _legend(series_names: Sequence[tuple[str, str]], right: float, y: float) -> list[str]:
    """Swatches and names, right-aligned ending at `right`."""
    parts, x = [], right
    for name, colour in reversed(series_names):
        width = 7 * len(name) + 18
        x -= width
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" rx="2" fill="{colour}"/>'
        )
        parts.append(_text(x + 14, y, name, fill=INK))
    return parts


def _y_axis(top: float, step: float, x0: float, x1: float, y_of, kind: str) -> list[str]:
    parts, value = [], 0.0
    while value <= top + 1e-9:
        y = y_of(value)
        parts.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(x0 - 6, y + 4, fmt(value, kind), text_anchor="end"))
        value += step
    return parts


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
    kind: str = "count",
    show_values: bool = True,
) -> SafeString:
    """Vertical bars, grouped by category; one colour per series (name, values, colour)."""
    left, right, top_pad, bottom = 48, 12, 30, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [v for _, vs, _ in series for v in vs if v is not None]
    top, step = nice_max(max(values, default=0) or 1)
    body = [_text(left, 16, title, size=13, fill=INK, font_weight="600")]

    def y_of(value: float) -> float:
        return top_pad + plot_h - plot_h * value / top

    body += _y_axis(top, step, left, width - right, y_of, kind)
    if len(series) > 1:
        body += _legend([(n, c) for n, _, c in series], width - right, 16)
    n = max(len(categories), 1)
    group = plot_w / n
    bar = group * 0.72 / max(len(series), 1)
    for i, label in enumerate(categories):
        start = left + i * group + group * 0.14
        for j, (name, vals, colour) in enumerate(series):
            value = vals[i] if i < len(vals) else None
            if value is None:
                continue
            x, y = start + j * bar, y_of(value)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" '
                f'height="{top_pad + plot_h - y:.1f}" rx="2" fill="{colour}">'
                f"<title>{escape(f'{label} · {name}: {fmt(value, kind)}')}</title></rect>"
            )
            if show_values and bar >= 14:
                body.append(
                    _text(
                        x + (bar - 2) / 2,
                        y - 4,
                        fmt(value, kind),
                        size=10,
                        fill=INK,
                        text_anchor="middle",
                    )
                )
        body.append(
            _text(
                left + i * group + group / 2,
                height - bottom + 16,
                str(label)[:14],
                text_anchor="middle",
                fill=INK,
            )
        )
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" '
        f'y2="{top_pad + plot_h}" stroke="{AXIS}"/>'
    )
    return _svg(width, height, title, body, "chart-bar")


def histogram(
    bins: Sequence[tuple[float, float]],
    series: Sequence[tuple[str, Sequence[int], str]],
    *,
    title: str,
    x_label: str = "",
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Counts per bin (lo <= x < hi); two series sit side by side inside each bin."""
    left, right, top_pad, bottom = 48, 12, 30, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    counts = [c for _, cs, _ in series for c in cs]
    top, step = nice_max(max(counts, default=0) or 1)
    body = [_text(left, 16, title, size=13, fill=INK, font_weight="600")]

    def y_of(value: float) -> float:
        return top_pad + plot_h - plot_h * value / top

    body += _y_axis(top, step, left, width - right, y_of, "count")
    if len(series) > 1:
        body += _legend([(n, c) for n, _, c in series], width - right, 16)
    n = max(len(bins), 1)
    slot = plot_w / n
    bar = slot / max(len(series), 1)
    for i, (low, high) in enumerate(bins):
        for j, (name, cs, colour) in enumerate(series):
            count = cs[i] if i < len(cs) else 0
            if not count:
                continue
            x, y = left + i * slot + j * bar, y_of(count)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar - 0.5, 0.5):.1f}" '
                f'height="{top_pad + plot_h - y:.1f}" fill="{colour}">'
                f"<title>{escape(f'{name}: {count:,} between {low:g} and {high:g}')}</title></rect>"
            )
    every = max(1, math.ceil(n / 10))
    for i, (low, _high) in enumerate(bins):
        if i % every == 0:
            x = left + i * slot
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_pad + plot_h}" '
                f'y2="{top_pad + plot_h + 4}" stroke="{AXIS}"/>'
            )
            body.append(_text(x, top_pad + plot_h + 16, f"{low:g}", text_anchor="middle"))
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" '
        f'y2="{top_pad + plot_h}" stroke="{AXIS}"/>'
    )
    if x_label:
        body.append(_text(left + plot_w / 2, height - 4, x_label, text_anchor="middle"))
    return _svg(width, height, title, body, "chart-histogram")


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    title: str,
    markers: Sequence[tuple[float, str]] = (),
    width: int = 720,
    height: int = 260,
    kind: str = "count",
) -> SafeString:
    """
    Lines over evenly spaced labels (weeks, say). Markers are vertical dashed lines at a
    fractional label position (2.5 = half way between the third and fourth label), named.
    """
    left, right, top_pad, bottom = 48, 16, 48, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [v for _, vs, _ in series for v in vs]
    top, step = nice_max(max(values, default=0) or 1)
    body = [_text(left, 16, title, size=13, fill=INK, font_weight="600")]

    def y_of(value: float) -> float:
        return top_pad + plot_h - plot_h * value / top

    n = len(labels)

    def x_of(position: float) -> float:
        return left + (plot_w * position / (n - 1) if n > 1 else plot_w / 2)

    body += _y_axis(top, step, left, width - right, y_of, kind)
    if len(series) > 1:
        body += _legend([(name, c) for name, _, c in series], width - right, 16)
    # Markers stay inside the plot: one outside the labels' span (half a step either side) is
    # left out, one within it is held to the plot's edge; a label that would run past the
    # right edge is drawn to the left of its line.
    shown = [(min(max(p, 0), n - 1), name) for p, name in markers if -0.5 <= p <= n - 0.5]
    for k, (position, name) in enumerate(shown):
        x = x_of(position)
        label_y = top_pad - 8 - 14 * (k % 2)
        body.append(
            f'<line class="marker" x1="{x:.1f}" x2="{x:.1f}" y1="{label_y + 3:.1f}" '
            f'y2="{top_pad + plot_h}" stroke="#dc6803" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        fits_right = x + 4 + len(name) * MARKER_CHAR_W <= width - 2
        body.append(
            _text(
                x + 4 if fits_right else x - 4,
                label_y,
                name,
                size=12,
                fill="#b54708",
                font_weight="600",
                text_anchor="start" if fits_right else "end",
            )
        )
    for name, vals, colour in series:
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(vals))
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
        for i, v in enumerate(vals):
            body.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="2.8" fill="{colour}">'
                f"<title>{escape(f'{labels[i]} · {name}: {fmt(v, kind)}')}</title></circle>"
            )
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(_text(x_of(i), height - bottom + 16, label, text_anchor="middle"))
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" '
        f'y2="{top_pad + plot_h}" stroke="{AXIS}"/>'
    )
    return _svg(width, height, title, body, "chart-line")


def funnel_chart(
    stages: Sequence[tuple[str, int]],
    *,
    title: str,
    width: int = 640,
    colour: str = DRAFT,
    conversion: bool = True,
) -> SafeString:
    """
    Horizontal bars from the first stage down, each with its count and (with `conversion`)
    its share of the stage above. Without it, a plain horizontal bar chart (reasons, say).
    """
    row, top_pad, label_w = 34, 30, 170
    tail = 150 if conversion else 60
    height = top_pad + row * len(stages) + 8
    plot_w = width - label_w - tail
    biggest = max((count for _, count in stages), default=0) or 1
    body = [_text(0, 16, title, size=13, fill=INK, font_weight="600")]
    previous = None
    for i, (label, count) in enumerate(stages):
        y = top_pad + i * row
        bar = max(plot_w * count / biggest, 2 if count else 0)
        body.append(_text(label_w - 10, y + 18, label, size=12, fill=INK, text_anchor="end"))
        body.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{bar:.1f}" height="{row - 10}" rx="3" '
            f'fill="{colour}" fill-opacity="{1 - 0.1 * i if conversion else 1:.2f}"/>'
        )
        body.append(
            _text(label_w + bar + 6, y + 18, f"{count:,}", size=12, fill=INK, font_weight="600")
        )
        if conversion and previous is not None:
            share = f"{count / previous:.0%} of previous" if previous else "-"
            body.append(_text(width - 4, y + 18, share, size=11, text_anchor="end"))
        previous = count
    return _svg(width, height, title, body, "chart-funnel")
