"""
The rep's and manager's actions on a lead in the queue (accept, reject, disqualify, outcome,
reassign): htmx in place, plain forms without JavaScript; and the popover forms the queue
fetches when one opens.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from contacts.import_values import CellError, parse_number
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


def _form_context(
    request: HttpRequest, assignment: Assignment, form: str, *, next_url: str, chosen_rep=None
) -> dict:
    """What one row action's popover form needs (queue.html's `<form>_form` partials)."""
    now = timezone.now()
    context = {
        "a": assignment,
        "in_queue": True,
        "next_url": next_url,
        "now": now,
        "reject_reasons": RejectReason.choices,
        "disqualify_reasons": DisqualifyReason.choices,
    }
    if form == "reassign":
        context["reassign_targets"], context["reassign_options"] = reassign_options(
            user=request.user, exclude_user_id=assignment.rep_id, now=now, chosen=chosen_rep
        )
    return context


def _form_again(
    request: HttpRequest, assignment: Assignment, *, form: str, error: str
) -> HttpResponse:
    """
    A row action's form (reject, won, lost, reassign, disqualify) back with the error and what
    the user entered, where the action cannot go through for it (a missing reason, an amount
    that is no number, a rep who is away): in its popover for htmx (the rest of the queue as it
    was), else on the lead's page with that popover open.
    """
    next_url = _next_url(request, request.POST.get("next", ""))
    chosen_rep = row_id(request.POST.get("to_rep"))
    entered = {"failed": form, "form_error": error, "entered": request.POST, "next_url": next_url}
    if request.htmx:
        context = _form_context(request, assignment, form, next_url=next_url, chosen_rep=chosen_rep)
        response = render(request, f"routing/queue.html#{form}_form", context | entered)
        response["HX-Retarget"] = f"#{form}-form-{assignment.pk}"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Trigger"] = "queue-action-failed"
        return response
    context = assignment_page_context(request, assignment, chosen_rep=chosen_rep) | entered
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
        return _form_again(request, assignment, form="reject", error=str(exc))
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
    except services.RoutingInputError as exc:
        return _form_again(request, assignment, form="disqualify", error=str(exc))
    except services.RoutingError as exc:
        return _done(request, ok=False, text=str(exc))
    return _done(request, ok=True, text=f"Disqualified {_name(assignment)}.")


@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _actionable(request, pk)
    result = request.POST.get("result", "")
    if result not in OutcomeResult.values:
        return _done(request, ok=False, text="Choose won or lost.")
    form = "won" if result == OutcomeResult.WON else "lost"
    try:
        services.assignment_outcome_record(
            assignment=assignment,
            user=request.user,
            result=result,
            lost_reason=request.POST.get("lost_reason", ""),
            amount=_amount(request.POST.get("amount", "")),
        )
    except services.RoutingInputError as exc:
        return _form_again(request, assignment, form=form, error=str(exc))
    except services.RoutingError as exc:
        return _done(request, ok=False, text=str(exc))
    verb = "Won" if result == OutcomeResult.WON else "Lost"
    return _done(request, ok=True, text=f"{verb}: {_name(assignment)}. Recorded.")


# Outcome.amount holds 12 digits before the point and 2 after.
AMOUNT_LIMIT = Decimal(10**12)


def _amount(text: str) -> Decimal | None:
    """A deal's amount as typed ('24,000', '$24000.50'), None when left empty."""
    if not text.strip():
        return None
    try:
        amount = parse_number(text)
    except CellError:
        amount = None
    if amount is None or amount < 0 or amount >= AMOUNT_LIMIT:
        raise services.RoutingInputError(
            f"'{text.strip()[:40]}' is not an amount: write a number of dollars, e.g. 24000."
        )
    return amount.quantize(Decimal("0.01"))


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
        return _form_again(request, assignment, form="reassign", error="Choose a rep of your team.")
    try:
        services.assignment_reassign(
            assignment=assignment,
            to_rep=target.user,
            by=request.user,
            reason=request.POST.get("reason", ""),
            force=request.POST.get("force") == "1",
        )
    except services.ReassignWarning as exc:
        # The form comes back as the manager filled it, so going ahead is one tick and a click.
        return _form_again(
            request,
            assignment,
            form="reassign",
            error=" ".join(exc.warnings)
            + " Tick 'Go ahead even if they are away or full' to give it to them all the same.",
        )
    except services.RoutingInputError as exc:
        return _form_again(request, assignment, form="reassign", error=str(exc))
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
    next_url = _next_url(request, request.GET.get("next", ""))
    context = _form_context(request, assignment, form, next_url=next_url)
    return render(request, f"routing/queue.html#{form}_form", context)
