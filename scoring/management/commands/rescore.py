"""`manage.py rescore`: rescore every contact under the live models (e.g. after loaddata)."""

import time

from django.core.management.base import BaseCommand, CommandError

from scoring import selectors, services
from scoring.models import RescoreStatus

WAIT_SECONDS = 0.5


class Command(BaseCommand):
    help = "Rescore every contact under each live scoring model (or one), printing progress."

    def add_arguments(self, parser):
        parser.add_argument(
            "--release",
            action="store_true",
            help="Send leads that newly qualify straight to routing (default: they wait).",
        )
        parser.add_argument(
            "--model", help="Only this scoring model (product line), by name or id."
        )

    def handle(self, *args, release: bool, model: str | None = None, **options) -> None:
        models = selectors.live_models()
        if model:
            line = selectors.line_named(model)
            if line is None:
                raise CommandError(f"There is no scoring model {model!r}.")
            models = [m for m in models if m.line_id == line.pk]
        if not models:
            raise CommandError(
                "No live scoring model. Load one with `manage.py loaddata default_scoring_model`."
            )
        for live in models:
            run = services.scoring_model_rescore(
                model_id=live.pk, reason="manage.py rescore", release=release
            )
            # Workers that joined the run (a broker and workers are running) may hold its last
            # slices: the run is theirs to close, and done once they have.
            while run.status == RescoreStatus.RUNNING:
                time.sleep(WAIT_SECONDS)
                run.refresh_from_db()
            if run.status == RescoreStatus.SUPERSEDED:
                raise CommandError(
                    f"A newer version of '{live.line.name}' was published meanwhile; its "
                    "rescore covers every contact."
                )
            if run.status != RescoreStatus.DONE:
                raise CommandError(
                    f"Another rescore of '{live.name}' is running; this one follows it."
                )
            self.stdout.write(
                f"Rescored {run.done:,} contacts under '{live.name}' ({live.line.name}): "
                f"{run.changed:,} changed, {run.newly_qualified:,} newly qualified"
                + (" and released." if release else " (waiting for release in the admin).")
            )
