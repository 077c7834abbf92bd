from __future__ import annotations

from functools import wraps
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from contacts import selectors
from contacts.imports import (
    COMPANY_TARGETS,
    CONTACT_TARGETS,
    CsvFileError,
    CsvFormat,
    csv_rows,
    import_job_create,
    import_job_set_mapping,
    import_job_start,
)
from contacts.merging import contact_duplicates
from contacts.models import Contact, ImportJob, ImportKind
from leadscore.roles import Role, user_has_role


@permission_required("contacts.view_contact", raise_exception=True)
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_visible_or_404(
        request.user, pk, Contact.objects.select_related("company__account_owner")
    )
    timeline = selectors.contact_timeline(contact=contact)[:200]
    context = {
        "contact": contact,
        "timeline": timeline,
        "activity_count": contact.activities.count(),
        "outcome": selectors.contact_latest_outcome(contact=contact),
        "identities": contact.identities.all(),
        "duplicates": contact_duplicates(contact=contact)[:10],
    }
    return render(request, "contacts/contact_detail.html", context)


# ---- CSV import (Marketing ops) ----------------------------------------------------------


def _may_import(user) -> bool:
    return user.is_superuser or any(
        user_has_role(user, role) for role in (Role.MARKETING_OPS, Role.ADMIN)
    )


def _import_role_required(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _may_import(request.user):
            raise PermissionDenied("Only Marketing ops import CSV files.")
        return view(request, *args, **kwargs)

    return wrapped


@_import_role_required
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload a CSV (contacts or companies); recent imports below."""
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", ImportKind.CONTACTS)
        if upload is None:
            error = "Choose a CSV file to upload."
        elif kind not in ImportKind.values:
            error = "Choose what the file holds: contacts or companies."
        else:
            job = import_job_create(
                upload=upload, file_name=upload.name, kind=kind, created_by=request.user
            )
            return redirect("contacts:import_detail", pk=job.pk)
    context = {
        "jobs": ImportJob.objects.select_related("created_by")[:20],
        "kinds": ImportKind.choices,
        "error": error,
    }
    return render(request, "contacts/import.html", context, status=400 if error else 200)


def _import_context(job) -> dict:

    targets = COMPANY_TARGETS if job.kind == "companies" else CONTACT_TARGETS
    samples: list[list[str]] = [[] for _ in job.columns]
    if job.status != "failed" and job.stored_path and Path(job.stored_path).exists():
        fmt = CsvFormat(job.encoding, job.delimiter, job.columns)
        try:
            for count, (_, values) in enumerate(csv_rows(Path(job.stored_path), fmt)):
                if count >= 3:
                    break
                for i, value in enumerate(values[: len(job.columns)]):
                    if value.strip():
                        samples[i].append(value.strip()[:60])
        except CsvFileError:
            pass  # the job's error says what is wrong; the page still shows the mapping
    rows = [
        (str(i), column, samples[i], job.mapping.get(str(i), "ignore"))
        for i, column in enumerate(job.columns)
    ]
    mapped = sum(1 for _, _, _, t in rows if t not in ("property", "ignore"))
    return {
        "job": job,
        "targets": targets.items(),
        "rows": rows,
        "mapped_count": mapped,
        "property_count": sum(1 for _, _, _, t in rows if t == "property"),
        "editable": not job.is_running and job.status not in ("done", "failed"),
    }


@_import_role_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The mapping (changeable), the dry run's forecast, the real run's progress and result."""
    job = get_object_or_404(ImportJob, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if job.is_running or job.status in ("done", "failed"):
            messages.warning(request, "This import is already running, done or failed.")
            return redirect("contacts:import_detail", pk=job.pk)
        if action in ("dry_run", "save"):
            mapping = {
                str(i): request.POST.get(f"map-{i}", "ignore") for i in range(len(job.columns))
            }
            try:
                job = import_job_set_mapping(
                    job=job, mapping=mapping, id_source=request.POST.get("id_source")
                )
            except ValueError as exc:
                messages.error(request, str(exc))
                return redirect("contacts:import_detail", pk=job.pk)
        if action == "dry_run":
            import_job_start(job=job, dry_run=True)
        elif action == "run":
            if job.status != "checked":
                messages.error(request, "Run the dry run first, then import.")
            else:
                import_job_start(job=job, dry_run=False)
        return redirect("contacts:import_detail", pk=job.pk)
    return render(request, "contacts/import_detail.html", _import_context(job))


@_import_role_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once finished, the page reloads to show the result."""
    job = get_object_or_404(ImportJob, pk=pk)
    if not request.htmx:
        return redirect("contacts:import_detail", pk=pk)
    response = render(request, "contacts/import_detail.html#progress", {"job": job})
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@_import_role_required
def import_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows as they were in the file, with an `error` column."""
    job = get_object_or_404(ImportJob, pk=pk)
    dry = request.GET.get("dry") == "1"
    path = job.dry_run.get("rejected_path") if dry else job.rejected_path
    if not path or not Path(path).exists():
        raise Http404("No rejected rows.")
    name = f"{Path(job.file_name).stem}-{'dry-run-' if dry else ''}rejected.csv"
    return FileResponse(
        Path(path).open("rb"), as_attachment=True, filename=name, content_type="text/csv"
    )
