"""`manage.py seed_demo`: fill the database with a realistic demo world (see contacts.demo)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contacts.demo import DEFAULT_SEED, DemoDataExists, crm_data_exists, seed_demo


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Create demo companies, contacts, activities, outcomes and one user per role. "
        "Deterministic for a given --seed (and the current time)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--contacts", type=_positive_int, default=2000, help="Number of contacts (2000)."
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"Random seed ({DEFAULT_SEED})."
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has contacts or companies.",
        )
        existing.add_argument(
            "--reset",
            action="store_true",
            help="Delete ALL existing outcomes, activities, contacts and companies first "
            "(users are kept).",
        )

    def handle(self, *args, contacts: int, seed: int, if_empty: bool, reset: bool, **options):
        if if_empty and crm_data_exists():
            self.stdout.write("The database already has contacts; --if-empty: nothing seeded.")
            return
        try:
            summary = seed_demo(contacts=contacts, seed=seed, reset=reset, stdout=self.stdout)
        except DemoDataExists as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(summary.report()))
