"""Train a new version of the predictive score on the CRM's won and lost leads."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from predictive import services
from predictive.models import ModelStatus, PredictiveModel
from predictive.report import evaluation_lines


class Command(BaseCommand):
    help = (
        "Train a new version of the predictive score on won and lost leads, make it the active "
        "version (the previous one is kept) and score every contact; prints the evaluation."
    )

    def handle(self, *args, **options) -> None:
        model = PredictiveModel.objects.create(progress_note="Training from the command line")

        def report(percent: int, note: str) -> None:
            self.stdout.write(f"  {percent:3d}%  {note}")

        model = services.predictive_model_train(model_id=model.pk, progress=report)
        if model.status == ModelStatus.FAILED:
            raise CommandError(model.error)
        for line in evaluation_lines(model):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Version {model.version} is active."))
