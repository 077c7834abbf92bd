from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from contacts.models import ActivityKind, Contact
from scoring import engine, selectors
from scoring.admin import rule_in_words
from scoring.models import ContactScore, RescoreRun


@permission_required("scoring.view_contactscore", raise_exception=True)
def contact_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """A contact's fit and interest as of now, their breakdown in words, and the timeline."""
    contact = get_object_or_404(Contact, pk=pk)
    stored = ContactScore.objects.filter(pk=pk).select_related("scoring_model").first()
    now = timezone.now()
    score = selectors.score_now(stored, now=now) if stored else None
    context = {
        "contact": contact,
        "stored": stored,
        "score": score,
        "fit_lines": [(engine.explain(p, now), p) for p in score.fit_breakdown] if score else [],
        "interest_lines": [(engine.explain(p, now), p) for p in score.interest_breakdown]
        if score
        else [],
        "timeline": selectors.score_timeline(contact=contact)[:50],
        "qualification": selectors.open_qualification(contact_id=pk),
    }
    template = "scoring/contact_scores.html"
    if request.htmx:
        template += "#panel"
    return render(request, template, context)


@permission_required("scoring.view_scoringmodel", raise_exception=True)
def model_overview(request: HttpRequest) -> HttpResponse:
    """The live model: the MQL rule, the grade x band matrix, the rules in words."""
    model = selectors.live_model()
    context: dict = {"model": model}
    if model is not None:
        cells = {
            (row["grade"], row["band"]): row["n"]
            for row in ContactScore.objects.filter(scoring_model=model)
            .values("grade", "band")
            .annotate(n=Count("pk"))
        }
        rules = list(
            model.rules.prefetch_related("conditions").order_by("dimension", "position", "id")
        )
        spec = selectors.model_spec(model, rules=())
        show_advice = request.user.has_perm("scoring.change_scoringrule")
        context.update(
            matrix=[(g, [(b, cells.get((g, b), 0)) for b in (1, 2, 3)]) for g in "ABCD"],
            scored=sum(cells.values()),
            fit_rules=[
                (r, rule_in_words(r), selectors.rule_warnings(r, spec=spec) if show_advice else [])
                for r in rules
                if r.dimension == "fit"
            ],
            interest_rules=[
                (r, rule_in_words(r), selectors.rule_warnings(r, spec=spec) if show_advice else [])
                for r in rules
                if r.dimension == "interest"
            ],
            run=selectors.latest_rescore_run(model=model),
            pending=selectors.qualifications_pending_release().count(),
            kinds=dict(ActivityKind.choices),
        )
    return render(request, "scoring/model.html", context)


@permission_required("scoring.view_scoringmodel", raise_exception=True)
def rescore_run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(RescoreRun, pk=pk)
    if not request.htmx:
        return redirect("scoring:model")
    return render(request, "scoring/model.html#run-progress", {"run": run})
