"""
The queue row's plainest cells (company, rep, last activity, SLA or time), rendered in Python.

A 100-row team queue spent most of its server time in the template engine: each of these cells
ran several filters (date, naturaltime, intcomma, default) per row. Their HTML is the same as
the template's was; the template keeps the cells with logic worth reading there.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.humanize.templatetags.humanize import intcomma, naturaltime
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from contacts.models import Contact
from routing.models import Assignment

MUTED_DASH = mark_safe('<span class="muted">—</span>')


def _date(value: datetime | None, fmt: str) -> str:
    """What `{{ value|date:fmt }}` prints: in the current time zone."""
    return date_filter(template_localtime(value), fmt) if value else ""


def company_cell(contact: Contact) -> SafeString:
    company = contact.company
    if company is None:
        return mark_safe('<span class="muted">No company</span>')
    sub = company.industry or "—"
    if company.employee_count is not None:
        sub += f" · {intcomma(company.employee_count)} emp."
    if company.country:
        sub += f" · {company.country}"
    return format_html(
        '<span class="cell-main">{}</span>\n<span class="cell-sub">{}</span>', company.name, sub
    )


def rep_cell(assignment: Assignment) -> SafeString:
    rep = assignment.rep
    if rep is None:
        return MUTED_DASH
    initial = (rep.first_name or rep.username)[:1].upper()
    return format_html(
        '<span class="q-rep"><span class="avatar avatar-xs" aria-hidden="true">{}</span>{}</span>',
        initial,
        rep.get_full_name() or rep.username,
    )


def activity_cell(at: datetime | None) -> SafeString:
    if at is None:
        return MUTED_DASH
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        _date(at, "c"),
        _date(at, "DATETIME_FORMAT"),
        naturaltime(at),
    )


def time_cell(
    assignment: Assignment, *, tab: str, sla_state: str, sla_words: str, sla_share_left: int
) -> SafeString:
    """The last column: the SLA bar (open), or when it was accepted, closed or last changed."""
    a = assignment
    if tab == "open":
        return format_html(
            '<div class="sla sla-{}" title="Accept by {}">\n'
            '<span class="sla-text">{}</span>\n'
            '<span class="sla-bar" aria-hidden="true"><i style="width: {}%"></i></span>\n'
            "</div>",
            sla_state or "none",
            _date(a.sla_due_at, "DATETIME_FORMAT"),
            sla_words,
            sla_share_left,
        )
    if tab in ("accepted", "closed"):
        at = a.accepted_at if tab == "accepted" else a.closed_at
        return format_html('<time datetime="{}">{}</time>', _date(at, "c"), naturaltime(at))
    return format_html(
        '<time datetime="{}" title="{}">since {}</time>',
        _date(a.updated_at, "c"),
        _date(a.updated_at, "DATETIME_FORMAT"),
        naturaltime(a.updated_at),
    )
