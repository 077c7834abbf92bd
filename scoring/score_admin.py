"""
Admin for contact scores (read-only), their timeline and qualified leads, with the action that
releases pending leads to routing. Account scores are in scoring/account_admin.py.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest

from scoring import services
from scoring.models import ContactScore, Qualification, QualificationStatus, ScoreChange


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = [
        "contact",
        "line",
        "status",
        "qualified_at",
        "reason",
        "fit",
        "interest",
        "released_at",
        "fell_below_at",
        "closed_at",
    ]
    list_filter = ["line", "status", "hand_raise", ("closed_at", admin.EmptyFieldListFilter)]
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


@admin.register(ContactScore)
class ContactScoreAdmin(admin.ModelAdmin):
    list_display = [
        "contact",
        "line",
        "fit",
        "interest",
        "grade",
        "band",
        "meets_threshold",
        "scored_at",
    ]
    list_filter = ["line", "grade", "band", "meets_threshold"]
    search_fields = ["contact__email"]
    list_select_related = ["contact", "line"]
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
