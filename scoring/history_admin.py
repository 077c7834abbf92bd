"""
Admin for what was done with the versions, all read-only: the audit trail of edits, the what-if
runs and the rescore runs.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from scoring.admin_shared import progress_bar
from scoring.models import AuditEntry, RescoreRun, WhatIfRun


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Who changed which version, rule or condition, when, from what to what. Read-only."""

    list_display = [
        "at",
        "user",
        "version",
        "action",
        "object_type",
        "object_repr",
        "field",
        "old_value",
        "new_value",
        "note",
    ]
    list_filter = ["action", "object_type", "scoring_model", "user", "at"]
    search_fields = ["object_repr", "field", "old_value", "new_value", "note"]
    list_select_related = ["user"]
    date_hierarchy = "at"

    @admin.display(description="Version", ordering="model_version")
    def version(self, entry: AuditEntry) -> str:
        return f"v{entry.model_version}" if entry.model_version else "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WhatIfRun)
class WhatIfRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "draft", "baseline", "status", "done", "total", "requested_by"]
    list_filter = ["status"]
    fields = [
        "draft",
        "baseline",
        "status",
        "outcome_level",
        "as_of",
        "requested_by",
        "total",
        "done",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


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
