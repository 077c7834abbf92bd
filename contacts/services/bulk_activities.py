"""Activities in bulk (the API, single and bulk, and the website): one batch, scored once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from contacts.identity import date_range_error, normalize_email
from contacts.models import (
    Activity,
    ActivityKind,
    Contact,
)
from contacts.services.bulk import (
    LOOKUP_CHUNK,
    WRITE_BATCH,
    ActivityRow,
    AtomicBatchFailed,
    ContactRow,
    atomic_failed,
    batch_finish,
    emails_to_contacts,
    has_nul,
    identities_to_contacts,
    write_rows_or_fallback,
)
from contacts.services.bulk_contacts import (
    contacts_bulk_upsert,
)
from leadscore.bulk import BulkResult, RowResult, RowStatus
from leadscore.bulk_sql import copy_insert
from leadscore.ids import ID_MAX


def activities_bulk_record(
    *,
    rows: Sequence[ActivityRow],
    atomic: bool = False,
    now: datetime | None = None,
) -> BulkResult:
    """
    Store a batch of activities. An event whose (source, external_id) is already stored, or
    repeated in the batch, is `unchanged` and answers with the stored id; new ones are
    `created`. Unknown contacts and invalid rows are errors that write nothing. Contacts with
    new activities are announced once for rescoring (not once per activity).

    A row names its contact by contact_id, contact_email or (contact_source,
    contact_external_id). With create_contact, a contact that is not found is created from
    that email and id (once per batch, in the same transaction) instead of an error.
    """
    now = now or timezone.now()
    result = BulkResult()
    lookups = _Lookups.of(rows)
    planned = _plan(rows, lookups, now)
    try:
        with transaction.atomic():
            if atomic and any(isinstance(p, RowResult) and p.errors for p in planned):
                result.results = _results(planned)
                raise AtomicBatchFailed
            new = [p for p in planned if isinstance(p, _ActivityPlan)]
            new = _create_activity_contacts(new, lookups.to_create, atomic=atomic, now=now)
            written = _write(new)
            _mark_unsubscribed(written, now)
            result.changed_contact_ids = {p.activity.contact_id for p in written}
            result.results = _results(planned)
            return batch_finish(
                result,
                atomic=atomic,
                reason="new_activity",
                sender=Activity,
                activities=[p.activity for p in written],
            )
    except AtomicBatchFailed:
        if not result.results:
            result.results = _results(planned)
        return atomic_failed(result)


@dataclass
class _Lookups:
    """What a batch's rows name that is stored already: contacts, and events by their id."""

    known_ids: set[int]
    by_email: dict[str, int]
    by_identity: dict[tuple[str, str], int]
    stored_events: dict[tuple[str, str], int]
    # Contacts to create (create_contact), by key; filled while the rows are planned.
    to_create: dict[tuple[str, ...], ContactRow] = field(default_factory=dict)
    # Every key a contact to create is named by in the batch (its email, its id), to its key
    # in to_create: one new person named both ways is one contact.
    create_keys: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Sequence[ActivityRow]) -> _Lookups:
        """Read in chunks of LOOKUP_CHUNK: one query a chunk, whatever the batch's size."""
        emails = {normalize_email(r.contact_email) for r in rows if r.contact_id is None}
        by_email = {
            e: c.pk
            for e, c in emails_to_contacts({e for e in emails if e}, only=("id", "email")).items()
        }
        identities = {
            (r.contact_source.strip(), r.contact_external_id.strip())
            for r in rows
            if r.contact_id is None and r.contact_external_id.strip()
        }
        by_identity = {
            key: c.pk for key, c in identities_to_contacts(identities, only=("id",)).items()
        }
        known_ids: set[int] = set()
        ids = sorted({r.contact_id for r in rows if r.contact_id is not None})
        ids = [i for i in ids if 0 < i <= ID_MAX]  # others name no row (nor fit a bigint)
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start : start + LOOKUP_CHUNK]
            known_ids.update(Contact.objects.filter(pk__in=chunk).values_list("pk", flat=True))
        external = sorted({r.external_id for r in rows if r.external_id})
        stored_events: dict[tuple[str, str], int] = {}
        for start in range(0, len(external), LOOKUP_CHUNK):
            for pk, source, external_id in Activity.objects.filter(
                external_id__in=external[start : start + LOOKUP_CHUNK]
            ).values_list("pk", "source", "external_id"):
                stored_events[(source, external_id)] = pk
        return cls(known_ids, by_email, by_identity, stored_events)


@dataclass
class _SameEvent:
    """A row repeating an event planned earlier in the batch: it answers with that one's id."""

    index: int
    first: _ActivityPlan


def _plan(
    rows: Sequence[ActivityRow], lookups: _Lookups, now: datetime
) -> list[RowResult | _SameEvent | _ActivityPlan]:
    """Each row's fate, in order: an error or a stored event (answered), or an event to write."""
    kinds = set(ActivityKind.values)
    planned: list[RowResult | _SameEvent | _ActivityPlan] = []
    batch_events: dict[tuple[str, str], _ActivityPlan] = {}
    for row in rows:
        contact_id, errors = _row_contact(row, lookups)
        errors.update(_row_errors(row, kinds))
        if errors:
            planned.append(RowResult(row.index, RowStatus.ERROR, errors=errors))
            continue
        key = (row.source, row.external_id)
        if row.external_id and key in lookups.stored_events:
            planned.append(RowResult(row.index, RowStatus.UNCHANGED, id=lookups.stored_events[key]))
            continue
        if row.external_id and key in batch_events:
            # The same event twice in one batch: stored once, both rows answer with its id.
            planned.append(_SameEvent(row.index, batch_events[key]))
            continue
        create_key = contact_id if isinstance(contact_id, tuple) else None
        activity = Activity(
            contact_id=None if create_key else contact_id,
            kind=row.kind,
            custom_kind=row.custom_kind if row.kind == ActivityKind.CUSTOM else "",
            occurred_at=row.occurred_at,
            properties=row.properties or {},
            source=row.source,
            external_id=row.external_id,
            created_at=now,
        )
        item = _ActivityPlan(activity, RowResult(row.index, RowStatus.CREATED), create_key)
        if row.external_id:
            batch_events[key] = item
        planned.append(item)
    return planned


def _row_contact(row: ActivityRow, lookups: _Lookups) -> tuple[Any, dict[str, list[str]]]:
    """The row's contact: a stored id, or the key of one to create; else the error."""
    if row.contact_id is not None:
        if row.contact_id not in lookups.known_ids:
            return None, {"contact_id": [f"No contact with id {row.contact_id}."]}
        return row.contact_id, {}
    if row.contact_email or row.contact_external_id.strip():
        return _activity_contact(row, lookups)
    return None, {"contact_email": ["Give the contact's email, contact_id or contact_external_id."]}


def _row_errors(row: ActivityRow, kinds: set[str]) -> dict[str, list[str]]:
    """What is wrong with the row's own values (its contact apart), by field."""
    errors: dict[str, list[str]] = {}
    problem = date_range_error(row.occurred_at) if isinstance(row.occurred_at, datetime) else None
    if problem:
        errors["occurred_at"] = [problem]
    if row.kind not in kinds:
        errors["kind"] = [f"'{row.kind[:50]}' is not one of: {', '.join(sorted(kinds))}."]
    elif row.kind == ActivityKind.CUSTOM and not row.custom_kind:
        errors["custom_kind"] = ["A custom activity needs its name in custom_kind."]
    for name, limit in (("custom_kind", 100), ("source", 100), ("external_id", 255)):
        value = getattr(row, name)
        if len(value) > limit:
            errors[name] = [f"At most {limit} characters."]
        elif "\x00" in value:
            errors[name] = ["Text may not contain NUL characters."]
    if not isinstance(row.properties, dict) or has_nul(row.properties):
        errors["properties"] = ["An object without NUL characters."]
    return errors


def _results(planned: Sequence[RowResult | _SameEvent | _ActivityPlan]) -> list[RowResult]:
    """Every row's answer, in the batch's order (a repeated event answers as its first row)."""
    out = []
    for p in planned:
        if isinstance(p, RowResult):
            out.append(p)
        elif isinstance(p, _SameEvent):
            first = p.first.result
            if first.status == RowStatus.ERROR:
                out.append(RowResult(p.index, RowStatus.ERROR, errors=first.errors))
            else:
                out.append(RowResult(p.index, RowStatus.UNCHANGED, id=first.id))
        else:
            out.append(p.result)
    return out


def _write(new: Sequence[_ActivityPlan]) -> list[_ActivityPlan]:
    """Insert the new events (row by row where the batch fails); those written."""

    def write(items: Sequence[_ActivityPlan]) -> None:
        copy_insert(Activity, [p.activity for p in items], batch_size=WRITE_BATCH)
        for p in items:
            p.result.id, p.result.written = p.activity.pk, p.activity

    write_rows_or_fallback(new, write, lambda items: [p.activity for p in items])
    # A re-sent event that lost a race to a concurrent insert is the stored one.
    for p in new:
        if p.result.status == RowStatus.ERROR and p.activity.external_id:
            stored = Activity.objects.filter(
                source=p.activity.source, external_id=p.activity.external_id
            ).values_list("pk", flat=True)
            if stored:
                p.result = RowResult(p.result.index, RowStatus.UNCHANGED, id=stored[0])
    return [p for p in new if p.result.status == RowStatus.CREATED]


def _mark_unsubscribed(written: Sequence[_ActivityPlan], now: datetime) -> None:
    """An unsubscribe activity unsubscribes its contact, in the same transaction."""
    unsubscribed = {
        p.activity.contact_id for p in written if p.activity.kind == ActivityKind.UNSUBSCRIBE
    }
    if unsubscribed:
        Contact.objects.filter(pk__in=unsubscribed, unsubscribed=False).update(
            unsubscribed=True, updated_at=now
        )


@dataclass
class _ActivityPlan:
    activity: Activity
    result: RowResult
    # The key of the contact to create for it (create_contact), else None.
    create_key: tuple[str, ...] | None = None


def _activity_contact(row: ActivityRow, lookups: _Lookups) -> tuple[Any, dict[str, list[str]]]:
    """The contact id an activity row names by email or external id, or the key to create."""
    source, external_id = row.contact_source.strip(), row.contact_external_id.strip()
    email_key = normalize_email(row.contact_email)
    found_by_id = lookups.by_identity.get((source, external_id)) if external_id else None
    found_by_email = lookups.by_email.get(email_key) if email_key else None
    if found_by_id and found_by_email and found_by_id != found_by_email:
        return None, {
            "contact_external_id": [
                f"Id {external_id[:100]} and email {row.contact_email[:100]} are two contacts."
            ]
        }
    if found_by_id or found_by_email:
        return found_by_id or found_by_email, {}
    if row.create_contact:
        return _contact_to_create(row, lookups, source, external_id, email_key)
    what = f"id {external_id[:100]}" if external_id else f"email {row.contact_email[:100]}"
    field_name = "contact_external_id" if external_id else "contact_email"
    return None, {
        field_name: [
            f"No contact with {what}; create it first (POST /api/v1/contacts/bulk/) "
            "or send create_contact: true."
        ]
    }


def _contact_to_create(
    row: ActivityRow, lookups: _Lookups, source: str, external_id: str, email_key: str
) -> tuple[Any, dict[str, list[str]]]:
    """
    The key of the new contact a create_contact row names, planned once per person: a row
    naming it by email and id joins one planned by either, and completes it with the other.
    """
    names = [("id", source, external_id)] if external_id else []
    names += [("email", email_key)] if email_key else []
    key = next((lookups.create_keys[n] for n in names if n in lookups.create_keys), None)
    if key is None:
        key = names[0]
        lookups.to_create[key] = ContactRow(index=row.index, source=source)
    planned = lookups.to_create[key]
    planned_id = (planned.source, planned.external_id)
    if external_id and planned.external_id and planned_id != (source, external_id):
        return None, {
            "contact_external_id": [
                f"Email {row.contact_email[:100]} is given with two ids in this batch."
            ]
        }
    if email_key and planned.email and normalize_email(planned.email) != email_key:
        return None, {
            "contact_email": [f"Id {external_id[:100]} is given with two emails in this batch."]
        }
    planned.email = planned.email or row.contact_email.strip()
    if external_id and not planned.external_id:
        planned.source, planned.external_id = source, external_id
    lookups.create_keys.update(dict.fromkeys(names, key))
    return key, {}


def _create_activity_contacts(
    plans: list[_ActivityPlan],
    to_create: dict[tuple[str, ...], ContactRow],
    *,
    atomic: bool,
    now: datetime,
) -> list[_ActivityPlan]:
    """Create the contacts rows asked for (create_contact); rows whose contact fails fail."""
    wanted = {p.create_key for p in plans if p.create_key is not None}
    if not wanted:
        return plans
    contact_rows = [row for key, row in to_create.items() if key in wanted]
    created = contacts_bulk_upsert(rows=contact_rows, now=now)
    outcome = {
        key: result for (key, _), result in zip(
            [(k, r) for k, r in to_create.items() if k in wanted], created.results, strict=True
        )
    }  # fmt: skip
    kept = []
    for plan in plans:
        if plan.create_key is None:
            kept.append(plan)
            continue
        made = outcome[plan.create_key]
        if made.status == RowStatus.ERROR:
            plan.result.status = RowStatus.ERROR
            plan.result.errors = {f"contact.{k}": v for k, v in (made.errors or {}).items()}
            if atomic:
                raise AtomicBatchFailed
            continue
        plan.activity.contact_id = made.id
        kept.append(plan)
    return kept
