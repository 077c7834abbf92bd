from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from contacts import selectors
from contacts.filters import ContactFilter
from contacts.models import Company, Contact, LifecycleStage

PAGE_SIZE = 50


@permission_required("contacts.view_contact", raise_exception=True)
# The same URL answers with the whole page or, for htmx, only the results fragment: without Vary
# the browser's back button can show the cached bare fragment as the page.
@vary_on_headers("HX-Request", "HX-Target")
def contact_list(request: HttpRequest) -> HttpResponse:
    contact_filter = ContactFilter(request.GET, queryset=selectors.contact_list())
    page = Paginator(contact_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": contact_filter,
        "page": page,
        "query": query.urlencode(),
        "industries": Company.objects.exclude(industry="")
        .values_list("industry", flat=True)
        .distinct()
        .order_by("industry"),
        "stages": LifecycleStage.choices,
    }
    template = "contacts/contact_list.html"
    if request.htmx and request.htmx.target == "contact-results":
        template += "#results"
    return render(request, template, context)


@permission_required("contacts.view_contact", raise_exception=True)
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("company__account_owner"), pk=pk)
    timeline = selectors.contact_timeline(contact=contact)[:200]
    context = {
        "contact": contact,
        "timeline": timeline,
        "activity_count": contact.activities.count(),
        "outcome": selectors.contact_latest_outcome(contact=contact),
    }
    return render(request, "contacts/contact_detail.html", context)
