"""Filters that print the figures of the what-if and backtest pages."""

from __future__ import annotations

from django import template

register = template.Library()

# An en dash marks an unknown figure and joins the ends of an interval.
DASH = "\u2013"


@register.filter
def figure(value, kind: str = "count") -> str:
    """A number as the page shows it: 12,345 · 34% · 0.71 · 2.4x; a dash when unknown."""
    if value is None or value == "":
        return DASH
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "decimal":
        return f"{value:.3f}"
    if kind == "ratio":
        return f"{value:.2f}x"
    if kind == "points":
        return f"{value:+g}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


@register.filter
def interval(bounds, kind: str = "percent") -> str:
    """A confidence interval: '12.0 to 31.5%' or '0.40 to 1.10x', joined by an en dash."""
    if not bounds:
        return DASH
    low, high = bounds
    if kind == "ratio":
        return f"{low:.2f}{DASH}{high:.2f}x"
    return f"{low * 100:.1f}{DASH}{high * 100:.1f}%"


@register.filter
def signed(value) -> str:
    if value is None:
        return DASH
    return f"{value:+,}" if isinstance(value, int) else f"{value:+,.1f}"


@register.filter
def days(value) -> str:
    """A duration in days: '3.5 days', '18 hours'."""
    if value is None:
        return DASH
    if value < 1:
        return f"{value * 24:.0f} hours"
    return f"{value:,.1f} days"
