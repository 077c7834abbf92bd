"""
The rep's and manager's actions on a lead in the queue (accept, reject, disqualify, outcome,
reassign): htmx in place, plain forms without JavaScript; and the popover forms the queue
fetches when one opens.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from contacts.models import OutcomeResult
from leadscore.ids import row_id
from routing import selectors, services
from routing.models import Assignment, DisqualifyReason, RejectReason
from routing.queue_views import (
    _queue_response,
    _require_queue,
    assignment_page_context,
    reassign_options,
)


def _actionable(request: HttpRequest, pk: int, *, holder_only: bool = True) -> Assignment:
    """
    The assignment, if the user may see it (404 otherwise) and act on it (403 otherwise):
    accepting, rejecting and recording the outcome are the holding rep's; a manager may also
    disqualify and reassign the leads of their team.
    """
    _require_queue(request)
    assignment = get_object_or_404(
        selectors.assignments_visible_to(request.user).select_related("contact"), pk=pk
    )
    if assignment.rep_id == request.user.pk:
        return assignment
    if holder_only or not request.user.has_perm("routing.reassign_assignment"):
        raise PermissionDenied
    return assignment


def _next_url(request: HttpRequest, target: str) -> str:
    """Where to return to: `target` if it is a page of this site, else the queue."""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return reverse("routing:queue")
    return target


def _done(request: HttpRequest, *, ok: bool, text: str) -> HttpResponse:
    """After an action: the refreshed queue for htmx, else a redirect back with a message."""
    if request.htmx:
        response = _queue_response(request, request.POST, toast=text)
        if not ok:
            response["HX-Trigger"] = "queue-action-failed"
        return response
    (messages.success if ok else messages.error)(request, text)
    return redirect(_next_url(request, request.POST.get("next", "")))


def _reject_form_again(request: HttpRequest, assignment: Assignment, *, error: str) -> HttpResponse:
    """
    The reject form back with the error and the reason and note the rep entered: in its popover
    for htmx (the rest of the queue as it was), else on the lead's page with the popover open.
    """
    entered = {
        "reject_error": error,
        "reject_reason": request.POST.get("reason", ""),
        "reject_note": request.POST.get("note", ""),
        "next_url": _next_url(request, request.POST.get("next", "")),
    }
    if request.htmx:
        context = {"a": assignment, "in_queue": True, "reject_reasons": RejectReason.choices}
        response = render(request, "routing/queue.html#reject_form", context | entered)
        response["HX-Retarget"] = f"#reject-form-{assignment.pk}"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Trigger"] = "queue-action-failed"
        return response
    context = assignment_page_context(request, assignment) | entered
    return render(request, "routing/assignment.html", context, status=400)


def _name(assignment: Assignment) -> str:
    return str(assignment.contact)


@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _actionable(request, pk)
    try:
        services.assignment_accept(assignment=assignment, user=request.user)
    except services.RoutingError as exc:
        return _done(request, ok=False, text=str(exc))
    return _done(request, ok=True, text=f"Accepted {_name(assignment)}: it is in Accepted now.")


def _close_with_reason(
    request: HttpRequest,
    assignment: Assignment,
    *,
    close: Callable[..., Assignment],
    reasons: type[RejectReason] | type[DisqualifyReason],
    unchosen: str,
) -> str:
    """
    Reject or disqualify through the service `close`, with one of `reasons` (else
    RoutingInputError saying `unchosen`) and the rep's note. Returns the reason's label.
    """
    reason = request.POST.get("reason", "")
    if reason not in reasons.values:
        raise services.RoutingInputError(unchosen)
    note = request.POST.get("note", "")
    close(assignment=assignment, user=request.user, reason=reason, note=note)
    return reasons(reason).label


@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _actionable(request, pk)
    try:
        label = _close_with_reason(
            request,
            assignment,
            close=services.assignment_reject,
            reasons=RejectReason,
            unchosen="Choose why you are rejecting this lead.",
        )
    except services.RoutingInputError as exc:
        return _reject_form_again(request, assignment, error=str(exc))
    except services.RoutingError as exc:
        return _done(request, ok=False, text=str(exc))
    text = f"Rejected {_name(assignment)}: back to marketing ({label})."
    return _done(request, ok=True, text=text)


@require_POST
def disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _actionable(request, pk, holder_only=False)
    try:
        _close_with_reason(
            request,
            assignment,
            close=services.assignment_disqualify,
            reasons=DisqualifyReason,
            unchosen="Choose why this lead is disqualified.",
        )
    except services.RoutingError as exc:
        return _done(request, ok=False, text=str(exc))
    return _done(request, ok=True, text=f"Disqualified {_name(assignment)}.")


@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _actionable(request, pk)
    result = request.POST.get("result", "")
    if result not in OutcomeResult.values:
        return _done(request, ok=False, text="Choose won or lost.")
    amount = None
    if request.POST.get("amount", "").strip():
        try:
            amount = Decimal(request.POST["amount"].replace(",", "").strip())
        except InvalidOperation:
            return _done(request, ok=False, text="The amount is not a number.")
    try:
        services.assignment_outcome_record(
            assignment=assignment,
            user=request.user,
            result=result,
            lost_reason=request.POST.get("lost_reason", ""),
            amount=amount,
        )
    except services.RoutingError as exc:
        return _done(request, ok=False, text=str(exc))
    verb = "Won" if result == OutcomeResult.WON else "Lost"
    return _done(request, ok=True, text=f"{verb}: {_name(assignment)}. Recorded.")


@require_POST
@permission_required("routing.reassign_assignment", raise_exception=True)
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _actionable(request, pk, holder_only=False)
    rep_id = row_id(request.POST.get("to_rep"))
    target = (
        selectors.reassign_targets(user=request.user).filter(user_id=rep_id).first()
        if rep_id
        else None
    )
    if target is None:
        return _done(request, ok=False, text="Choose a rep of your team.")
    try:
        services.assignment_reassign(
            assignment=assignment,
            to_rep=target.user,
            by=request.user,
            reason=request.POST.get("reason", ""),
            force=request.POST.get("force") == "1",
        )
    except services.ReassignWarning as exc:
        return _done(
            request,
            ok=False,
            text=" ".join(exc.warnings)
            + " Tick 'Go ahead even if they are away or full' to give it to them all the same.",
        )
    except services.RoutingError as exc:
        return _done(request, ok=False, text=str(exc))
    return _done(
        request,
        ok=True,
        text=f"Reassigned {_name(assignment)} to {target.user.get_full_name() or target.user}.",
    )


# Popover forms the queue fetches when a popover opens (templates/routing/queue.html), so a
# 100-row page does not render 500 forms nobody opens.
ACTION_FORMS = {"reject", "won", "lost", "reassign", "disqualify"}


def action_form(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    """One row action's form (reject, won, lost, reassign, disqualify) as an htmx fragment."""
    if form not in ACTION_FORMS:
        raise Http404
    if form in ("reassign", "disqualify"):
        assignment = _actionable(request, pk, holder_only=False)
    else:
        assignment = _actionable(request, pk)
    if form == "reassign" and not request.user.has_perm("routing.reassign_assignment"):
        raise PermissionDenied
    if not request.htmx:
        return redirect("routing:assignment", pk=assignment.pk)
    now = timezone.now()
    context = {
        "a": assignment,
        "in_queue": True,
        "next_url": _next_url(request, request.GET.get("next", "")),
        "now": now,
        "reject_reasons": RejectReason.choices,
        "disqualify_reasons": DisqualifyReason.choices,
    }
    if form == "reassign":
        context["reassign_targets"], context["reassign_options"] = reassign_options(
            user=request.user, exclude_user_id=assignment.rep_id, now=now
        )
    return render(request, f"routing/queue.html#{form}_form", context)
