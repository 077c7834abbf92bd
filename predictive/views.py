"""The model page (evaluation, features, suggestions, retraining) and a contact's panel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from contacts.selectors import contact_visible_or_404
from predictive import charts, selectors, services, suggested_draft
from predictive.models import PredictiveModel
from scoring.services import VersionError

SUGGESTION_ROWS = 25


def _evaluation(model: PredictiveModel, previous: PredictiveModel | None) -> dict:
    test = (model.metrics or {}).get("test") or {}
    before = ((previous.metrics or {}).get("test") or {}) if previous else {}
    return {
        "test": test,
        "previous_test": before,
        "candidates": (model.metrics or {}).get("candidates", []),
        "reliability_chart": charts.reliability_chart(
            test.get("reliability", []), previous=before.get("reliability", [])
        )
        if test.get("reliability")
        else "",
    }


@permission_required("predictive.view_predictivemodel", raise_exception=True)
def model_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """
    A version of the predictive score (the active one by default, else the latest): training
    date, rows, features, the held-out evaluation beside the previous version's, the strongest
    coefficients, suggested rule points, every version, and the retrain button.
    """
    if pk is not None:
        model = get_object_or_404(selectors.versions(), pk=pk)
    else:
        model = selectors.active_model() or selectors.versions().first()
    context: dict = {
        "model": model,
        "versions": selectors.versions()[:20],
        "can_retrain": request.user.has_perm("predictive.add_predictivemodel"),
        "running": selectors.versions().filter(status__in=["queued", "training"]).first(),
    }
    if model is not None and model.trained_at:
        previous = selectors.previous_model(model)
        suggestions = model.suggestions or {}
        context.update(
            previous=previous,
            coefficients=model.coefficients[:20],
            points_per_doubling=suggestions.get("points_per_doubling"),
            live_suggestions=suggestions.get("live"),
            suggested=_suggested(suggestions.get("model")),
            suggested_error=suggestions.get("model_error", ""),
            can_adopt=request.user.has_perm("scoring.add_scoringmodel")
            and request.user.has_perm("scoring.change_scoringrule"),
            bounds=(model.metrics or {}).get("bounds"),
            **_evaluation(model, previous),
        )
    return render(request, "predictive/model.html", context)


ACTION_ORDER = {"set_points": 0, "deactivate": 1, "keep": 2, "add": 3}


def _suggested(suggestion: dict | None) -> dict | None:
    """The stored suggestion, its changes grouped for the page."""
    if not suggestion:
        return None
    changes = sorted(
        suggestion["changes"],
        key=lambda c: (ACTION_ORDER[c["action"]], c["dimension"], -abs(c["points"] or 0)),
    )
    return {
        **suggestion,
        "existing": [c for c in changes if c["action"] != "add"],
        "new_fit": [c for c in changes if c["action"] == "add" and c["dimension"] == "fit"],
        "new_interest": [
            c for c in changes if c["action"] == "add" and c["dimension"] == "interest"
        ],
    }


def _target(request: HttpRequest) -> tuple[float | None, float | None, str]:
    """(share, precision, error) from the adopt form: a percentage of one kind or the other."""
    kind, raw = request.POST.get("target", "share"), request.POST.get("value", "").strip()
    if not raw:
        return None, None, ""
    try:
        value = float(raw.rstrip("%").replace(",", ".")) / 100
    except ValueError:
        return None, None, f"'{raw}' is not a percentage."
    if not 0 < value < 1:
        return None, None, "The target is a percentage between 0 and 100."
    return (value, None, "") if kind == "share" else (None, value, "")


@permission_required("scoring.add_scoringmodel", raise_exception=True)
@permission_required("scoring.change_scoringrule", raise_exception=True)
@require_POST
def suggestion_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a new scoring draft from a version's suggested model (every change audited)."""
    model = get_object_or_404(selectors.versions(), pk=pk)
    suggestion = (model.suggestions or {}).get("model")
    if not suggestion:
        messages.error(request, "This version has no suggested scoring model.")
        return redirect("predictive:version", pk)
    share, precision, error = _target(request)
    if error:
        messages.error(request, error)
        return redirect("predictive:version", pk)
    try:
        draft = suggested_draft.suggested_draft_create(
            suggestion=suggestion, by=request.user, target_share=share, target_precision=precision
        )
    except (VersionError, ValidationError) as exc:
        messages.error(request, f"The draft was not created: {exc}")
        return redirect("predictive:version", pk)
    messages.success(
        request,
        f"Draft v{draft.version} created from the suggested model. Run its what-if and backtest, "
        "then publish it.",
    )
    return redirect("scoring:whatif", draft.pk)


@permission_required("predictive.view_predictivemodel", raise_exception=True)
def training_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once training is over, the whole page reloads."""
    model = get_object_or_404(selectors.versions(), pk=pk)
    if not request.htmx:
        return redirect("predictive:version", pk)
    response = render(request, "predictive/model.html#progress", {"running": model})
    if not model.is_running:
        response["HX-Refresh"] = "true"
    return response


@permission_required("predictive.add_predictivemodel", raise_exception=True)
@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    """Marketing ops asks for a new version; it trains in the background."""
    model = services.predictive_model_request(requested_by=request.user)
    model.refresh_from_db()
    if model.status == "failed":
        messages.error(request, model.error)
    elif model.status == "active":
        messages.success(request, f"Version {model.version} trained and now scores leads.")
    else:
        messages.info(request, f"Version {model.version} is training.")
    return redirect("predictive:model")


@permission_required("predictive.view_contactprediction", raise_exception=True)
def contact_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """A contact's probability of being won and the factors behind it."""
    contact = contact_visible_or_404(request.user, pk)
    context = {
        "contact": contact,
        "prediction": selectors.contact_prediction(contact_id=pk),
        "active": selectors.active_model(),
    }
    template = "predictive/contact_panel.html"
    if request.htmx:
        template += "#panel"
    return render(request, template, context)
