"""Template tags for routing: the unread badge beside Queue in the nav (base.html)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from routing import selectors

register = template.Library()


@register.simple_tag
def unread_badge(user, oob: bool = False) -> SafeString:
    """
    The user's unread routing notifications as a badge (one query), in a #nav-unread wrapper
    that is always there so the queue's htmx responses can refresh it out of band (`oob`).
    Styled with app.css's badge classes so it looks the same on every page.
    """
    count = selectors.unread_count(user=user)
    badge = ""
    if count:
        label = f"{count} new lead notification{'s' if count != 1 else ''}"
        badge = format_html(
            '<span class="badge badge-danger nav-count" style="margin-left: 6px" title="{}" '
            'aria-label="{}">{}</span>',
            label,
            label,
            count if count < 100 else "99+",
        )
    return format_html(
        '<span id="nav-unread"{}>{}</span>', mark_safe(' hx-swap-oob="true"' if oob else ""), badge
    )
