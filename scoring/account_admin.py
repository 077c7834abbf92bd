"""Admin for account scores (read-only), their timeline and marketing-qualified accounts."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest

from scoring.models import (
    AccountQualification,
    AccountScore,
    AccountScoreChange,
    QualificationStatus,
)
from scoring.services.accounts import account_qualification_release


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AccountScore)
class AccountScoreAdmin(_ReadOnly):
    list_display = [
        "company",
        "grade",
        "band",
        "fit",
        "engagement",
        "people_engaged",
        "meets_threshold",
        "explanation",
        "scored_at",
    ]
    list_filter = ["grade", "band", "meets_threshold"]
    search_fields = ["company__name", "company__domain"]
    list_select_related = ["company"]


@admin.register(AccountScoreChange)
class AccountScoreChangeAdmin(_ReadOnly):
    list_display = ["occurred_at", "company", "reason", "cell_before", "cell_after", "detail"]
    list_filter = ["reason"]
    search_fields = ["company__name"]
    list_select_related = ["company"]


@admin.register(AccountQualification)
class AccountQualificationAdmin(admin.ModelAdmin):
    list_display = [
        "company",
        "status",
        "qualified_at",
        "fit",
        "engagement",
        "people_engaged",
        "released_at",
        "fell_below_at",
        "closed_at",
    ]
    list_filter = ["status", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["company__name", "company__domain"]
    list_select_related = ["company"]
    readonly_fields = [
        f.name for f in AccountQualification._meta.fields if f.name != "closed_reason"
    ]
    actions = ["release"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Release selected accounts to routing", permissions=["change"])
    def release(self, request: HttpRequest, queryset) -> None:
        released = 0
        for pk in queryset.filter(status=QualificationStatus.PENDING_RELEASE).values_list(
            "pk", flat=True
        ):
            account_qualification_release(qualification_id=pk)
            released += 1
        messages.success(request, f"Released {released} account(s) to routing.")
