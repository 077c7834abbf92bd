"""Marketing's pages: anonymous (and identified) website visitors and what they viewed."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from website import selectors
from website.models import Site, Visitor

PAGE_SIZE = 50
STATUSES = [("anonymous", "Anonymous"), ("identified", "Identified"), ("all", "All")]


@permission_required("website.view_visitor", raise_exception=True)
def visitor_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "anonymous")
    if status not in dict(STATUSES):
        status = "anonymous"
    sites = list(Site.objects.order_by("name"))
    site_id = request.GET.get("site", "")
    site = next((s for s in sites if str(s.pk) == site_id), None)
    visitors = selectors.visitor_list(status=status, site_id=site.pk if site else None)
    page = Paginator(visitors, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "status": status,
        "statuses": STATUSES,
        "sites": sites,
        "site": site,
        "query": query.urlencode(),
        "retention_days": settings.WEBSITE_VISITOR_RETENTION_DAYS,
    }
    return render(request, "website/visitor_list.html", context)


@permission_required("website.view_visitor", raise_exception=True)
def visitor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visitor = get_object_or_404(Visitor.objects.select_related("site", "contact"), pk=pk)
    page_views = selectors.visitor_page_views(visitor=visitor)
    page = Paginator(page_views, 100).get_page(request.GET.get("page"))
    context = {"visitor": visitor, "page": page}
    return render(request, "website/visitor_detail.html", context)
