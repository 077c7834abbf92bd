from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from contacts.models import ActivityKind
from scoring import engine, selectors, services, tasks
from scoring.models import (
    ContactScore,
    FitAttribute,
    Qualification,
    QualificationStatus,
    RescoreRun,
    RuleCondition,
    ScoreChange,
    ScoringModel,
    ScoringRule,
)


def rule_in_words(rule: ScoringRule) -> str:
    return engine.describe_rule(
        selectors.rule_spec(rule),
        attribute_label=FitAttribute(rule.attribute).label if rule.attribute else "",
        kind_label=ActivityKind(rule.activity_kind).label if rule.activity_kind else "",
    )


def progress_bar(run: RescoreRun | None) -> str:
    if run is None:
        return "No rescore yet."
    return format_html(
        '<progress max="100" value="{}" style="width:12em"></progress> {}% · {} · '
        "{} of {} contacts, {} changed, {} newly qualified{}",
        run.percent,
        run.percent,
        run.get_status_display(),
        run.done,
        run.total,
        run.changed,
        run.newly_qualified,
        f" · {run.error}" if run.error else "",
    )


class RuleConditionInline(admin.TabularInline):
    model = RuleCondition
    extra = 0
    fields = ["property", "operator", "value", "min_value", "max_value"]


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "dimension",
        "points",
        "is_active",
        "is_hand_raise",
        "in_words",
        "warnings",
    ]
    list_editable = ["points", "is_active"]
    list_filter = ["scoring_model", "dimension", "is_active", "is_hand_raise"]
    search_fields = ["name", "description"]
    ordering = ["scoring_model", "dimension", "position", "id"]
    inlines = [RuleConditionInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "scoring_model",
                    "name",
                    "description",
                    "dimension",
                    "points",
                    "is_active",
                    "is_hand_raise",
                    "position",
                ]
            },
        ),
        (
            "Fit: test an attribute of the contact or company",
            {
                "fields": [
                    "attribute",
                    "property_name",
                    "operator",
                    "value",
                    "min_value",
                    "max_value",
                ]
            },
        ),
        (
            "Interest: count activities (add property conditions below)",
            {
                "fields": [
                    "activity_kind",
                    "custom_kind",
                    "max_occurrences",
                    "max_points",
                    "window_days",
                ]
            },
        ),
    ]

    @admin.display(description="Tests")
    def in_words(self, rule: ScoringRule) -> str:
        return rule_in_words(rule)

    @admin.display(description="Warnings")
    def warnings(self, rule: ScoringRule) -> str:
        found = selectors.rule_warnings(rule)
        return format_html_join("", '<div style="color:#b45309">⚠ {}</div>', ((w,) for w in found))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Conditions are saved by now, so the advice sees the whole rule.
        for warning in selectors.rule_warnings(form.instance):
            messages.warning(request, f"{form.instance.name}: {warning}")


class RuleInline(admin.TabularInline):
    model = ScoringRule
    extra = 0
    fields = ["name", "dimension", "points", "is_active", "is_hand_raise", "in_words"]
    readonly_fields = ["in_words"]
    show_change_link = True

    @admin.display(description="Tests")
    def in_words(self, rule: ScoringRule) -> str:
        return rule_in_words(rule) if rule.pk else ""


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    list_display = ["name", "is_live", "mql_mode", "decay_half_life_days", "latest_rescore"]
    readonly_fields = ["latest_rescore", "advice", "pending_releases"]
    inlines = [RuleInline]
    fieldsets = [
        (None, {"fields": ["name", "is_live", "latest_rescore", "pending_releases", "advice"]}),
        (
            "Interest decay and caps",
            {"fields": ["decay_half_life_days", "fit_cap", "interest_cap"]},
        ),
        (
            "MQL rule",
            {
                "fields": [
                    "mql_mode",
                    "mql_fit_threshold",
                    "mql_interest_threshold",
                    "mql_combined_threshold",
                    "auto_release_after_rescore",
                ]
            },
        ),
        (
            "Grades (fit) and bands (interest)",
            {
                "fields": [
                    "grade_a_min",
                    "grade_b_min",
                    "grade_c_min",
                    "band_hot_min",
                    "band_warm_min",
                ]
            },
        ),
        ("Domains", {"fields": ["competitor_domains", "extra_free_mail_domains"]}),
    ]
    change_form_template = "admin/scoring/scoringmodel/change_form.html"

    @admin.display(description="Latest rescore")
    def latest_rescore(self, model: ScoringModel) -> str:
        return progress_bar(selectors.latest_rescore_run(model=model)) if model.pk else ""

    @admin.display(description="Advice")
    def advice(self, model: ScoringModel) -> str:
        if not model.pk:
            return ""
        found = selectors.model_warnings(model)
        if not found:
            return "No warnings."
        return format_html_join(
            "",
            '<div style="color:#b45309">⚠ <b>{}</b>: {}</div>',
            ((rule.name, warning) for rule, warning in found),
        )

    @admin.display(description="Waiting for release")
    def pending_releases(self, model: ScoringModel) -> str:
        count = selectors.qualifications_pending_release().filter(scoring_model=model).count()
        url = reverse("admin:scoring_qualification_changelist") + "?status__exact=pending"
        return format_html('<a href="{}">{} lead(s) to release to routing</a>', url, count)

    def get_urls(self):
        return [
            path(
                "<int:pk>/rescore/",
                self.admin_site.admin_view(self.rescore_view),
                name="scoring_scoringmodel_rescore",
            ),
            *super().get_urls(),
        ]

    def rescore_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        model = get_object_or_404(ScoringModel, pk=pk)
        if request.method == "POST" and self.has_change_permission(request, model):
            run = services.rescore_run_create(
                model=model, reason="Requested in the admin", requested_by=request.user
            )
            tasks.execute_rescore_run.delay(run.pk)
            messages.info(request, "Rescore of all contacts started; progress shows below.")
        return HttpResponseRedirect(reverse("admin:scoring_scoringmodel_change", args=[pk]))


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = [
        "contact",
        "status",
        "qualified_at",
        "reason",
        "fit",
        "interest",
        "released_at",
        "fell_below_at",
        "closed_at",
    ]
    list_filter = ["status", "hand_raise", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["contact__email", "contact__last_name"]
    list_select_related = ["contact"]
    raw_id_fields = ["contact"]
    readonly_fields = ["released_by"]
    actions = ["release"]

    @admin.action(description="Release selected leads to routing", permissions=["change"])
    def release(self, request: HttpRequest, queryset) -> None:
        released = 0
        for qualification in queryset.filter(status=QualificationStatus.PENDING_RELEASE):
            services.qualification_release(qualification=qualification, released_by=request.user)
            released += 1
        messages.success(request, f"Released {released} lead(s) to routing.")


@admin.register(RescoreRun)
class RescoreRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "scoring_model", "reason", "progress", "requested_by"]
    list_filter = ["status", "scoring_model"]
    readonly_fields = [f.name for f in RescoreRun._meta.fields] + ["progress"]

    @admin.display(description="Progress")
    def progress(self, run: RescoreRun) -> str:
        return progress_bar(run)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ContactScore)
class ContactScoreAdmin(admin.ModelAdmin):
    list_display = ["contact", "fit", "interest", "grade", "band", "meets_threshold", "scored_at"]
    list_filter = ["grade", "band", "meets_threshold"]
    search_fields = ["contact__email"]
    list_select_related = ["contact"]
    readonly_fields = [f.name for f in ContactScore._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ScoreChange)
class ScoreChangeAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "contact", "reason", "cell_before", "cell_after", "detail"]
    list_filter = ["reason"]
    search_fields = ["contact__email"]
    list_select_related = ["contact"]
    readonly_fields = [f.name for f in ScoreChange._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
