"""
The sales queue page: a rep's leads ranked by grade x band, a manager's team view with load and
the Unassigned queue, each row's SLA and score as of now, the reassign menu; and a lead's
routing page (the expanded row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote as urlquote

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.vary import vary_on_headers

from contacts.selectors import contact_timeline
from leadscore.links import url_for
from routing import engine, queue_cells, selectors, services
from routing.filters import BANDS, GRADES, QueueFilter
from routing.models import (
    Assignment,
    AssignmentStatus,
    DisqualifyReason,
    RejectReason,
    RepProfile,
    RoutingDecision,
)
from scoring import engine as scoring_engine
from scoring import score_reads
from scoring import selectors as scoring_selectors
from scoring import wording as scoring_wording

# How often the queue refreshes itself, in seconds.
POLL_SECONDS = 20
# An SLA with less than this share of its time left is shown as running out.
SLA_WARNING_SHARE = 0.25


@dataclass
class QueueRow:
    """One row of the queue: the assignment and what the row shows, computed once."""

    assignment: Assignment
    score: scoring_engine.Score | None
    reasons: list[str]
    is_new: bool
    sla_state: str  # "", "ok", "soon", "overdue"
    sla_words: str
    sla_share_left: int  # 0..100, for the SLA bar
    # The scoring model the lead qualified under, named when several are live.
    model_name: str = ""

    # Links, built from one reverse() per page rather than several {% url %} per row.
    @property
    def lead_url(self) -> str:
        return _url_for("routing:assignment", self.assignment.pk)

    @property
    def contact_url(self) -> str:
        return _url_for("contacts:detail", self.assignment.contact_id)

    @property
    def forms_url(self) -> str:
        """'/queue/5/actions/': + 'reject/', 'reassign/'..."""
        return _url_for("routing:assignment", self.assignment.pk) + "actions/"

    # The plain cells, in Python (routing.queue_cells: the template engine was most of the
    # page's time). `tab` is set by the page that shows the row.
    tab: str = "open"

    @property
    def company_cell(self) -> SafeString:
        return queue_cells.company_cell(self.assignment.contact)

    @property
    def rep_cell(self) -> SafeString:
        return queue_cells.rep_cell(self.assignment)

    @property
    def activity_cell(self) -> SafeString:
        return queue_cells.activity_cell(self.assignment.last_activity_at)

    @property
    def time_cell(self) -> SafeString:
        return queue_cells.time_cell(
            self.assignment,
            tab=self.tab,
            sla_state=self.sla_state,
            sla_words=self.sla_words,
            sla_share_left=self.sla_share_left,
        )

    @property
    def rank_key(self) -> tuple:
        score = self.score
        last = self.assignment.last_activity_at
        return (
            score.grade if score else "Z",
            score.band if score else 9,
            -(score.fit + score.interest) if score else 0,
            -(last.timestamp() if last else 0),
        )


_url_for = url_for  # one reverse() per URL name (leadscore.links)


def _sla(assignment: Assignment, now: datetime) -> tuple[str, str, int]:
    due, start = assignment.sla_due_at, assignment.assigned_at
    if assignment.status != AssignmentStatus.PENDING or due is None or start is None:
        return "", "", 0
    total = max((due - start).total_seconds(), 1)
    left = (due - now).total_seconds()
    if left <= 0:
        minutes = int(-left // 60)
        return "overdue", f"Overdue {engine.duration_words(max(minutes, 1))}", 0
    minutes = max(int(left // 60), 1)
    share = left / total
    state = "soon" if share < SLA_WARNING_SHARE else "ok"
    return state, f"{engine.duration_words(minutes)} left", round(100 * share)


def _row(
    assignment: Assignment, *, now: datetime, unread: set[int], models: dict[int, str] | None = None
) -> QueueRow:
    stored = selectors.lead_score(assignment)
    score = score_reads.score_now(stored, now=now) if stored is not None else None
    reasons = scoring_wording.top_reasons(score, now) if score is not None else []
    state, words, share = _sla(assignment, now)
    return QueueRow(
        assignment=assignment,
        score=score,
        reasons=reasons,
        is_new=assignment.pk in unread,
        sla_state=state,
        sla_words=words,
        sla_share_left=share,
        model_name=(models or {}).get(stored.line_id, "") if stored is not None else "",
    )


def reassign_option_label(target: RepProfile, *, held: int | None, now: datetime) -> str:
    """'Ana Novak · EMEA · away until 3 Dec · full 25/25': what the menu warns about."""
    parts = [target.user.get_full_name() or target.user.get_username(), target.team.name]
    if target.out_of_office_until and target.out_of_office_until >= timezone.localdate(now):
        parts.append(f"away until {engine.short_date(target.out_of_office_until)}")
    if held is not None and held >= target.capacity:
        parts.append(f"full {held}/{target.capacity}")
    return " · ".join(parts)


def reassign_options(
    *, user, exclude_user_id: int | None, now: datetime, chosen: int | None = None
) -> tuple[list[RepProfile], str]:
    """
    The reassign menu: the reps this user may hand a lead to (but its current rep), each
    labelled with what the service would warn about (away, full), as <option>s; `chosen` is
    selected (the form back after an error).
    """
    targets = [t for t in selectors.reassign_targets(user=user) if t.user_id != exclude_user_id]
    held = selectors.rep_loads(t.user_id for t in targets)
    html = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (
                t.user_id,
                " selected" if t.user_id == chosen else "",
                reassign_option_label(t, held=held.get(t.user_id, 0), now=now),
            )
            for t in targets
        ),
    )
    return targets, html


def _tabs(scope: str) -> list[tuple[str, str]]:
    tabs = [("open", "Awaiting acceptance"), ("accepted", "Accepted")]
    if scope in ("team", "all"):
        tabs.append(("unassigned", "Unassigned"))
    tabs.append(("closed", "Closed"))
    return tabs


def _tab_page(user, tab: str, params: QueryDict) -> tuple[QueueFilter, list[Assignment]]:
    """The tab's leads as the filters in `params` narrow them: the filter and one page."""
    ranked = selectors.queue_tab(selectors.queue(user=user), tab)
    if tab == "unassigned":
        # Each row says why nobody took it: the latest log line, all fetched in one query.
        ranked = ranked.prefetch_related(
            Prefetch("decisions", queryset=RoutingDecision.objects.order_by("-occurred_at", "-id"))
        )
    queue_filter = QueueFilter(params, queryset=ranked)
    assignments = (
        selectors.queue_page(queue_filter.qs, limit=selectors.QUEUE_LIMIT)
        if queue_filter.is_valid()
        else []
    )
    return queue_filter, assignments


def _ranked_rows(
    assignments: list[Assignment],
    *,
    tab: str,
    now: datetime,
    unread: set[int],
    models: dict[int, str],
) -> list[QueueRow]:
    """The page's rows, each computed once; the open and unassigned tabs ranked as of now."""
    rows = [_row(a, now=now, unread=unread, models=models) for a in assignments]
    for row in rows:
        row.tab = tab
    if tab in ("open", "unassigned"):
        # The database ranked by the stored scores; rank again by the scores as of now
        # (interest decays), so the order always matches the grades and bands shown.
        rows.sort(key=lambda row: row.rank_key)
    return rows


def _filters_in_effect(params: QueryDict) -> QueryDict:
    """
    The filters in effect (also when the params are an action's POST, which carries the
    filter form along), for links, the refresh and "Clear".
    """
    filter_query = QueryDict(mutable=True)
    for name in QueueFilter.base_filters:
        if params.get(name):
            filter_query[name] = params[name]
    return filter_query


def _queue_context(request: HttpRequest, params: QueryDict) -> dict:
    """Everything the queue page or its fragment shows; a fixed number of queries."""
    user = request.user
    scope = selectors.queue_scope(user)
    now = timezone.now()
    tabs = _tabs(scope)
    tab = params.get("tab", "open")
    if tab not in dict(tabs):
        tab = "open"
    visible = selectors.assignments_visible_to(user)
    counts = selectors.queue_counts(visible, now=now)
    queue_filter, assignments = _tab_page(user, tab, params)
    unread = set(selectors.unread_notifications(user=user).values_list("assignment_id", flat=True))
    lines = scoring_selectors.lines()
    models = {line.pk: line.name for line in lines} if len(lines) > 1 else {}
    rows = _ranked_rows(assignments, tab=tab, now=now, unread=unread, models=models)
    filter_query = _filters_in_effect(params)
    query = filter_query.copy()
    query["tab"] = tab
    # This view of the queue (tab and filters), built from them rather than from the request's
    # path: after a row action the request is the action's POST (/queue/5/accept/), and links
    # returning there would lead to a page that answers only POST.
    queue_url = f"{reverse('routing:queue')}?{query.urlencode()}"

    context = {
        "scope": scope,
        "tab": tab,
        "tabs": [(key, label, counts.get(key, 0)) for key, label in tabs],
        "counts": counts,
        "rows": rows,
        "limit_reached": len(assignments) >= selectors.QUEUE_LIMIT,
        "filter": queue_filter,
        "filter_query": filter_query.urlencode(),
        "queue_url": queue_url,
        "filtered": bool(filter_query),
        "grades": GRADES,
        "bands": BANDS,
        # Several live scoring models: the queue filters by the one a lead qualified under.
        "scoring_lines": lines,
        "countries": selectors.queue_countries(visible, user=user),
        "reject_reasons": RejectReason.choices,
        "disqualify_reasons": DisqualifyReason.choices,
        "poll_seconds": POLL_SECONDS,
        "now": now,
        "can_reassign": user.has_perm("routing.reassign_assignment"),
        "can_dry_run": user.has_perm("routing.view_routingrule"),
        # Where row actions return to, once per page rather than once per row and popover.
        "next_url": queue_url,
        "next_q": urlquote(queue_url),  # as the urlencode filter does
    }
    if scope in ("team", "all"):
        # (The reassign menu's reps are fetched with its form, when a popover opens.)
        context["loads"] = list(selectors.team_loads(user=user, now=now))
    else:
        context["profile"] = RepProfile.objects.filter(user=user).first()
    return context


def _queue_response(request: HttpRequest, params: QueryDict, *, toast: str = "") -> HttpResponse:
    context = _queue_context(request, params)
    context["toast"] = toast
    return render(request, "routing/queue.html#queue", context)


def _require_queue(request: HttpRequest) -> None:
    if selectors.queue_scope(request.user) is None:
        raise PermissionDenied


@vary_on_headers("HX-Request", "HX-Target")
def queue(request: HttpRequest) -> HttpResponse:
    """The queue page, or for htmx (filters, tabs, the 20 s refresh) only its #queue part."""
    _require_queue(request)
    if request.htmx:
        return _queue_response(request, request.GET)
    context = _queue_context(request, request.GET)
    response = render(request, "routing/queue.html", context)
    # Seen: the badge clears (rows rendered above still carry their "New" mark this once).
    services.notifications_mark_read(user=request.user)
    return response


# --- A lead's routing page (the expanded row) --------------------------------------------------


def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead's routing history, latest activity and actions; for htmx, the expanded row."""
    _require_queue(request)
    assignment = get_object_or_404(
        selectors.queue(user=request.user).select_related(
            "contact__company__account_owner", "team", "rule", "qualification"
        ),
        pk=pk,
    )
    context = assignment_page_context(request, assignment)
    template = "routing/assignment.html"
    if request.htmx:
        template += "#detail"
    return render(request, template, context)


def assignment_page_context(
    request: HttpRequest, assignment: Assignment, *, chosen_rep: int | None = None
) -> dict:
    """
    What the lead's routing page shows (also when an action on it comes back with an error:
    `chosen_rep` is the rep its reassign form had chosen).
    """
    now = timezone.now()
    context = {
        "row": _row(assignment, now=now, unread=set()),
        "a": assignment,
        "decisions": list(selectors.decision_log(assignment=assignment)[:50]),
        "activities": list(contact_timeline(contact=assignment.contact)[:8]),
        "can_reassign": request.user.has_perm("routing.reassign_assignment"),
        "can_view_scores": request.user.has_perm("scoring.view_contactscore"),
        "reject_reasons": RejectReason.choices,
        "disqualify_reasons": DisqualifyReason.choices,
        "now": now,
    }
    if context["can_reassign"]:
        context["reassign_targets"], context["reassign_options"] = reassign_options(
            user=request.user, exclude_user_id=assignment.rep_id, now=now, chosen=chosen_rep
        )
    return context
