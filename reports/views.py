from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from reports import selectors
from reports.forms import PRESETS, FunnelFilterForm
from scoring import charts


def _markers(weeks: list[tuple[dt.date, int]], published) -> list[tuple[float, str]]:
    """Publication dates as fractional positions on the weekly axis."""
    if not weeks:
        return []
    first = weeks[0][0]
    markers = []
    for model in published:
        day = timezone.localtime(model.published_at).date()
        markers.append(((day - first).days / 7, f"v{model.version} published"))
    return markers


@permission_required("reports.view_funnel", raise_exception=True)
def funnel(request: HttpRequest) -> HttpResponse:
    """
    The funnel of the leads who came in during a period (of one lead source or all): stage
    counts and conversions, median times, why sales sent leads back, and MQLs per week with
    the publications of scoring model versions marked.
    """
    form = FunnelFilterForm(request.GET or None)
    if not form.is_bound:
        form = FunnelFilterForm({})
    form.is_valid()
    if form.errors:
        return render(request, "reports/funnel.html", {"form": form, "presets": PRESETS})
    start, end = form.period()
    source = form.cleaned_data["source"]
    cohort = selectors.funnel_cohort(start=start, end=end, lead_source=source)
    stages = selectors.funnel_stages(cohort)
    weeks = selectors.mqls_per_week(start=start, end=end, lead_source=source)
    published = selectors.publications(start=start, end=end)
    reasons = selectors.closed_reasons(cohort)
    context = {
        "form": form,
        "presets": PRESETS,
        "start": form.cleaned_data["start"],
        "end": form.cleaned_data["end"],
        "source": source,
        "source_label": dict(form.fields["source"].choices).get(source, ""),
        "stages": stages,
        "times": selectors.stage_times(cohort),
        "recycled": selectors.recycled_count(cohort),
        "reasons": reasons,
        "weeks": weeks,
        "published": published,
        "funnel_chart": charts.funnel_chart(
            [(s.label, s.count) for s in stages], title="Leads of the period, by furthest stage"
        ),
        "weekly_chart": charts.line_chart(
            [f"{week:%-d %b}" for week, _ in weeks],
            [("MQLs", [n for _, n in weeks], charts.DRAFT)],
            markers=_markers(weeks, published),
            title="New MQLs per week, with model publications",
            width=1280,
            height=300,
        ),
        "rejected_chart": charts.funnel_chart(
            reasons["rejected"],
            title="Rejected by sales (recycled), by reason",
            conversion=False,
            colour="#dc6803",
        )
        if reasons and reasons["rejected"]
        else "",
        "disqualified_chart": charts.funnel_chart(
            reasons["disqualified"],
            title="Disqualified by sales, by reason",
            conversion=False,
            colour="#98a2b3",
        )
        if reasons and reasons["disqualified"]
        else "",
    }
    return render(request, "reports/funnel.html", context)
