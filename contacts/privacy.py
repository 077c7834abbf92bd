"""
Personal data of one contact: export all of it as JSON, or forget it everywhere.

contacts cannot import the apps built on it, yet scoring (what-if results) and routing (webhook
payloads, assignments) hold data about a contact too. Each of them registers a handler here in
its AppConfig.ready(): what it exports for a contact and how it erases what would survive the
contact's deletion (data not linked by a foreign key, such as JSON payloads). contact_forget()
calls every handler, scrubs the import files, deletes the contact (cascading to everything
linked to it) and writes a ContactErasure audit line without personal data.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from contacts.models import Contact, ContactErasure, ErasureVia, ImportJob


@dataclass(frozen=True)
class PersonalDataHandler:
    """What one app holds on a contact: export(contact) -> JSON-ready data; erase(contact) ->
    {"what": count} of records removed or redacted (run before the contact is deleted)."""

    name: str
    export: Callable[[Contact], Any] | None = None
    erase: Callable[[Contact], dict[str, int]] | None = None


_HANDLERS: dict[str, PersonalDataHandler] = {}


def personal_data_handler_register(handler: PersonalDataHandler) -> None:
    """Called by each app's AppConfig.ready(); registering again replaces (reloads are safe)."""
    _HANDLERS[handler.name] = handler


def _identifiers(contact: Contact) -> set[str]:
    """Values that identify this person in a CSV cell (compared stripped and lower-cased)."""
    return {value.strip().lower() for value in (contact.email,) if value and value.strip()}


def _import_files(job: ImportJob) -> list[tuple[str, str, str]]:
    """(path, encoding, delimiter) of each file an import job keeps: upload and rejected rows."""
    files = []
    if job.stored_path:
        files.append((job.stored_path, job.encoding or "utf-8-sig", job.delimiter or ","))
    rejected = {job.rejected_path, (job.dry_run or {}).get("rejected_path", "")}
    files += [(path, "utf-8-sig", ",") for path in sorted(p for p in rejected if p)]
    return [f for f in files if Path(f[0]).is_file()]


def _rows_matching(path: str, encoding: str, delimiter: str, ids: set[str]) -> Iterator[list[str]]:
    with open(path, newline="", encoding=encoding, errors="replace") as handle:
        for row in csv.reader(handle, delimiter=delimiter):
            if any(cell.strip().lower() in ids for cell in row):
                yield row


def _scrub_file(path: str, encoding: str, delimiter: str, ids: set[str]) -> int:
    """Rewrite the file without the rows naming this person; the number of rows removed."""
    if not any(True for _ in _rows_matching(path, encoding, delimiter, ids)):
        return 0
    removed = 0
    folder = os.path.dirname(path) or "."
    with (
        open(path, newline="", encoding=encoding, errors="replace") as source,
        tempfile.NamedTemporaryFile(
            "w", newline="", encoding=encoding, dir=folder, delete=False, suffix=".tmp"
        ) as target,
    ):
        writer = csv.writer(target, delimiter=delimiter)
        for row in csv.reader(source, delimiter=delimiter):
            if any(cell.strip().lower() in ids for cell in row):
                removed += 1
                continue
            writer.writerow(row)
    os.replace(target.name, path)
    return removed


def _scrub_imports(contact: Contact) -> dict[str, int]:
    ids = _identifiers(contact)
    if not ids:
        return {}
    rows = samples = 0
    for job in ImportJob.objects.all().iterator():
        for path, encoding, delimiter in _import_files(job):
            rows += _scrub_file(path, encoding, delimiter, ids)
        # The dry run's sample rows show emails on the import page.
        dry_run = job.dry_run or {}
        changed = False
        for status, items in (dry_run.get("samples") or {}).items():
            kept = [s for s in items if str(s.get("email", "")).strip().lower() not in ids]
            kept = [s for s in kept if str(s.get("label", "")).strip().lower() not in ids]
            if len(kept) != len(items):
                samples += len(items) - len(kept)
                dry_run["samples"][status] = kept
                changed = True
        if changed:
            ImportJob.objects.filter(pk=job.pk).update(dry_run=dry_run)
    return {"import file rows": rows, "import sample rows": samples}


def _import_rows(contact: Contact) -> list[dict[str, Any]]:
    ids = _identifiers(contact)
    found = []
    for job in ImportJob.objects.all().iterator():
        for path, encoding, delimiter in _import_files(job):
            kind = "rejected rows" if path != job.stored_path else "uploaded file"
            for row in _rows_matching(path, encoding, delimiter, ids):
                found.append({"import": job.pk, "file": job.file_name, "in": kind, "row": row})
    return found


def _admin_log_erase(contact: Contact) -> dict[str, int]:
    """The admin's history names the object (its str(), the contact's name): drop those lines."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Contact)
    deleted, _ = LogEntry.objects.filter(
        content_type=content_type, object_id=str(contact.pk)
    ).delete()
    return {"admin history lines": deleted}


def _plain(instance) -> dict[str, Any]:
    return {
        name: value
        for name, value in model_to_dict(instance).items()
        if not isinstance(value, list | set)
    } | {"id": instance.pk}


def contact_export(*, contact: Contact) -> dict[str, Any]:
    """Everything held on one person, as JSON-ready data (GET /api/v1/contacts/{id}/export/)."""
    import json

    company = contact.company
    data: dict[str, Any] = {
        "exported_at": timezone.now(),
        "contact": _plain(contact)
        | {"created_at": contact.created_at, "updated_at": contact.updated_at},
        "company": {"id": company.pk, "name": company.name, "domain": company.domain}
        if company
        else None,
        "activities": [
            _plain(a) | {"created_at": a.created_at}
            for a in contact.activities.order_by("occurred_at", "pk")
        ],
        "outcomes": [_plain(o) for o in contact.outcomes.order_by("decided_at", "pk")],
        "assigned_to_user_ids": sorted(contact.holders.values_list("user_id", flat=True)),
        "import_rows": _import_rows(contact),
    }
    for name, handler in sorted(_HANDLERS.items()):
        if handler.export is not None:
            data[name] = handler.export(contact)
    # One pass through the encoder: dates, decimals and UUIDs become JSON strings.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def contact_forget(
    *,
    contact: Contact,
    by: AbstractBaseUser | None,
    via: ErasureVia,
    now: datetime | None = None,
) -> ContactErasure:
    """
    Erase one person: every app's handler redacts what is not linked to the contact (webhook
    payloads, what-if results), the import files and their rejected rows lose the rows naming
    them, the contact is deleted with everything linked to it, and one ContactErasure line
    records it without personal data. All or nothing for the database.
    """
    now = now or timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        counts: dict[str, int] = {"activities": contact.activities.count()}
        for handler in sorted(_HANDLERS.values(), key=lambda h: h.name):
            if handler.erase is not None:
                counts.update(handler.erase(contact))
        counts.update(_admin_log_erase(contact))
        counts.update(_scrub_imports(contact))
        contact_id = contact.pk
        contact.delete()
        if by is not None and not getattr(by, "is_authenticated", False):
            by = None
        return ContactErasure.objects.create(
            contact_id=contact_id,
            erased_at=now,
            erased_by=by,
            via=via,
            counts={k: v for k, v in counts.items() if v},
        )
