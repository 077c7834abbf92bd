"""The contact list as CSV: exactly the filtered rows, streamed, with scores and top reasons."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet

from contacts.csvfile import neutralise
from contacts.models import Contact
from scoring import score_reads
from scoring import wording as scoring_wording
from workspace import selectors

HEADER = [
    "id",
    "email",
    "first_name",
    "last_name",
    "job_title",
    "company",
    "company_domain",
    "country",
    "stage",
    "grade",
    "band",
    "fit",
    "interest",
    "win_probability",
    "mql",
    "owner",
    "last_activity_at",
    "created_at",
    "top_reasons",
]
# Rows fetched per database round trip while streaming.
CHUNK = 1000


class _Echo:
    def write(self, value: str) -> str:
        return value


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _owner_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _reasons(contact: Contact, now: datetime) -> str:
    score = getattr(contact, "score", None)
    if score is None:
        return ""
    try:
        current = score_reads.score_now(score, now=now)
    except (KeyError, TypeError, ValueError):
        # A breakdown of an older shape: export the row without reasons rather than fail.
        return ""
    return "; ".join(scoring_wording.top_reasons(current, now))


def _row(contact: Contact, owners: dict, now: datetime) -> list[object]:
    company = contact.company
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    score = getattr(contact, "score", None)
    prediction = getattr(contact, "prediction", None)
    row = [
        contact.pk,
        contact.email,
        contact.first_name,
        contact.last_name,
        contact.job_title,
        company.name if company else "",
        company.domain if company else "",
        contact.location()[0],  # the contact's own country, else its company's, as fit reads it
        contact.lifecycle_stage,
        score.grade if score else "",
        score.band if score else "",
        _number(score.fit if score else None),
        _number(score.interest if score else None),
        _number(round(prediction.probability, 4) if prediction else None),
        "yes" if contact.is_mql else "no",
        _owner_name(owners.get(contact.owner_id)),
        contact.last_activity_at.isoformat() if contact.last_activity_at else "",
        contact.created_at.isoformat(),
        _reasons(contact, now),
    ]
    return [neutralise(value) for value in row]  # no cell runs as a formula in a spreadsheet


def csv_lines(queryset: QuerySet[Contact], *, now: datetime) -> Iterator[str]:
    """
    The header, then one line per contact in the queryset's order. Rows come in keyset-free
    chunks of the ordered queryset (stable: the ordering ends with the id), owners one query
    per chunk, so memory stays flat whatever the size.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    # The list defers the score breakdown; the reasons need it (in the same query, not one
    # query per row), the prediction's factors stay out.
    queryset = (
        queryset.select_related("score__scoring_model")
        .defer(None)
        .defer("prediction__positive", "prediction__negative")
    )
    start = 0
    while True:
        chunk = list(queryset[start : start + CHUNK])
        if not chunk:
            return
        owners = selectors.users_by_id(c.owner_id for c in chunk)
        for contact in chunk:
            yield writer.writerow(_row(contact, owners, now))
        if len(chunk) < CHUNK:
            return
        start += CHUNK
