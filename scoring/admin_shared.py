"""
What the scoring admins share: the rescore progress bar, a version's status badge, which
versions are read-only, and the audit of an inline formset's saves.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.html import format_html

from scoring import services
from scoring.models import AuditAction, RescoreRun, ScoringModel


def progress_bar(run: RescoreRun | None) -> str:
    if run is None:
        return "No rescore yet."
    return format_html(
        '<progress max="100" value="{}" style="width:12em"></progress> {}% · {} · '
        "{} of {} contacts, {} changed, {} newly qualified, {} untouched by the change{}",
        run.percent,
        run.percent,
        run.get_status_display(),
        run.done,
        run.total,
        run.changed,
        run.newly_qualified,
        run.untouched,
        f" · {run.error}" if run.error else "",
    )


def is_frozen(model: ScoringModel | None) -> bool:
    """Live and retired versions are read-only; only drafts are edited."""
    return model is not None and model.pk is not None and not model.is_draft


def status_badge(model: ScoringModel) -> str:
    colours = {"live": "#067647", "draft": "#4f46e5", "retired": "#6b7585"}
    return format_html(
        '<span style="display:inline-block;padding:1px 8px;border-radius:999px;color:#fff;'
        'background:{};font-size:11px;font-weight:600">{}</span>',
        colours[model.status],
        model.get_status_display(),
    )


def audit_formset(request: HttpRequest, formset) -> None:
    """Audit what an inline formset created, changed and deleted (after it was saved)."""
    for obj in formset.deleted_objects:
        services.audit_record(user=request.user, action=AuditAction.DELETED, obj=obj)
    for form in formset.forms:
        if form in getattr(formset, "deleted_forms", []) or not form.has_changed():
            continue
        if form.instance.pk is None:
            continue
        created = form.instance in formset.new_objects
        services.audit_form_changes(
            user=request.user, obj=form.instance, form=form, created=created
        )
