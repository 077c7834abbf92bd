from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contacts.models import ActivityKind
from contacts.selectors import contact_visible_or_404
from leadscore.on_commit import BROKER_REFUSED, enqueue_safely
from scoring import (
    backtest,
    backtest_runs,
    charts,
    score_reads,
    selectors,
    services,
    tasks,
    wording,
)
from scoring.forms import LineCreateForm
from scoring.models import (
    ContactScore,
    Dimension,
    OutcomeLevel,
    RescoreRun,
    ScoringModel,
    ScoringRule,
    WhatIfRun,
    WhatIfStatus,
)


@permission_required("scoring.view_contactscore", raise_exception=True)
def contact_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """
    A contact's fit and interest as of now under one scoring model (the default unless
    `?model=` names another), their breakdown in words, and the timeline.
    """
    contact = contact_visible_or_404(request.user, pk)
    line = selectors.line_requested(request.GET.get("model"))
    stored = (
        ContactScore.objects.filter(contact_id=pk, line=line)
        .select_related("scoring_model")
        .first()
    )
    now = timezone.now()
    score = score_reads.score_now(stored, now=now) if stored else None
    interest = list(score.interest_breakdown) if score else []
    behind: dict[int, list] = {}
    if stored is not None and stored.rule_states:
        # Each interest line expands to the activities that gave its points (derived on demand,
        # one query): the stored breakdown keeps counts and times, not the list.
        spec = selectors.cached_model_spec(stored.scoring_model)
        behind = selectors.breakdown_activities(contact_id=pk, spec=spec, now=now)
    context = {
        "contact": contact,
        "stored": stored,
        "score": score,
        "fit_lines": [(wording.explain(p, now), p) for p in score.fit_breakdown] if score else [],
        "interest_lines": [
            (wording.explain(p, now), p, behind.get(p.rule_id, [])) for p in interest
        ],
        "timeline": selectors.score_timeline(contact=contact, line=line)[:50],
        "qualification": selectors.open_qualification(contact_id=pk, line=line),
        "line": line,
        # Several live models: each one's score, to switch between (none with one model).
        "line_scores": selectors.scores_by_line(contact_id=pk),
    }
    template = "scoring/contact_scores.html"
    if request.htmx:
        template += "#panel"
    return render(request, template, context)


@permission_required("scoring.view_scoringmodel", raise_exception=True)
def model_overview(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """
    A version of the model (the live one by default): the MQL rule, the grade x band matrix,
    the rules in words, every version, and the audit trail of this one.
    """
    if pk:
        model = get_object_or_404(ScoringModel.objects.select_related("line"), pk=pk)
        line = model.line
    else:
        line = selectors.line_requested(request.GET.get("model"))
        model = selectors.live_model(line=line) or selectors.versions(line=line).first()
    context: dict = {
        "model": model,
        "line": line,
        "lines": selectors.lines_with_live(),
        "versions": selectors.versions(line=line),
        "draft": selectors.latest_draft(line=line),
    }
    if model is not None:
        if request.user.has_perm("scoring.view_auditentry"):
            context["audit"] = selectors.audit_trail(model=model)[:50]
        # Scores belong to the live version; a draft or retired version shows none.
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

        def advise(rule: ScoringRule) -> list[str]:
            return selectors.rule_warnings(rule, spec=spec) if show_advice else []

        rows = [(rule, selectors.rule_words(rule), advise(rule)) for rule in rules]
        context.update(
            matrix=[(g, [(b, cells.get((g, b), 0)) for b in (1, 2, 3)]) for g in "ABCD"],
            scored=sum(cells.values()),
            fit_rules=[row for row in rows if row[0].dimension == Dimension.FIT],
            interest_rules=[row for row in rows if row[0].dimension == Dimension.INTEREST],
            account_rules=[row for row in rows if row[0].dimension == Dimension.ACCOUNT],
            threshold_warnings=selectors.threshold_warnings(model) if show_advice else [],
            run=selectors.latest_rescore_run(model=model),
            pending=selectors.qualifications_pending_release(line=line).count(),
            kinds=dict(ActivityKind.choices),
        )
    return render(request, "scoring/model.html", context)


@permission_required("scoring.view_scoringmodel", raise_exception=True)
def rescore_run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(RescoreRun, pk=pk)
    if not request.htmx:
        return redirect("scoring:model")
    return render(request, "scoring/model.html#run-progress", {"run": run})


@permission_required("scoring.add_scoringmodel", raise_exception=True)
@require_POST
def draft_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a version into a new draft and open it in the admin to edit."""
    source = get_object_or_404(ScoringModel, pk=pk)
    draft = services.scoring_model_draft_create(source=source, created_by=request.user)
    messages.success(
        request,
        f"Draft v{draft.version} created from v{source.version}. Edit it, try it with the "
        "what-if, then publish it.",
    )
    return redirect("admin:scoring_scoringmodel_change", draft.pk)


@permission_required("scoring.add_scoringmodel", raise_exception=True)
def line_create(request: HttpRequest) -> HttpResponse:
    """A new live scoring model (product line, region): its first draft, copied from a version."""
    form = LineCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.scoring_line_create(
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                source=form.cleaned_data["source"],
                created_by=request.user,
            )
        except services.VersionError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(
                request,
                f"Scoring model {draft.line.name} created with draft v{draft.version}. Edit its "
                "rules, try it with the what-if, then publish it: every contact is then scored "
                "under it too.",
            )
            return redirect("scoring:version", draft.pk)
    return render(request, "scoring/line_form.html", {"form": form})


# ---- What-if -----------------------------------------------------------------------------


def _split_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _matrix(result: dict) -> list[tuple[str, list[dict]]]:
    live, draft = result["matrix"]["live"], result["matrix"]["draft"]
    return [
        (
            grade,
            [
                {
                    "cell": f"{grade}{band}",
                    "live": live[f"{grade}{band}"],
                    "draft": draft[f"{grade}{band}"],
                    "delta": draft[f"{grade}{band}"] - live[f"{grade}{band}"],
                }
                for band in (1, 2, 3)
            ],
        )
        for grade in "ABCD"
    ]


def _histogram(result: dict, dimension: str, title: str):
    data = result["histograms"][dimension]
    return charts.histogram(
        [tuple(b) for b in data["bins"]],
        [("Live", data["live"], charts.LIVE), ("Draft", data["draft"], charts.DRAFT)],
        title=title,
        x_label=f"{dimension} points",
    )


def won_rates(result: dict, key: str) -> list[float | None]:
    """
    Each group's won rate in the test period; None for a group with no contact, which the
    chart leaves without a bar (a 0 % bar would claim that its leads were all lost).
    """
    return [group["rate"] for group in result["test"][key]]


def _metric_rows(live: dict, draft: dict) -> list[dict]:
    """Rows of the backtest table: a figure for live and draft, train and test."""

    def row(label: str, key: str, kind: str) -> dict:
        return {
            "label": label,
            "kind": kind,
            "values": [
                live["train"][key],
                draft["train"][key],
                live["test"][key],
                draft["test"][key],
            ],
        }

    return [
        row("Outcomes", "n", "count"),
        row("Won", "won", "count"),
        row("Base won rate", "base_rate", "percent"),
        row("ROC AUC of fit + interest", "auc", "decimal"),
        row("Meeting the MQL rule", "mqls", "count"),
        row("MQL rule precision (won rate of those meeting it)", "precision", "percent"),
        row("MQL rule recall (share of won that met it)", "recall", "percent"),
        row("MQL rule lift over the base rate", "lift", "ratio"),
    ]


def _backtest_context(run: WhatIfRun, split_at: dt.datetime | None) -> dict:
    live_obs, _ = backtest_runs.run_observations(run)
    compared = backtest_runs.draft_report(run, split_at=split_at)
    live, draft, chosen = compared["live"], compared["draft"], compared["split"]
    dates = [o.decided_at for o in live_obs if o.decided_at is not None]
    rules = {r.pk: r for r in run.draft.rules.all()}
    rule_rows = [
        {**row, "rule": rules.get(row["rule_id"])}
        for row in backtest.rules_disagreeing_first(draft["rules"])
    ]

    deciles = [str(d["label"]) for d in draft["test"]["deciles"]]
    return {
        "observations": len(live_obs),
        "split": chosen,
        "split_at": chosen.at,
        "chosen_date": split_at,
        "first_outcome": min(dates, default=None),
        "last_outcome": max(dates, default=None),
        "live": live,
        "draft": draft,
        "metric_rows": _metric_rows(live, draft),
        "rule_rows": rule_rows,
        "decile_chart": charts.bar_chart(
            deciles,
            [
                ("Live", won_rates(live, "deciles"), charts.LIVE),
                ("Draft", won_rates(draft, "deciles"), charts.DRAFT),
            ],
            title="Won rate by score decile, test period (1 = top 10 %)",
            kind="percent",
            show_values=False,
            height=260,
        )
        if deciles
        else "",
        "grade_chart": charts.bar_chart(
            ["A", "B", "C", "D"],
            [
                ("Live", won_rates(live, "grades"), charts.LIVE),
                ("Draft", won_rates(draft, "grades"), charts.DRAFT),
            ],
            title="Won rate by grade (test)",
            kind="percent",
            width=360,
            height=260,
        ),
        "band_chart": charts.bar_chart(
            ["1 hot", "2 warm", "3 cold"],
            [
                ("Live", won_rates(live, "bands"), charts.LIVE),
                ("Draft", won_rates(draft, "bands"), charts.DRAFT),
            ],
            title="Won rate by band (test)",
            kind="percent",
            width=360,
            height=260,
        ),
    }


@permission_required("scoring.view_whatifrun", raise_exception=True)
def whatif(request: HttpRequest, pk: int) -> HttpResponse:
    """
    A draft against the live version: who meets the MQL rule now and with the draft, the shift
    of the grade x band matrix, fit and interest histograms, and the backtest side by side.
    POST starts a new run in the background.
    """
    draft = get_object_or_404(ScoringModel.objects.select_related("based_on"), pk=pk)
    if request.method == "POST":
        if not request.user.has_perm("scoring.add_whatifrun"):
            raise PermissionDenied
        if not draft.is_draft:
            messages.error(request, "A what-if replays a draft; create a draft first.")
            return redirect("scoring:version", pk)
        level = request.POST.get("level", OutcomeLevel.EITHER)
        if level not in OutcomeLevel.values:
            level = OutcomeLevel.EITHER
        run = services.whatif_run_create(
            draft=draft, requested_by=request.user, outcome_level=level
        )
        if not enqueue_safely(tasks.run_whatif, run.pk):
            WhatIfRun.objects.filter(pk=run.pk).update(
                status=WhatIfStatus.FAILED, error=BROKER_REFUSED, finished_at=timezone.now()
            )
        return redirect("scoring:whatif", pk)
    run = selectors.latest_whatif_run(draft=draft)
    context = {
        "draft": draft,
        "live": selectors.live_model(line=draft.line_id),
        "run": run,
        "levels": [
            (OutcomeLevel.EITHER, "Outcomes: contact, else account"),
            (OutcomeLevel.CONTACT, "Outcomes: contact only"),
            (OutcomeLevel.ACCOUNT, "Outcomes: account only"),
        ],
        "can_run": draft.is_draft and request.user.has_perm("scoring.add_whatifrun"),
        "can_apply": draft.is_draft and request.user.has_perm("scoring.change_scoringrule"),
        "can_publish": draft.is_draft and request.user.has_perm("scoring.publish_scoringmodel"),
    }
    if run is not None and run.status == WhatIfStatus.DONE:
        result = run.result
        context.update(
            result=result,
            stale=selectors.draft_changed_since(draft=draft, moment=run.created_at),
            matrix=_matrix(result),
            transitions=result["transitions"][:12],
            fit_histogram=_histogram(result, "fit", "Fit: contacts per 5 points"),
            interest_histogram=_histogram(result, "interest", "Interest: contacts per 5 points"),
            bt=_backtest_context(run, _split_date(request.GET.get("split"))),
        )
    return render(request, "scoring/whatif.html", context)


@permission_required("scoring.view_whatifrun", raise_exception=True)
def whatif_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the run is over, the whole page reloads."""
    run = get_object_or_404(WhatIfRun, pk=pk)
    if not request.htmx:
        return redirect("scoring:whatif", run.draft_id)
    response = render(request, "scoring/whatif.html#whatif-progress", {"run": run})
    if not run.is_running:
        response["HX-Refresh"] = "true"
    return response


@permission_required("scoring.change_scoringrule", raise_exception=True)
@require_POST
def rule_apply_suggestion(request: HttpRequest, pk: int, rule_pk: int) -> HttpResponse:
    """A person applies a backtest suggestion: the draft's rule gets the suggested points."""
    rule = get_object_or_404(ScoringRule, pk=rule_pk, scoring_model_id=pk)
    try:
        points = float(request.POST["points"])
    except (KeyError, ValueError):
        messages.error(request, "No points were given.")
        return redirect("scoring:whatif", pk)
    try:
        services.scoring_rule_set_points(
            rule=rule, points=points, by=request.user, note="Backtest suggestion applied"
        )
    except services.VersionError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"'{rule.name}' now gives {points:g} points in draft v{rule.scoring_model.version}. "
            "Run the what-if again to see the effect.",
        )
    return redirect(reverse("scoring:whatif", args=[pk]) + "#backtest")
