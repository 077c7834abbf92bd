"""The reliability curve (calibration) as server-drawn SVG, with scoring.charts' helpers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString

from scoring.charts import AXIS, DRAFT, GRID, INK, LIVE, _legend, _svg, _text, fmt, nice_max


def reliability_chart(
    bins: Sequence[dict],
    *,
    previous: Sequence[dict] = (),
    title: str = "Calibration on the test set",
    width: int = 440,
    height: int = 340,
) -> SafeString:
    """Mean predicted probability (x) against observed won rate (y) per bin; the diagonal is
    perfect calibration. A previous version's curve is drawn in grey when given."""
    left, right, top_pad, bottom = 48, 16, 44, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [b["predicted"] for b in [*bins, *previous]] + [
        b["observed"] for b in [*bins, *previous]
    ]
    top, step = nice_max(max(values, default=0.1) or 0.1)
    top = min(top, 1.0)

    def x_of(v: float) -> float:
        return left + plot_w * min(v, top) / top

    def y_of(v: float) -> float:
        return top_pad + plot_h - plot_h * min(v, top) / top

    body = [_text(left, 16, title, size=13, fill=INK, font_weight="600")]
    value = 0.0
    while value <= top + 1e-9:
        y, x = y_of(value), x_of(value)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, fmt(value, "percent"), text_anchor="end"))
        body.append(_text(x, top_pad + plot_h + 16, fmt(value, "percent"), text_anchor="middle"))
        value += step
    body.append(
        f'<line x1="{x_of(0):.1f}" y1="{y_of(0):.1f}" x2="{x_of(top):.1f}" y2="{y_of(top):.1f}" '
        f'stroke="{AXIS}" stroke-width="1.5" stroke-dasharray="5 4"/>'
    )
    body.append(_text(left + plot_w / 2, height - 6, "predicted probability", text_anchor="middle"))
    body.append(
        _text(
            12,
            top_pad + plot_h / 2,
            "observed won rate",
            text_anchor="middle",
            transform=f"rotate(-90 12 {top_pad + plot_h / 2:.1f})",
        )
    )
    series = [("This version", bins, DRAFT)]
    if previous:
        series.insert(0, ("Previous", previous, LIVE))
    body += _legend([(name, colour) for name, _, colour in series], width - right, 32)
    for name, points, colour in series:
        coords = " ".join(f"{x_of(b['predicted']):.1f},{y_of(b['observed']):.1f}" for b in points)
        body.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for b in points:
            tip = (
                f"{name}: predicted {b['predicted']:.1%}, "
                f"observed {b['observed']:.1%} ({b['n']} leads)"
            )
            body.append(
                f'<circle cx="{x_of(b["predicted"]):.1f}" cy="{y_of(b["observed"]):.1f}" r="3.5" '
                f'fill="{colour}"><title>{escape(tip)}</title></circle>'
            )
    return _svg(width, height, title, body, "chart-reliability")
