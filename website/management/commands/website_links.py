"""
Write `email,link` rows for a mail merge: each contact's own link to a page of the website,
carrying a signed identify token, so a click ties that browser's visits to the contact.
"""

from __future__ import annotations

import csv
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from contacts.models import Contact
from website.tokens import identify_link


class Command(BaseCommand):
    help = "CSV of email,link: URL with each contact's signed identify token (for email tools)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("url", help="The page the email links to, e.g. https://acme.com/offer")
        parser.add_argument("--out", help="Write to this file instead of standard output.")
        parser.add_argument(
            "--include-unsubscribed",
            action="store_true",
            help="Also contacts who unsubscribed or must not be contacted.",
        )

    def handle(self, *args, url: str, out: str | None, include_unsubscribed: bool, **options):
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CommandError(f"Not an http(s) URL: {url}") from None
        contacts = Contact.objects.order_by("pk")
        if not include_unsubscribed:
            contacts = contacts.filter(unsubscribed=False, do_not_contact=False)
        stream = open(out, "w", newline="", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
        try:
            writer = csv.writer(stream)
            writer.writerow(["email", "link"])
            count = 0
            for contact in contacts.iterator(chunk_size=2000):
                writer.writerow([contact.email, identify_link(url=url, contact=contact)])
                count += 1
        finally:
            if out:
                stream.close()
        self.stderr.write(f"{count} links written.")
