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

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the training for a Celery worker (with progress on the Predictive "
            "page) and return at once.",
        )
        parser.add_argument(
            "--if-none",
            action="store_true",
            help="Do nothing if a model is already active, queued or training.",
        )

    def handle(self, *args, background: bool = False, if_none: bool = False, **options) -> None:
        if (
            if_none
            and PredictiveModel.objects.filter(
                status__in=[ModelStatus.ACTIVE, ModelStatus.QUEUED, ModelStatus.TRAINING]
            ).exists()
        ):
            self.stdout.write("A predictive model is already active or on its way.")
            return
        if background:
            model = services.predictive_model_request(requested_by=None)
            self.stdout.write(f"Predictive model version {model.version} queued for training.")
            return
        model = PredictiveModel.objects.create(progress_note="Training from the command line")

        def report(percent: int, note: str) -> None:
            self.stdout.write(f"  {percent:3d}%  {note}")

        model = services.predictive_model_train(model_id=model.pk, progress=report)
        if model.status == ModelStatus.FAILED:
            raise CommandError(model.error)
        for line in evaluation_lines(model):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Version {model.version} is active."))
