"""`manage.py rescore`: rescore every contact under the live model (e.g. after loaddata)."""

from django.core.management.base import BaseCommand, CommandError

from scoring import selectors, services
from scoring.models import RescoreStatus


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
        run = services.scoring_model_rescore(
            model_id=model.pk, reason="manage.py rescore", release=release
        )
        if run.status != RescoreStatus.DONE:
            raise CommandError("Another rescore of this model is running; this one follows it.")
        self.stdout.write(
            f"Rescored {run.done:,} contacts under '{model.name}': {run.changed:,} changed, "
            f"{run.newly_qualified:,} newly qualified"
            + (" and released." if release else " (waiting for release in the admin).")
        )
