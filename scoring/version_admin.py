"""
Admin for the versions of the scoring model (with their rules inline), the buttons that rescore,
copy, publish and roll back a version, and the scoring lines the versions belong to.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from scoring import selectors, services
from scoring.admin_shared import audit_formset, is_frozen, progress_bar, status_badge
from scoring.models import AuditAction, ScoringLine, ScoringModel, ScoringRule


class RuleInline(admin.TabularInline):
    model = ScoringRule
    extra = 0
    fields = ["name", "dimension", "points", "is_active", "is_hand_raise", "in_words"]
    readonly_fields = ["in_words"]
    show_change_link = True

    @admin.display(description="Tests")
    def in_words(self, rule: ScoringRule) -> str:
        return selectors.rule_words(rule) if rule.pk else ""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return not is_frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return not is_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return not is_frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    """
    Versions of the scoring model. Drafts are edited here; live and retired versions are
    read-only, with buttons to copy one into a new draft, publish a draft (after a
    confirmation page) and roll back to a retired version.
    """

    list_display = [
        "version_label",
        "name",
        "line",
        "status",
        "published_at",
        "published_by",
        "based_on_label",
        "latest_rescore",
    ]
    list_display_links = ["version_label", "name"]
    list_select_related = ["published_by", "based_on", "line"]
    list_filter = ["line"]
    readonly_fields = [
        "version_facts",
        "is_live",
        "latest_rescore",
        "advice",
        "pending_releases",
        "recent_changes",
    ]
    inlines = [RuleInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "version_facts",
                    "latest_rescore",
                    "pending_releases",
                    "advice",
                    "recent_changes",
                ]
            },
        ),
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
        (
            "Account scores and the MQA rule",
            {
                "description": "Account fit comes from the 'Account fit' rules (the company's "
                "fields); engagement from its contacts' interest, each contact's share capped, "
                "plus points per distinct seniority engaged in the window. Grades and bands use "
                "the cut-offs above.",
                "fields": [
                    "account_contact_cap",
                    "account_role_points",
                    "account_window_days",
                    "account_engagement_cap",
                    "mqa_fit_threshold",
                    "mqa_engagement_threshold",
                    "mqa_min_people",
                ],
            },
        ),
    ]
    change_form_template = "admin/scoring/scoringmodel/change_form.html"

    @admin.display(description="Version", ordering="version")
    def version_label(self, model: ScoringModel) -> str:
        return f"v{model.version}"

    @admin.display(description="Status")
    def status(self, model: ScoringModel) -> str:
        return status_badge(model)

    @admin.display(description="Copied from", ordering="based_on__version")
    def based_on_label(self, model: ScoringModel) -> str:
        return f"v{model.based_on.version}" if model.based_on else "-"

    @admin.display(description="Version")
    def version_facts(self, model: ScoringModel) -> str:
        if not model.pk:
            return "A new draft: it scores nobody until it is published."
        parts = [format_html("v{} {}", model.version, status_badge(model))]
        if model.based_on:
            parts.append(format_html("copied from v{}", model.based_on.version))
        if model.published_at:
            who = model.published_by.get_username() if model.published_by else "someone"
            parts.append(
                format_html("published {} by {}", f"{model.published_at:%Y-%m-%d %H:%M}", who)
            )
        if model.retired_at:
            parts.append(format_html("retired {}", f"{model.retired_at:%Y-%m-%d %H:%M}"))
        if model.is_draft:
            parts.append("a draft scores nobody until it is published")
        return format_html_join(" · ", "{}", ((p,) for p in parts))

    @admin.display(description="Latest rescore")
    def latest_rescore(self, model: ScoringModel) -> str:
        return progress_bar(selectors.latest_rescore_run(model=model)) if model.pk else ""

    @admin.display(description="Advice")
    def advice(self, model: ScoringModel) -> str:
        if not model.pk:
            return ""
        found = selectors.model_warnings(model)
        thresholds = selectors.threshold_warnings(model)
        if not found and not thresholds:
            return "No warnings."
        return format_html_join(
            "", '<div style="color:#b45309">⚠ <b>MQL rule</b>: {}</div>', ((w,) for w in thresholds)
        ) + format_html_join(
            "",
            '<div style="color:#b45309">⚠ <b>{}</b>: {}</div>',
            ((rule.name, warning) for rule, warning in found),
        )

    @admin.display(description="Waiting for release")
    def pending_releases(self, model: ScoringModel) -> str:
        count = selectors.qualifications_pending_release().filter(scoring_model=model).count()
        url = reverse("admin:scoring_qualification_changelist") + "?status__exact=pending"
        return format_html('<a href="{}">{} lead(s) to release to routing</a>', url, count)

    @admin.display(description="Changes")
    def recent_changes(self, model: ScoringModel) -> str:
        if not model.pk:
            return ""
        entries = list(selectors.audit_trail(model=model)[:10])
        url = (
            reverse("admin:scoring_auditentry_changelist") + f"?scoring_model__id__exact={model.pk}"
        )
        if not entries:
            return format_html('No changes recorded. <a href="{}">Audit trail</a>', url)
        rows = format_html_join(
            "",
            "<div>{} · {} · {}</div>",
            (
                (f"{e.at:%Y-%m-%d %H:%M}", e.user.get_username() if e.user else "system", e.summary)
                for e in entries
            ),
        )
        return format_html('{}<a href="{}">Whole audit trail of this version</a>', rows, url)

    # Read-only versions ------------------------------------------------------------------

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_frozen(obj):
            return False  # scores and history point at live and retired versions
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("based_on", "published_by")

    # Audited writes ----------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: ScoringModel, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.audit_form_changes(user=request.user, obj=obj, form=form, created=not change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        audit_formset(request, formset)

    def delete_model(self, request: HttpRequest, obj: ScoringModel) -> None:
        with transaction.atomic():
            services.audit_record(user=request.user, action=AuditAction.DELETED, obj=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        drafts = list(queryset.filter(is_live=False, published_at__isnull=True))
        kept = queryset.count() - len(drafts)
        if kept:
            messages.warning(
                request, f"{kept} live or retired version(s) were kept: only drafts are deleted."
            )
        with transaction.atomic():
            for draft in drafts:
                services.audit_record(user=request.user, action=AuditAction.DELETED, obj=draft)
            ScoringModel.objects.filter(pk__in=[d.pk for d in drafts]).delete()

    # Buttons: rescore, draft, publish, roll back -----------------------------------------

    def get_urls(self):
        def view(name: str, function):
            return path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(function),
                name=f"scoring_scoringmodel_{name}",
            )

        return [
            view("rescore", self.rescore_view),
            view("draft", self.draft_view),
            view("publish", self.publish_view),
            view("rollback", self.rollback_view),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        model = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_publish": request.user.has_perm("scoring.publish_scoringmodel"),
            "can_draft": request.user.has_perm("scoring.add_scoringmodel"),
            "version": model,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def rescore_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        model = get_object_or_404(ScoringModel, pk=pk)
        if request.method == "POST" and request.user.has_perm("scoring.change_scoringmodel"):
            if not model.is_live:
                messages.error(request, "Only the live version scores contacts.")
            else:
                # A full rebuild of every rule state from the history; it starts on commit.
                services.scoring_model_changed(
                    model_id=model.pk,
                    reason="Requested in the admin",
                    requested_by=request.user,
                    refold_all=True,
                )
                messages.info(request, "Rescore of all contacts started; progress shows below.")
        return HttpResponseRedirect(reverse("admin:scoring_scoringmodel_change", args=[pk]))

    def draft_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        source = get_object_or_404(ScoringModel, pk=pk)
        if not request.user.has_perm("scoring.add_scoringmodel"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:scoring_scoringmodel_change", args=[pk]))
        draft = services.scoring_model_draft_create(source=source, created_by=request.user)
        messages.success(
            request,
            f"Draft v{draft.version} created from v{source.version}. Edit it, try it with the "
            "what-if, then publish it.",
        )
        return HttpResponseRedirect(reverse("admin:scoring_scoringmodel_change", args=[draft.pk]))

    def _confirm(
        self, request: HttpRequest, model: ScoringModel, *, title: str, template: str, **context
    ) -> TemplateResponse:
        live = selectors.live_model(line=model.line_id)
        return TemplateResponse(
            request,
            f"admin/scoring/scoringmodel/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "version": model,
                "live": live,
                "diff": selectors.version_diff(live, model) if live else None,
                "warnings": selectors.model_warnings(model),
                "threshold_warnings": selectors.threshold_warnings(model),
                **context,
            },
        )

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        draft = get_object_or_404(ScoringModel, pk=pk)
        if not request.user.has_perm("scoring.publish_scoringmodel"):
            raise PermissionDenied
        if not draft.is_draft:
            messages.error(request, f"v{draft.version} is not a draft.")
            return HttpResponseRedirect(reverse("admin:scoring_scoringmodel_change", args=[pk]))
        if request.method == "POST":
            services.scoring_model_publish(draft=draft, published_by=request.user)
            messages.success(
                request,
                f"v{draft.version} is live. Every contact is being rescored under it; leads "
                "that newly qualify wait for release unless the version releases them.",
            )
            return HttpResponseRedirect(reverse("scoring:version", args=[draft.pk]))
        return self._confirm(
            request,
            draft,
            title=f"Publish v{draft.version}?",
            template="publish_confirm.html",
            whatif=selectors.latest_whatif_run(draft=draft),
        )

    def rollback_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = get_object_or_404(ScoringModel, pk=pk)
        if not request.user.has_perm("scoring.publish_scoringmodel"):
            raise PermissionDenied
        if target.is_draft or target.is_live:
            messages.error(request, "Only a retired version can be rolled back to.")
            return HttpResponseRedirect(reverse("admin:scoring_scoringmodel_change", args=[pk]))
        if request.method == "POST":
            published = services.scoring_model_rollback(to=target, by=request.user)
            messages.success(
                request,
                f"Rolled back: v{published.version}, a copy of v{target.version}, is live and "
                "every contact is being rescored under it.",
            )
            return HttpResponseRedirect(reverse("scoring:version", args=[published.pk]))
        return self._confirm(
            request,
            target,
            title=f"Roll back to v{target.version}?",
            template="rollback_confirm.html",
        )


@admin.register(ScoringLine)
class ScoringLineAdmin(admin.ModelAdmin):
    """
    The live scoring models side by side (product lines, regions). A new one starts from a
    copy of a version (Scoring model > New scoring model); here it is renamed.
    """

    list_display = ["name", "description", "is_default", "created_at"]
    readonly_fields = ["is_default", "created_at"]
    fields = ["name", "description", "is_default", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # scoring:line_create makes the line and its first draft together

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # its versions, scores and qualifications would go with it
