"""Erase one person's data everywhere: `manage.py forget_contact ada@example.com` (or an id)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from contacts.models import Contact, ErasureVia
from contacts.privacy import contact_forget


class Command(BaseCommand):
    help = (
        "Forget a contact: delete them with everything linked to them, redact them from "
        "webhook payloads and what-if results, and remove their rows from import files."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("contact", help="The contact's email (any case) or id.")

    def handle(self, *args, contact: str, **options) -> None:
        value = contact.strip()
        found = Contact.objects.filter(email__iexact=value)
        if value.isdigit():
            found = Contact.objects.filter(pk=int(value))
        person = found.first()
        if person is None:
            raise CommandError(f"No contact with email or id {value!r}.")
        erasure = contact_forget(contact=person, by=None, via=ErasureVia.COMMAND)
        removed = ", ".join(f"{n} {what}" for what, n in sorted(erasure.counts.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Contact {erasure.contact_id} forgotten ({removed or 'no linked records'})."
            )
        )
