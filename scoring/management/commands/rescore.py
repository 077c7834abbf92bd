"""`manage.py rescore`: rescore every contact under the live model (e.g. after loaddata)."""

from django.core.management.base import BaseCommand, CommandError

from scoring import selectors, services


class Command(BaseCommand):
    help = "Rescore every contact under the live scoring model, printing progress."

    def add_arguments(self, parser):
        parser.add_argument(
            "--release",
            action="store_true",
            help="Send leads that newly qualify straight to routing (default: they wait).",
        )

    def handle(self, *args, release: bool, **options) -> None:
        model = selectors.live_model()
        if model is None:
            raise CommandError(
                "No live scoring model. Load one with `manage.py loaddata default_scoring_model`."
            )
        run = services.rescore_run_create(model=model, reason="manage.py rescore", release=release)
        run = services.rescore_run_execute(run_id=run.pk)
        self.stdout.write(
            f"Rescored {run.done:,} contacts under '{model.name}': {run.changed:,} changed, "
            f"{run.newly_qualified:,} newly qualified"
            + (" and released." if release else " (waiting for release in the admin).")
        )
