from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from routing import services
from routing.audit import routing_audit_form_changes, routing_audit_record
from routing.models import (
    Assignment,
    DeliveryStatus,
    RepProfile,
    RoutingAuditAction,
    RoutingAuditEntry,
    RoutingDecision,
    RoutingRule,
    SlackMessage,
    Team,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from scoring.models import ScoringLine


class AuditedAdmin(admin.ModelAdmin):
    """
    Every add, change (including the changelist's list_editable) and delete of this model is
    written to the routing audit trail, in the same transaction as the change.
    """

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            routing_audit_form_changes(user=request.user, obj=obj, form=form, created=not change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            for obj in formset.deleted_objects:
                routing_audit_record(user=request.user, action=RoutingAuditAction.DELETED, obj=obj)
            for inline_form in formset.forms:
                obj = inline_form.instance
                if obj.pk is None or inline_form in getattr(formset, "deleted_forms", []):
                    continue
                if inline_form.has_changed():
                    routing_audit_form_changes(
                        user=request.user,
                        obj=obj,
                        form=inline_form,
                        created=obj in formset.new_objects,
                    )

    def delete_model(self, request: HttpRequest, obj) -> None:
        with transaction.atomic():
            routing_audit_record(user=request.user, action=RoutingAuditAction.DELETED, obj=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            for obj in queryset:
                routing_audit_record(user=request.user, action=RoutingAuditAction.DELETED, obj=obj)
            super().delete_queryset(request, queryset)


class RepProfileInline(admin.TabularInline):
    model = RepProfile
    fields = ["user", "is_active", "out_of_office_until", "capacity", "weight", "countries"]
    autocomplete_fields = ["user"]
    extra = 0
    # The default 10-row, 40-column textarea made each rep a tall row and the team page wider
    # than a 1440 px screen; the countries are a short comma-separated list.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 30})},
    }


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = [
        "name",
        "manager",
        "escalate_after_reroutes",
        "reject_cool_off_days",
        "sla_clock",
        "time_zone",
        "rep_count",
    ]
    search_fields = ["name"]
    autocomplete_fields = ["manager"]
    inlines = [RepProfileInline]

    @admin.display(description="reps")
    def rep_count(self, team: Team) -> int:
        return team.reps.count()


@admin.register(RepProfile)
class RepProfileAdmin(AuditedAdmin):
    list_display = [
        "__str__",
        "team",
        "is_active",
        "out_of_office_until",
        "capacity",
        "weight",
        "territory",
        "last_assigned_at",
    ]
    list_editable = ["is_active", "out_of_office_until", "capacity", "weight"]
    list_filter = ["team", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["user", "team", "is_active", "out_of_office_until", "time_zone"]}),
        ("Notifications", {"fields": ["notify_by_email", "slack_webhook_url"]}),
        ("Load", {"fields": ["capacity", "weight"]}),
        (
            "Territory",
            {
                "fields": ["countries", "regions", "industries", "segments"],
                "description": "Leads outside a rep's territory are not routed to them by "
                "round robin or least loaded. Empty parts cover everything.",
            },
        ),
    ]

    @admin.display(description="territory")
    def territory(self, profile: RepProfile) -> str:
        parts = [profile.countries, profile.regions, profile.industries, profile.segments]
        return " · ".join(p for p in parts if p) or "Anywhere"


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_select_related = ["team", "scoring_line"]
    list_display = [
        "name",
        "position",
        "is_active",
        "is_fallback",
        "conditions",
        "team",
        "strategy",
        "account_match",
        "sla_minutes",
        "hand_raise_sla_minutes",
    ]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "is_fallback", "strategy", "team"]
    search_fields = ["name"]
    autocomplete_fields = ["named_rep"]
    ordering = ["is_fallback", "position", "id"]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active", "is_fallback"]}),
        (
            "Conditions (all must match; empty ones match anything)",
            {
                "fields": [
                    "scoring_line",
                    "countries",
                    "regions",
                    "industries",
                    ("min_employees", "max_employees"),
                    "fit_grades",
                    "lead_sources",
                    ("property_name", "property_values"),
                ]
            },
        ),
        ("Target", {"fields": ["team", "strategy", "named_rep", "account_match"]}),
        ("SLA", {"fields": ["sla_minutes", "hand_raise_sla_minutes"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        # One scoring model (the default install): no model condition to choose.
        if (obj is not None and obj.scoring_line_id) or ScoringLine.objects.count() > 1:
            return self.fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "scoring_line"]})
            for name, opts in self.fieldsets
        ]

    @admin.display(description="conditions")
    def conditions(self, rule: RoutingRule) -> str:
        if rule.is_fallback:
            return "Everything else"
        parts = [f"model {rule.scoring_line}"] if rule.scoring_line_id else []
        for label, value in (
            ("country", rule.countries),
            ("region", rule.regions),
            ("industry", rule.industries),
            ("grade", rule.fit_grades),
            ("source", rule.lead_sources),
        ):
            if value:
                parts.append(f"{label} in {value}")
        if rule.min_employees is not None or rule.max_employees is not None:
            low = f"{rule.min_employees:,}" if rule.min_employees is not None else "0"
            high = f"{rule.max_employees:,}" if rule.max_employees is not None else "∞"
            parts.append(f"{low} to {high} employees")
        if rule.property_name:
            parts.append(f"{rule.property_name} in {rule.property_values}")
        return "; ".join(parts) or "Anything"


class DecisionInline(admin.TabularInline):
    model = RoutingDecision
    fields = ["occurred_at", "kind", "sentence", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-occurred_at", "-id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = [
        "contact",
        "status",
        "rep",
        "team",
        "rule",
        "strategy",
        "hand_raise",
        "assigned_at",
        "sla_due_at",
        "reroute_count",
    ]
    list_filter = ["status", "team", "hand_raise", "strategy"]
    search_fields = ["contact__email", "contact__first_name", "contact__last_name"]
    list_select_related = ["contact", "rep", "team", "rule"]
    readonly_fields = [
        "qualification",
        "contact",
        "status",
        "rep",
        "team",
        "rule",
        "strategy",
        "hand_raise",
        "assigned_at",
        "sla_due_at",
        "reroute_count",
        "escalated_at",
        "accepted_at",
        "closed_at",
        "close_reason",
    ]
    inlines = [DecisionInline]

    def has_add_permission(self, request) -> bool:
        # Leads are routed by the router and moved with the queue's actions, not typed in.
        return False


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "is_active", "secret"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "event_list", "is_active", "deliveries_link"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]

    @admin.display(description="events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)

    @admin.display(description="deliveries")
    def deliveries_link(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:routing_webhookdelivery_changelist")
        url += f"?endpoint__id__exact={endpoint.pk}"
        return format_html('<a href="{}">Delivery log</a>', url)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "endpoint",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "payload",
    ]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Send again", permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]):
        count = 0
        for delivery in queryset.exclude(status=DeliveryStatus.DELIVERED):
            services.webhook_delivery_requeue(delivery=delivery)
            count += 1
        self.message_user(request, f"{count} deliver{'y' if count == 1 else 'ies'} queued.")
        return HttpResponseRedirect(request.get_full_path())


@admin.register(SlackMessage)
class SlackMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "audience",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status"]
    readonly_fields = [
        "url",
        "audience",
        "notification",
        "payload",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RoutingAuditEntry)
class RoutingAuditEntryAdmin(admin.ModelAdmin):
    """The routing audit trail: read-only, for everyone who may see it."""

    list_display = [
        "at",
        "user",
        "object_type",
        "object_repr",
        "action",
        "field",
        "old_value",
        "new_value",
    ]
    list_filter = ["object_type", "action"]
    search_fields = ["object_repr", "field", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
