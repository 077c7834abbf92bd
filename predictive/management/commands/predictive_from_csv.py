"""
Import a labelled CSV, train the predictive score on it and print the held-out evaluation.

Two paths, chosen by the file's header:

- **A CRM export** (the CSV importer's automatic mapping finds an email column): the file goes
  through the CSV importer itself (contacts.imports: the same mapping, parsing and upserts as
  Contacts > Import), with the outcome column mapped to "Outcome: won / lost" (rows whose
  value is --positive are won, the others lost) and --date-column to "Outcome: decided on";
  then a version is trained on the CRM's won and lost leads like `train_predictive` (and
  becomes the active version).
- **Any other labelled file** (no email: e.g. UCI Bank Marketing), the lightweight path: each
  row is a lead whose columns are its custom properties, read with the importer's own reader
  (encoding and delimiter sniffing); nothing is written to the CRM. The version is stored
  for evaluation only and never scores contacts. With --date-column the split is by time;
  with --ordered the rows are taken to be in time order (the bank file is, May 2008 to
  November 2010); otherwise the split is stratified at random.

Try it on the bank marketing data (UCI Bank Marketing, "bank-additional-full", CC BY 4.0;
S. Moro, P. Cortez and P. Rita, "A Data-Driven Approach to Predict the Success of Bank
Telemarketing", Decision Support Systems 62, 2014, doi:10.1016/j.dss.2014.03.001), dropping
`duration`, which is only known after the call:

    DATABASE_URL=sqlite:////tmp/bank.sqlite3 python manage.py predictive_from_csv \\
        ../shared/datasets/bank_marketing.csv --outcome-column y --positive yes \\
        --drop duration --delimiter ';'
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contacts import imports
from contacts.models import ImportKind
from predictive import csv_leads, features, services, training
from predictive.models import ModelStatus, PredictiveModel
from predictive.report import evaluation_lines

ORDER_EPOCH = csv_leads.ORDER_EPOCH


def _relabel(path: Path, fmt: imports.CsvFormat, column: int, positive: str, out: Path) -> None:
    """A copy of the file with the label column as won/lost (what the importer reads)."""
    labels: Counter[str] = Counter()
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fmt.columns)
        for _, values in imports.csv_rows(path, fmt):
            if column < len(values) and values[column].strip():
                labels[values[column].strip().lower()] += 1
                won = values[column].strip().lower() == positive
                values[column] = "won" if won else "lost"
            writer.writerow(values)
    csv_leads.check_labels(labels, column=fmt.columns[column], positive=positive)


class Command(BaseCommand):
    help = (
        "Import a labelled CSV (through the CSV importer's mapping when it is a CRM export, "
        "else each row as a lead with its columns as properties), train the predictive score "
        "and print its held-out evaluation. Try it on UCI Bank Marketing (CC BY 4.0; Moro, "
        "Cortez and Rita 2014, doi:10.1016/j.dss.2014.03.001) with --drop duration."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--outcome-column", required=True, help="The column with the label.")
        parser.add_argument(
            "--positive", required=True, help="The label's value for a won lead (e.g. yes)."
        )
        parser.add_argument("--date-column", help="When the outcome was decided (time split).")
        parser.add_argument(
            "--drop", action="append", default=[], help="A column to leave out (repeatable)."
        )
        parser.add_argument("--delimiter", help="Default: sniffed from the header.")
        parser.add_argument(
            "--ordered", action="store_true", help="Rows are in time order: split by row order."
        )
        parser.add_argument("--min-frequency", type=int, default=10)
        parser.add_argument(
            "--no-boosting", action="store_true", help="Only compare logistic regressions."
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        fmt = csv_leads.csv_format(path, options["delimiter"])
        columns = fmt.columns
        for name in [options["outcome_column"], options["date_column"], *options["drop"]]:
            if name and name not in columns:
                raise CommandError(f"No column '{name}' in {path.name}: {', '.join(columns)}")
        mapping = imports.mapping_guess(columns, ImportKind.CONTACTS)
        if "email" in mapping.values():
            self._crm_file(path, fmt, mapping, options)
        else:
            self._plain_file(path, fmt, options)

    # ---- A CRM export: through the CSV importer ---------------------------------------------

    def _crm_file(self, path, fmt, mapping, options) -> None:
        if not options["date_column"]:
            raise CommandError("A CRM export needs --date-column: outcomes are stored with a date.")
        positive = options["positive"].strip().lower()
        index = {name: str(i) for i, name in enumerate(fmt.columns)}
        outcome_at = index[options["outcome_column"]]
        mapping[outcome_at] = "outcome"
        mapping[index[options["date_column"]]] = "outcome_date"
        for name in options["drop"]:
            mapping[index[name]] = imports.IGNORE
        # The label column in the importer's own words: the --positive value means won.
        with tempfile.TemporaryDirectory() as folder:
            labelled = Path(folder) / "labelled.csv"
            _relabel(path, fmt, int(outcome_at), positive, labelled)
            with labelled.open("rb") as upload:
                job = imports.import_job_create(upload=upload, file_name=path.name)
        job = imports.import_job_set_mapping(job=job, mapping=mapping)
        job = imports.import_job_execute(job_id=job.pk, dry_run=False)
        self.stdout.write(
            f"Imported {path.name}: {job.created_count} created, {job.updated_count} updated, "
            f"{job.rejected_count} rejected, {job.outcomes_count} outcomes."
        )
        model = PredictiveModel.objects.create(source=f"csv:{path.name}")
        model = services.predictive_model_train(model_id=model.pk, progress=self._progress)
        if model.status == ModelStatus.FAILED:
            raise CommandError(model.error)
        for line in evaluation_lines(model):
            self.stdout.write(line)

    # ---- Any labelled file: rows as leads -----------------------------------------------

    def _plain_file(self, path, fmt, options) -> None:
        positive = options["positive"].strip().lower()
        rows = [
            training.Row(
                features=features.extract(
                    features.LeadRecord(properties=lead.properties),
                    cutoff=lead.decided_at or ORDER_EPOCH,
                ),
                won=lead.won,
                decided_at=lead.decided_at,
                key=lead.number,
            )
            for lead in csv_leads.read_leads(path, fmt, options)
        ]
        self.stdout.write(
            f"Read {len(rows)} rows from {path.name} "
            f"({sum(r.won for r in rows)} with {options['outcome_column']} = {positive})."
        )
        model = PredictiveModel.objects.create(
            source=f"csv:{path.name}", status=ModelStatus.TRAINING, started_at=timezone.now()
        )
        try:
            trained = training.train(
                rows,
                min_frequency=options["min_frequency"],
                allow_boosting=not options["no_boosting"],
                progress=self._progress,
            )
        except training.NotEnoughData as exc:
            model.status, model.error = ModelStatus.FAILED, str(exc)
            model.save(update_fields=["status", "error"])
            raise CommandError(str(exc)) from exc
        except BaseException as exc:
            # Crashed or stopped (Ctrl-C): the version must not stay "training", which would
            # hold back every retrain (predictive_model_request returns a running version).
            model.status, model.error = ModelStatus.FAILED, f"{exc.__class__.__name__}: {exc}"
            model.save(update_fields=["status", "error"])
            raise
        services.predictive_model_store(model=model, trained=trained)
        model.status, model.progress = ModelStatus.EVALUATION, 100
        model.save()
        for line in evaluation_lines(model):
            self.stdout.write(line)
        self.stdout.write("Strongest factors (logistic coefficients, odds ratio per unit):")
        for c in model.coefficients[:12]:
            self.stdout.write(f"  x{c['odds_ratio']:6.2f}  {c['words']}")

    def _progress(self, percent: int, note: str) -> None:
        self.stdout.write(f"  {percent:3d}%  {note}")
