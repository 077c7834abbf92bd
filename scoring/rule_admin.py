"""
Admin for scoring rules and their property conditions. A rule of a live or retired version is
read-only; only a draft's rules are added, edited and deleted, and every write is audited.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from scoring import selectors, services
from scoring.admin_shared import audit_formset, is_frozen, status_badge
from scoring.models import AuditAction, Dimension, RuleCondition, ScoringModel, ScoringRule


class RuleConditionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self._should_delete_form(form)
        ]
        # The engine reads conditions on interest rules only: on a fit rule they would
        # silently test nothing.
        if kept and self.instance.dimension != Dimension.INTEREST:
            raise ValidationError(
                "Conditions test the activities an interest rule counts; a fit rule has none. "
                "Delete the conditions or make the rule an interest rule."
            )


class RuleConditionInline(admin.TabularInline):
    model = RuleCondition
    formset = RuleConditionFormSet
    extra = 0
    fields = ["property", "operator", "value", "min_value", "max_value"]

    def _rule_frozen(self, obj: ScoringRule | None) -> bool:
        return obj is not None and obj.pk is not None and is_frozen(obj.scoring_model)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return not self._rule_frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return not self._rule_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return not self._rule_frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(ScoringRule)
class ScoringRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "version",
        "dimension",
        "points",
        "is_active",
        "is_hand_raise",
        "in_words",
        "warnings",
    ]
    list_editable = ["points", "is_active"]
    list_select_related = ["scoring_model"]
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
            "Fit: test an attribute of the contact or company (account fit: of the company)",
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
        return selectors.rule_words(rule)

    @admin.display(description="Version", ordering="scoring_model__version")
    def version(self, rule: ScoringRule) -> str:
        model = rule.scoring_model
        return format_html("v{} {}", model.version, status_badge(model))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scoring_model":
            # New and moved rules go into drafts only: the live version is never edited.
            kwargs["queryset"] = ScoringModel.objects.filter(
                is_live=False, published_at__isnull=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and is_frozen(obj.scoring_model):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and is_frozen(obj.scoring_model):
            return False
        return super().has_delete_permission(request, obj)

    def get_changelist_formset(self, request: HttpRequest, **kwargs):
        formset_class = super().get_changelist_formset(request, **kwargs)

        class FrozenRulesFormSet(formset_class):
            """Rows of live and retired versions show their values but cannot change."""

            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                if form.instance.pk and is_frozen(form.instance.scoring_model):
                    for field in form.fields.values():
                        field.disabled = True
                return form

        return FrozenRulesFormSet

    def save_model(self, request: HttpRequest, obj: ScoringRule, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.audit_form_changes(user=request.user, obj=obj, form=form, created=not change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        audit_formset(request, formset)

    def delete_model(self, request: HttpRequest, obj: ScoringRule) -> None:
        with transaction.atomic():
            services.audit_record(user=request.user, action=AuditAction.DELETED, obj=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        frozen = queryset.exclude(scoring_model__is_live=False, scoring_model__published_at=None)
        if frozen.exists():
            messages.warning(
                request,
                f"{frozen.count()} rule(s) of live or retired versions were kept: "
                "only a draft's rules can be deleted.",
            )
        with transaction.atomic():
            rules = list(
                queryset.filter(scoring_model__is_live=False, scoring_model__published_at=None)
            )
            for rule in rules:
                services.audit_record(user=request.user, action=AuditAction.DELETED, obj=rule)
            ScoringRule.objects.filter(pk__in=[r.pk for r in rules]).delete()

    @admin.display(description="Warnings")
    def warnings(self, rule: ScoringRule) -> str:
        found = selectors.rule_warnings(rule)
        return format_html_join("", '<div style="color:#b45309">⚠ {}</div>', ((w,) for w in found))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Conditions are saved by now, so the advice sees the whole rule.
        for warning in selectors.rule_warnings(form.instance):
            messages.warning(request, f"{form.instance.name}: {warning}")
