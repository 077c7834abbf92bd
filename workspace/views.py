"""
The sales workspace pages: the contact list (scores, owner, sort, filters, saved views, CSV
export, bulk actions), companies and account pages, and a contact's routing panel. Thin: reads
go through workspace.selectors, writes through workspace.services and routing's services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from contacts.models import Company, LifecycleStage
from contacts.selectors import company_distinct_values
from leadscore.ids import row_id
from leadscore.links import url_for
from routing import selectors as routing_selectors
from routing.models import AssignmentStatus, DisqualifyReason, RejectReason
from scoring import account_selectors, engine, wording
from scoring import selectors as scoring_selectors
from scoring.services import QUALIFIABLE_STAGES
from workspace import exports, selectors, services
from workspace.filters import BANDS, GRADES, CompanyAccountFilter, WorkspaceContactFilter
from workspace.models import SavedView
from workspace.paging import CappedPaginator, ScoreRankedRows

PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    """Where "/" and a login without ?next= land: reps on their queue, everyone else on Contacts."""
    if routing_selectors.queue_scope(request.user) == "own":
        return redirect("routing:queue")
    if request.user.has_perm("contacts.view_contact"):
        return redirect("contacts:list")
    if routing_selectors.queue_scope(request.user) is not None:
        return redirect("routing:queue")
    raise PermissionDenied("Your account has no role yet: ask an admin to give you one.")


# Most contacts one bulk action takes (one page of the list at most, times a few).
BULK_LIMIT = 500
# The list's columns in order: sort key, header, CSS classes.
COLUMNS = [
    ("name", "Name", ""),
    ("cell", "Grade", "nowrap"),
    ("fit", "Fit", "num"),
    ("interest", "Interest", "num"),
    ("probability", "Win %", "num"),
    ("owner", "Owner", ""),
    ("stage", "Stage", ""),
    ("last_activity", "Last activity", "nowrap"),
]


def _list_query(params: QueryDict) -> QueryDict:
    """The filters and sort in effect, without the page number or empty fields."""
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        if name in ("page", "csrfmiddlewaretoken"):
            continue
        kept = [v for v in values if v != ""]
        if kept:
            query.setlist(name, kept)
    return query


def _columns(query: QueryDict, sort: str) -> list[dict]:
    """Per column: the URL that sorts by it (flipping when it is the current sort)."""
    columns = []
    for key, label, classes in COLUMNS:
        # Scores and dates read highest first; grade x band best first; names A to Z.
        first = key if key in ("name", "owner", "stage", "cell") else f"-{key}"
        flipped = first[1:] if first.startswith("-") else f"-{first}"
        target = flipped if sort == first else first
        q = query.copy()
        q["sort"] = target
        state = ""
        if sort.lstrip("-") == key:
            state = "descending" if sort.startswith("-") else "ascending"
        columns.append(
            {"label": label, "classes": classes, "url": f"?{q.urlencode()}", "state": state}
        )
    return columns


def _sort_label(sort: str) -> str:
    label = selectors.SORT_LABELS[sort.lstrip("-")].lower()
    if sort.lstrip("-") in ("name", "owner", "stage"):
        return label + (", Z to A" if sort.startswith("-") else "")
    if sort.lstrip("-") == "cell":
        return "grade x band, " + ("best first" if not sort.startswith("-") else "worst first")
    if sort.lstrip("-") in ("created", "last_activity"):
        return label + (", newest first" if sort.startswith("-") else ", oldest first")
    return label + (", highest first" if sort.startswith("-") else ", lowest first")


def _filtered(request: HttpRequest, params: QueryDict, *, paged: bool = False):
    """
    The filter, the rows in the chosen order, and the sort key. `paged`: rows the list pages
    through; sorted by grade x band, they read the score index a page at a time.
    """
    # Scores, grades and MQL state under the scoring model the filter names (default: the
    # default model); the filter's `model` field only carries the choice.
    line = scoring_selectors.line_chosen(params.get("model"))
    contact_filter = WorkspaceContactFilter(
        params, queryset=selectors.contact_rows(request.user, line=line), user=request.user
    )
    sort = selectors.sort_key(params.get("sort"))
    rows = contact_filter.qs if contact_filter.is_valid() else contact_filter.queryset.none()
    if paged and sort.lstrip("-") == "cell":
        return contact_filter, ScoreRankedRows(rows, descending=sort.startswith("-")), sort
    return contact_filter, selectors.contact_rows_sorted(rows, sort), sort


@permission_required("contacts.view_contact", raise_exception=True)
@vary_on_headers("HX-Request", "HX-Target")
def contact_list(request: HttpRequest) -> HttpResponse:
    """Who is hot: every visible contact with scores and owner, sorted and filtered."""
    contact_filter, rows, sort = _filtered(request, request.GET, paged=True)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    owners = selectors.users_by_id(c.owner_id for c in page.object_list)
    for contact in page.object_list:
        contact.owner = owners.get(contact.owner_id)
        # Links built once per URL name, not a {% url %} per row.
        contact.detail_url = url_for("contacts:detail", contact.pk)
        if contact.company_id:
            contact.company_url = url_for("companies:detail", contact.company_id)
    query = _list_query(request.GET)
    can_bulk = request.user.has_perm("routing.reassign_assignment")
    context = {
        "filter": contact_filter,
        "page": page,
        "query": query.urlencode(),
        "filters_query": _without(query, "sort"),
        "sort": sort,
        "columns": _columns(query, sort),
        "sort_label": _sort_label(sort),
        # The default sort is the empty value, so it stays out of URLs.
        "sort_value": "" if sort == selectors.DEFAULT_SORT else sort,
        "sort_options": [
            ("", _sort_label(selectors.DEFAULT_SORT)),
            ("created", _sort_label("created")),
        ]
        + [(f"{d}{key}", _sort_label(f"{d}{key}")) for key, _, _ in COLUMNS for d in ("", "-")],
        "industries": company_distinct_values("industry"),
        "stages": LifecycleStage.choices,
        "grades": GRADES,
        "bands": BANDS,
        "owners": selectors.owner_choices(),
        "scoring_lines": scoring_selectors.lines(),
        "saved_views": SavedView.objects.filter(user=request.user),
        "can_bulk": can_bulk,
        "bulk_actions": services.BulkAction.CHOICES,
        "reassign_targets": list(routing_selectors.reassign_targets(user=request.user))
        if can_bulk
        else [],
        "may_import": request.user.has_perm("contacts.add_contact"),
    }
    template = "workspace/contact_list.html"
    if request.htmx and request.htmx.target == "contact-results":
        template += "#results"
    return render(request, template, context)


def _without(query: QueryDict, name: str) -> str:
    q = query.copy()
    q.pop(name, None)
    return q.urlencode()


@permission_required("contacts.view_contact", raise_exception=True)
def contact_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list, in the list's order, as CSV: streamed, formula cells neutralised."""
    _, rows, _ = _filtered(request, request.GET)
    now = timezone.now()
    response = StreamingHttpResponse(
        exports.csv_lines(rows, now=now), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="contacts-{now:%Y%m%d-%H%M}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required("contacts.view_contact", raise_exception=True)
def saved_view_save(request: HttpRequest) -> HttpResponse:
    query = _list_query(QueryDict(request.POST.get("query", ""))).urlencode()
    try:
        view = services.saved_view_save(
            user=request.user, name=request.POST.get("name", ""), query=query
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('contacts:list')}?{query}")
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect(f"{reverse('contacts:list')}?{view.query}")


@require_POST
@permission_required("contacts.view_contact", raise_exception=True)
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if services.saved_view_delete(user=request.user, view_id=pk):
        messages.success(request, "Deleted the saved view.")
    return redirect("contacts:list")


@require_POST
@permission_required("routing.reassign_assignment", raise_exception=True)
def contact_bulk(request: HttpRequest) -> HttpResponse:
    """A manager's bulk action on the ticked contacts; each contact is reported."""
    kept = _list_query(QueryDict(request.POST.get("query", ""))).urlencode()
    back = f"{reverse('contacts:list')}?{kept}"
    ids = [i for i in map(row_id, request.POST.getlist("contact")) if i]
    if not ids:
        messages.error(request, "Tick the contacts to act on first.")
        return redirect(back)
    if len(ids) > BULK_LIMIT:
        messages.error(request, f"Act on at most {BULK_LIMIT} contacts at once.")
        return redirect(back)
    contacts = list(
        selectors.contacts_visible_to(request.user).filter(pk__in=ids).select_related("company")
    )
    action = request.POST.get("action", "")
    to_rep = None
    if action in (services.BulkAction.ASSIGN, services.BulkAction.REASSIGN):
        rep_id = row_id(request.POST.get("to_rep"))
        target = (
            routing_selectors.reassign_targets(user=request.user).filter(user_id=rep_id).first()
            if rep_id
            else None
        )
        if target is None:
            messages.error(request, "Choose a rep of your teams.")
            return redirect(back)
        to_rep = target.user
    elif action == services.BulkAction.STAGE:
        if request.POST.get("stage") not in LifecycleStage.values:
            messages.error(request, "Choose the stage to move them to.")
            return redirect(back)
        if not request.user.has_perm("contacts.change_contact"):
            raise PermissionDenied
    else:
        messages.error(request, "Choose an action.")
        return redirect(back)
    reason = request.POST.get("reason", "").strip() or "Bulk action from the contact list"
    result = services.contacts_bulk_act(
        user=request.user,
        contacts=contacts,
        action=action,
        to_rep=to_rep,
        stage=request.POST.get("stage", ""),
        reason=reason,
    )
    if result.done:
        messages.success(request, f"Done for {len(result.done)} contact(s).")
    for contact, why in result.skipped[:20]:
        messages.warning(request, f"Skipped {contact}: {why}")
    if len(result.skipped) > 20:
        messages.warning(request, f"…and {len(result.skipped) - 20} more skipped.")
    return redirect(back)


# --- Companies and accounts --------------------------------------------------------------------


@permission_required("contacts.view_company", raise_exception=True)
def company_list(request: HttpRequest) -> HttpResponse:
    """Accounts, hottest first by default; filter by account grade, band and MQA."""
    params = _list_query(request.GET)
    sort = params.get("sort", "engagement")
    if sort not in selectors.COMPANY_SORTS:
        sort = "engagement"
    filters = CompanyAccountFilter(params, queryset=selectors.company_rows(request.user))
    companies = filters.qs if filters.is_valid() else filters.queryset.none()
    page = Paginator(selectors.company_rows_sorted(companies, sort), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "workspace/company_list.html",
        {
            "page": page,
            "form": filters.form,
            "term": params.get("q", ""),
            "sort": sort,
            "sorts": [(key, label) for key, (label, _) in selectors.COMPANY_SORTS.items()],
            "grades": GRADES,
            "bands": BANDS,
            "query": params.urlencode(),
            "filtered": any(k != "sort" for k in params),
        },
    )


@permission_required("contacts.view_company", raise_exception=True)
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """
    The account: header, its account score with the why and its history, its contacts ranked
    by score with their roles, owner, open leads and routed MQAs, all activity.
    """
    company = get_object_or_404(
        selectors.companies_visible_to(request.user).select_related("account_owner"), pk=pk
    )
    contacts = list(selectors.account_contacts(user=request.user, company=company)[:200])
    shown_of = len(contacts)  # how many of the account's contacts this user may see
    if shown_of == 200:
        shown_of = selectors.contacts_visible_to(request.user).filter(company=company).count()
    owners = selectors.users_by_id(c.owner_id for c in contacts)
    context = {
        "company": company,
        "contacts": contacts,
        "assignments": list(selectors.account_assignments(user=request.user, company=company)[:50]),
        "activities": list(selectors.account_activity(user=request.user, company=company)[:50]),
        "contact_total": company.contacts.count(),
        "visible_total": shown_of,
        **_account_score_context(company, contacts),
    }
    for contact in contacts:
        contact.owner = owners.get(contact.owner_id)
    return render(request, "workspace/company_detail.html", context)


def _account_score_context(company: Company, contacts: list) -> dict:
    """The account score panel: score, why in words, MQA and its routing, history."""
    account = account_selectors.account_score_of(company)
    counted = {}
    if account is not None:
        counted = {c["contact_id"]: c for c in account.breakdown.get("contacts", [])}
    for contact in contacts:
        level = engine.seniority_of(contact.job_title)
        contact.role = engine.SENIORITY_LABELS.get(level, "") if level else ""
        contact.account_share = counted.get(contact.pk)
    now = timezone.now()
    fit_parts = [
        engine.RuleScore.from_json(p) for p in (account.breakdown.get("fit", []) if account else [])
    ]
    return {
        "account": account,
        "account_fit_lines": [(wording.explain(p, now), p) for p in fit_parts],
        "account_signals": account.breakdown.get("signals", [])[:5] if account else [],
        "mqa": company.account_qualifications.filter(closed_at__isnull=True)
        .select_related("scoring_model")
        .first(),
        "routed": list(selectors.account_assignments_routed(company=company)[:10]),
        "account_timeline": list(account_selectors.account_timeline(company=company)[:15]),
    }


# --- A contact's routing panel -----------------------------------------------------------------


@permission_required("contacts.view_contact", raise_exception=True)
def contact_routing(request: HttpRequest, pk: int) -> HttpResponse:
    """
    Owner and assignment state with the actions this user may take (the holder: accept,
    reject, won/lost; a manager: reassign, disqualify), and the routing decision log.
    The forms post to routing's actions, which come back to the contact page.
    """
    contact = get_object_or_404(
        selectors.contacts_visible_to(request.user).select_related("company__account_owner"),
        pk=pk,
    )
    user = request.user
    assignments = list(selectors.contact_assignments(contact=contact)[:20])
    current = assignments[0] if assignments else None
    visible_ids = set(
        routing_selectors.assignments_visible_to(user)
        .filter(contact=contact)
        .values_list("pk", flat=True)
    )
    may_act = current is not None and current.pk in visible_ids and current.is_open
    holds = may_act and current.rep_id == user.pk
    manages = may_act and user.has_perm("routing.reassign_assignment")
    sees_log = user.has_perm("routing.view_routingdecision")
    owner = None
    if current is not None and current.is_open and current.rep_id:
        owner = current.rep
    elif contact.company_id and contact.company.account_owner_id:
        owner = contact.company.account_owner
    context = {
        "contact": contact,
        "current": current,
        "owner": owner,
        "earlier": assignments[1:],
        "holds": holds,
        "can_accept": holds and current.status == AssignmentStatus.PENDING,
        "can_reject": holds,
        "can_close": holds and current.status == AssignmentStatus.ACCEPTED,
        "can_manage": manages,
        "decisions": list(selectors.contact_decisions(contact=contact)[:50]) if sees_log else [],
        "sees_log": sees_log,
        "reject_reasons": RejectReason.choices,
        "disqualify_reasons": DisqualifyReason.choices,
        "reassign_targets": list(routing_selectors.reassign_targets(user=user)) if manages else [],
        "next": reverse("contacts:detail", args=[contact.pk]),
        "now": timezone.now(),
        # Not routed yet: is a qualification waiting (for release, or for its delivery)?
        "waiting": None
        if current
        else scoring_selectors.contact_open_qualification(contact_id=contact.pk),
        # Past the lead stage (customers, opportunities...) a contact is scored, never routed.
        "routable": contact.lifecycle_stage in QUALIFIABLE_STAGES,
    }
    template = "workspace/contact_routing.html"
    if request.htmx:
        template += "#panel"
    return render(request, template, context)
